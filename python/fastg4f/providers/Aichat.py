"""Aichat: chat-gpt.org's ``/api/text`` endpoint (needs the site's cookies)."""

from __future__ import annotations

from typing import Any, ClassVar

from fastg4f.cookies import get_cookies_dir
from fastg4f.errors import MissingAuthError, ResponseError
from fastg4f.providers._common import check_status, host_of, origin_of, read_json
from fastg4f.providers.base_provider import AsyncProvider
from fastg4f.providers.helper import format_prompt, provider_cookies
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import url_endpoint
from fastg4f.requests import DEFAULT_TIMEOUT, StreamSession
from fastg4f.typing import Cookies, Messages

__all__ = ["Aichat", "MissingCookiesError"]


class MissingCookiesError(MissingAuthError, RuntimeError):
    """Aichat needs the site's cookies and none were found (also a ``RuntimeError``, as g4f)."""


class Aichat(AsyncProvider):
    """chat-gpt.org: one JSON POST to ``api/text`` beside the chat page ``url``.

    ``url`` is the chat page (``https://chat-gpt.org/chat``); the API is resolved beside it
    (``https://chat-gpt.org/api/text``), so an emulator at ``http://127.0.0.1:PORT/aichat/chat``
    gets ``…/aichat/api/text``. The model name is not sent (the site has one model).

    Keyword arguments: ``cookies`` (else those of :func:`fastg4f.cookies.get_cookies` for the
    host of ``url``, then for :attr:`cookie_domain` ``chat-gpt.org``: cookie files in the
    cookies directory or :func:`fastg4f.cookies.set_cookies`),
    ``proxy`` (every scheme), ``timeout`` (default 120 s; g4f used a fixed 6 s),
    ``temperature`` (default 0.5) and ``top_p`` (default 1). TLS certificates are verified
    (g4f turned verification off).

    ``create_async`` is a static method, as in g4f; it reads the ``Aichat`` class's ``url``.

    Raises:
        MissingCookiesError: no cookies were given or found (a ``RuntimeError``).
        ResponseError: the site answered ``{"response": false, …}`` (the message carries the
            body) or something that is not a JSON object with a ``message``.
        RateLimitError, CloudflareError, ResponseStatusError: an HTTP error status.
        ConnectionError, TimeoutError: transport failures.
    """

    url: ClassVar[str | None] = "https://chat-gpt.org/chat"
    api_endpoint: ClassVar[str | None] = url_endpoint("api/text", relative=True)
    working: ClassVar[bool] = False
    supports_gpt_35_turbo: ClassVar[bool] = True
    cookie_domain: ClassVar[str | None] = "chat-gpt.org"
    """The site's cookie domain, looked up after the host of ``url`` (see ``cookies=``)."""
    identity: ClassVar[BrowserIdentity] = BrowserIdentity(110, "macOS")
    """The browser the requests claim to be (TLS target, user-agent, client hints)."""

    @staticmethod
    async def create_async(
        model: str,
        messages: Messages,
        proxy: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        cookies: Cookies | None = None,
        temperature: float = 0.5,
        top_p: float = 1,
        **kwargs: Any,
    ) -> str:
        """Returns the answer text."""
        page = Aichat.url_join()
        host = host_of(page)
        if not cookies:
            cookies, looked_up = provider_cookies(page, Aichat.cookie_domain)
        if not cookies:
            names = " or ".join(looked_up)
            raise MissingCookiesError(
                f"Aichat requires the cookies of {names}: open {page} in a browser, export its "
                f"cookies into a file named {looked_up[-1]}.json in {get_cookies_dir()} (or "
                f"call fastg4f.cookies.set_cookies({looked_up[-1]!r}, {{...}})), or pass "
                "cookies={...}"
            )
        headers = {
            "authority": host,
            "accept": "*/*",
            "accept-language": "en,fr-FR;q=0.9,fr;q=0.8,es-ES;q=0.7,es;q=0.6,en-US;q=0.5",
            "content-type": "application/json",
            "origin": origin_of(page),
            "referer": page,
            "sec-fetch-dest": "empty",
            "sec-fetch-mode": "cors",
            "sec-fetch-site": "same-origin",
            **Aichat.identity.headers(),
        }
        body = {
            "message": format_prompt(messages),
            "temperature": temperature,
            "presence_penalty": 0,
            "top_p": top_p,
            "frequency_penalty": 0,
        }
        async with (
            StreamSession(
                name="Aichat",
                headers=headers,
                cookies=cookies,
                proxy=proxy,
                timeout=timeout,
                impersonate=Aichat.identity.impersonate,
            ) as session,
            session.post(str(Aichat.api_endpoint), json=body) as response,
        ):
            await check_status(response, "Aichat")
            result = await read_json(response, "Aichat")
        if not isinstance(result, dict) or not result.get("response"):
            raise ResponseError(f"Aichat answered with an error: Error Response: {result}")
        message = result.get("message")
        if not isinstance(message, str):
            raise ResponseError(f"Aichat answered without a message text: {result}")
        return message
