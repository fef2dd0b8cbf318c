"""ChatGptEs: chatgpt.es, a WordPress "AI Power" chat widget behind browser checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from fastg4f.errors import (
    CloudflareError,
    MissingRequirementsError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
)
from fastg4f.providers._common import fetch_page, origin_of
from fastg4f.providers._wordpress import chat_form, post_message, site_session, widget_tokens
from fastg4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from fastg4f.providers.helper import format_prompt
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import url_endpoint
from fastg4f.requests import DEFAULT_TIMEOUT, available_backends
from fastg4f.typing import AsyncResult, Cookies, Messages

__all__ = [
    "ChatGptEs",
    "ChatGptEsCloudflareError",
    "ChatGptEsError",
    "ChatGptEsRateLimitError",
    "ChatGptEsStatusError",
    "check_requirements",
    "find_nonce",
    "find_post_id",
]

GERMAN_CHECKBOX = "Du musst das Kästchen anklicken!"

_Q = "['\"]"
_NONCE_PATTERNS = (
    re.compile(rf"<input\s+type={_Q}hidden{_Q}\s+name={_Q}_wpnonce{_Q}\s+value={_Q}([^'\"]+){_Q}"),
    re.compile(r'"_wpnonce":"([^"]+)"'),
    re.compile(rf"var\s+wpaicg_nonce\s*=\s*{_Q}([^'\"]+){_Q}"),
    re.compile(rf"wpaicg_nonce\s*:\s*{_Q}([^'\"]+){_Q}"),
)
_POST_ID_PATTERNS = (
    re.compile(rf"<input\s+type={_Q}hidden{_Q}\s+name={_Q}post_id{_Q}\s+value={_Q}([^'\"]+){_Q}"),
    re.compile(r'"post_id":"([^"]+)"'),
    re.compile(rf"var\s+post_id\s*=\s*{_Q}?(\d+){_Q}?"),
)


class ChatGptEsError(ResponseError, ValueError):
    """ChatGptEs answered without a usable answer (a ``ValueError``, as in g4f)."""


class ChatGptEsStatusError(ResponseStatusError, ValueError):
    """ChatGptEs answered with an HTTP error status (a ``ValueError``, as in g4f)."""


class ChatGptEsRateLimitError(RateLimitError, ValueError):
    """ChatGptEs answered HTTP 429 (a ``ValueError``, as in g4f)."""


class ChatGptEsCloudflareError(CloudflareError, ValueError):
    """ChatGptEs answered with a Cloudflare challenge (a ``ValueError``, as in g4f)."""


def check_requirements(backends: Iterable[str] | None = None) -> None:
    """Raises :class:`MissingRequirementsError` unless curl_cffi is among ``backends``.

    Args:
        backends: The installed HTTP transports (default
            :func:`fastg4f.requests.available_backends`).
    """
    found = available_backends() if backends is None else list(backends)
    if "curl_cffi" not in found:
        raise MissingRequirementsError(
            'ChatGptEs needs browser impersonation: install or update "curl_cffi" '
            "(pip install -U curl_cffi)"
        )


def _first(patterns: Iterable[re.Pattern[str]], html: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(html)
        if match:
            return match.group(1)
    return None


def find_nonce(html: str) -> str | None:
    """The chat nonce: hidden ``_wpnonce`` input, ``"_wpnonce":"…"`` JSON, ``var wpaicg_nonce``,
    ``wpaicg_nonce:``, else the chat widget's ``data-nonce``; ``None`` when none is present.

    Unlike g4f, no catch-all ``nonce=…`` pattern (it picks the REST API's or another form's
    nonce) and no hard-coded guess.
    """
    return _first(_NONCE_PATTERNS, html) or widget_tokens(html)[0]


def find_post_id(html: str) -> str | None:
    """The post id: hidden ``post_id`` input, ``"post_id":"…"`` JSON, ``var post_id``, else the
    chat widget's ``data-post-id``; ``None`` when none is present (no hard-coded guess)."""
    return _first(_POST_ID_PATTERNS, html) or widget_tokens(html)[1]


