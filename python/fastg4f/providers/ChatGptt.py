"""ChatGptt: chatgptt.me, a WordPress "AI Power" chat widget."""

from __future__ import annotations

from typing import Any, ClassVar

from fastg4f.providers._common import fetch_page, host_of, origin_of
from fastg4f.providers._wordpress import (
    TokensNotFoundError,
    answer_error,
    chat_form,
    post_message,
    site_session,
    widget_tokens,
)
from fastg4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from fastg4f.providers.helper import format_prompt
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import url_endpoint
from fastg4f.requests import DEFAULT_TIMEOUT
from fastg4f.typing import AsyncResult, Cookies, Messages

__all__ = ["ChatGptt"]


class ChatGptt(AsyncGeneratorProvider, ProviderModelMixin):
    """chatgptt.me: page → ``data-nonce``/``data-post-id`` → form POST to ``admin-ajax.php``.

    The answer arrives in one piece (the site does not stream). Keyword arguments: ``proxy``,
    ``timeout`` (default 120 s) and ``cookies``, used for both requests.

    Raises:
        TokensNotFoundError: the page has no ``data-nonce`` or ``data-post-id`` (a
            ``RuntimeError``: "Required authentication tokens not found in page HTML").
        NonceRejectedError: the site rejected the nonce (the message quotes the site).
        SiteError: the site answered without ``data`` (the message quotes its ``msg``).
        RateLimitError, CloudflareError, ResponseStatusError: an HTTP error status.
        ResponseError: the answer is not JSON; ConnectionError/TimeoutError: transport failures.
    """

    url: ClassVar[str | None] = "https://chatgptt.me"
    api_endpoint: ClassVar[str | None] = url_endpoint("wp-admin/admin-ajax.php")
    working: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_message_history: ClassVar[bool] = True
    default_model: ClassVar[str | None] = "gpt-4o"
    models: ClassVar[list[str]] = ["gpt-4", "gpt-4o", "gpt-4o-mini"]
    identity: ClassVar[BrowserIdentity] = BrowserIdentity(131, "Linux")
    """The browser the requests claim to be (TLS target, user-agent, client hints)."""

    @classmethod
    async def create_async_generator(  # type: ignore[override]  # g4f's order: proxy third
        cls,
        model: str,
        messages: Messages,
        proxy: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        cookies: Cookies | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        """Yields the answer text (one piece); ``stream`` (keyword) is accepted and ignored."""
        cls.get_model(model)
        prompt = format_prompt(messages)
        base = cls.url_join()
        headers = {
            "authority": host_of(base),
            "accept": "application/json",
            "origin": origin_of(base),
            "referer": cls.url_join("chat"),
            **cls.identity.headers(),
        }
        async with site_session(
            cls, headers, cookies=cookies, proxy=proxy, timeout=timeout
        ) as session:
            html = await fetch_page(session, base, cls.__name__)
            nonce, post_id = widget_tokens(html)
            if not nonce or not post_id:
                raise TokensNotFoundError(
                    "Required authentication tokens not found in page HTML "
                    f"({cls.__name__}, {base}: data-nonce {'found' if nonce else 'missing'}, "
                    f"data-post-id {'found' if post_id else 'missing'})"
                )
            fields = chat_form(nonce, post_id, base, prompt)
            answer = await post_message(session, str(cls.api_endpoint), fields, cls.__name__)
        if answer.data is None:
            raise answer_error(cls.__name__, answer)
        yield answer.data