class ChatGptEs(AsyncGeneratorProvider, ProviderModelMixin):
    """chatgpt.es: page → nonce/post id → form POST to ``admin-ajax.php`` (via curl_cffi).

    The prompt is :attr:`SYSTEM_PROMPT` + ``" "`` + the formatted conversation, and
    ``wpaicg_chat_history`` is ``["Human: <that message>"]`` (as g4f). Keyword arguments:
    ``proxy``, ``timeout`` (default 120 s) and ``cookies``, used for both requests.

    Raises:
        MissingRequirementsError: curl_cffi is not installed.
        ChatGptEsError: the page has no nonce or post id, the site rejected the request (its
            ``msg`` quoted), the answer has no ``data``, or the answer is the site's checkbox
            notice "Du musst das Kästchen anklicken!" (all ``ValueError``).
        ChatGptEsStatusError, ChatGptEsRateLimitError, ChatGptEsCloudflareError: an HTTP error
            status; the message carries the status and the site's text (``ValueError``).
        ChatGptEsError: also an answer that is not JSON or not a JSON object ("Unexpected
            response format"); every answer-level error of ChatGptEs is a ``ValueError``.
        ConnectionError, TimeoutError: transport failures.
    """

    url: ClassVar[str | None] = "https://chatgpt.es"
    api_endpoint: ClassVar[str | None] = url_endpoint("wp-admin/admin-ajax.php")
    working: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = False
    supports_message_history: ClassVar[bool] = False
    default_model: ClassVar[str | None] = "gpt-4o"
    models: ClassVar[list[str]] = ["gpt-4", "gpt-4o", "gpt-4o-mini"]
    identity: ClassVar[BrowserIdentity] = BrowserIdentity(110, "Linux")
    """The browser the requests claim to be (TLS target, user-agent, client hints)."""
    impersonate: ClassVar[str] = identity.impersonate
    """curl_cffi browser target (``chrome110``, as g4f), from :attr:`identity`."""

    SYSTEM_PROMPT: ClassVar[str] = (
        "Your default language is English. Always respond in English unless the user's message "
        "is in a different language. If the user's message is not in English, respond in the "
        "language of the user's message. Maintain this language behavior throughout the "
        "conversation unless explicitly instructed otherwise. User input:"
    )

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
        check_requirements()
        cls.get_model(model)
        prompt = f"{cls.SYSTEM_PROMPT} {format_prompt(messages)}"
        base = cls.url_join()
        headers = {
            **cls.identity.headers(),
            "referer": base,
            "origin": origin_of(base),
            "accept": "*/*",
            "accept-language": "en-US,en;q=0.9",
            "x-requested-with": "XMLHttpRequest",
        }
        async with site_session(
            cls, headers, cookies=cookies, proxy=proxy, timeout=timeout, backend="curl_cffi"
        ) as session:
            try:
                html = await fetch_page(session, base, cls.__name__)
                nonce, post_id = find_nonce(html), find_post_id(html)
                if not nonce or not post_id:
                    missing = " and ".join(
                        name for name, v in (("nonce", nonce), ("post id", post_id)) if not v
                    )
                    raise ChatGptEsError(
                        f"ChatGptEs: no chat {missing} found in the page {base}; the site changed "
                        "or served another page (g4f sent hard-coded guesses here)"
                    )
                fields = chat_form(nonce, post_id, base, prompt)
                fields["wpaicg_chat_history"] = json.dumps([f"Human: {prompt}"])
                answer = await post_message(session, str(cls.api_endpoint), fields, cls.__name__)
            except RateLimitError as exc:
                raise ChatGptEsRateLimitError(str(exc)) from exc
            except CloudflareError as exc:
                raise ChatGptEsCloudflareError(str(exc)) from exc
            except ResponseStatusError as exc:
                raise ChatGptEsStatusError(str(exc)) from exc
            except ChatGptEsError:
                raise
            except ResponseError as exc:  # not JSON, or not a JSON object
                raise ChatGptEsError(f"Unexpected response format: {exc}") from exc
        if answer.data is not None:
            if GERMAN_CHECKBOX in answer.data:
                raise ChatGptEsError(answer.data)
            yield answer.data
            return
        if answer.nonce_rejected:
            raise ChatGptEsError(f"ChatGptEs rejected the chat nonce: {answer.message}")
        raise ChatGptEsError(f"Unexpected response format: {answer.body}")
