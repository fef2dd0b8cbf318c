"""Chatgpt4o: chatgpt4o.one, a WordPress "AI Power" chat widget with a cached nonce."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from fastg4f.providers._common import fetch_page, host_of, origin_of
from fastg4f.providers._wordpress import (
    ChatTokens,
    TokensNotFoundError,
    answer_error,
    chat_form,
    post_message,
    site_session,
    widget_tokens,
)
from fastg4f.providers.base_provider import AsyncProvider, ProviderModelMixin
from fastg4f.providers.helper import format_prompt
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import url_endpoint
from fastg4f.requests import DEFAULT_TIMEOUT, StreamSession
from fastg4f.typing import Cookies, Messages

__all__ = ["Chatgpt4o"]


class Chatgpt4o(AsyncProvider, ProviderModelMixin):
    """chatgpt4o.one: cached ``data-post-id``/``data-nonce`` → form POST to ``admin-ajax.php``.

    The page is fetched only when the class has no tokens for the current ``url``; they are kept
    in ``_post_id``/``_nonce`` (g4f's names), always read and replaced together under a lock, so
    concurrent requests (threads or tasks) never see half of an update. When the site rejects
    the cached nonce (it rotated), the page is fetched again once and the request retried.

    Keyword arguments: ``proxy``, ``timeout`` (default 120 s) and ``cookies`` (sent with both
    requests).

    Raises:
        TokensNotFoundError: the page has no post id ("No post ID found") or nonce ("No nonce
            found"); a ``RuntimeError``.
        NonceRejectedError: the site rejected a freshly read nonce too.
        SiteError: the answer has no ``data`` ("Unexpected response structure: 'data' field
            missing"; a ``RuntimeError``).
        RateLimitError, CloudflareError, ResponseStatusError: an HTTP error status.
        ResponseError: the answer is not JSON; ConnectionError/TimeoutError: transport failures.
    """

    url: ClassVar[str | None] = "https://chatgpt4o.one"
    api_endpoint: ClassVar[str | None] = url_endpoint("wp-admin/admin-ajax.php")
    working: ClassVar[bool] = False
    default_model: ClassVar[str | None] = "gpt-4o-mini-2024-07-18"
    models: ClassVar[list[str]] = ["gpt-4o-mini-2024-07-18"]
    model_aliases: ClassVar[dict[str, str]] = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18"}
    identity: ClassVar[BrowserIdentity] = BrowserIdentity(131, "Linux")
    """The browser the requests claim to be (TLS target, user-agent, client hints)."""

    _post_id: ClassVar[str | None] = None
    _nonce: ClassVar[str | None] = None
    _tokens_url: ClassVar[str | None] = None
    _tokens_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def cached_tokens(cls) -> ChatTokens | None:
        """The cached nonce and post id if they were read from the current ``url``."""
        with cls._tokens_lock:
            if cls._post_id and cls._nonce and cls._tokens_url == cls.url:
                return ChatTokens(cls._nonce, cls._post_id)
        return None

    @classmethod
    def _store_tokens(cls, tokens: ChatTokens | None, url: str | None) -> None:
        with cls._tokens_lock:
            cls._nonce = tokens.nonce if tokens else None
            cls._post_id = tokens.post_id if tokens else None
            cls._tokens_url = url if tokens else None

    @classmethod
    def _forget_tokens(cls, rejected: ChatTokens) -> None:
        """Drops the cache if it still holds ``rejected`` (another task may have refreshed it)."""
        with cls._tokens_lock:
            if cls._nonce == rejected.nonce and cls._post_id == rejected.post_id:
                cls._nonce = cls._post_id = cls._tokens_url = None

    @classmethod
    async def _read_tokens(cls, session: StreamSession) -> ChatTokens:
        url = cls.url
        html = await fetch_page(session, cls.url_join("/"), cls.__name__)
        nonce, post_id = widget_tokens(html)
        if not post_id or not post_id.isdigit():
            raise TokensNotFoundError(f"No post ID found in {cls.__name__}'s page {cls.url}")
        if not nonce:
            raise TokensNotFoundError(f"No nonce found in {cls.__name__}'s page {cls.url}")
        tokens = ChatTokens(nonce, post_id)
        cls._store_tokens(tokens, url)
        return tokens

    @classmethod
    async def create_async(
        cls,
        model: str,
        messages: Messages,
        proxy: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        cookies: Cookies | None = None,
        **kwargs: Any,
    ) -> str:
        """Returns the answer text."""
        cls.get_model(model)
        prompt = format_prompt(messages)
        base = cls.url_join()
        headers = {
            "authority": host_of(base),
            "accept": "*/*",
            "accept-language": "en,fr-FR;q=0.9,fr;q=0.8,es-ES;q=0.7,es;q=0.6,en-US;q=0.5",
            "origin": origin_of(base),
            "referer": base,
            "sec-fetch-dest": "empty",
            "sec-fetch-mode": "cors",
            "sec-fetch-site": "same-origin",
            **cls.identity.headers(),
        }
        async with site_session(
            cls, headers, cookies=cookies, proxy=proxy, timeout=timeout
        ) as session:
            tokens = cls.cached_tokens() or await cls._read_tokens(session)
            for attempt in (1, 2):
                fields = chat_form(tokens.nonce, tokens.post_id, base, prompt, shortcode=False)
                answer = await post_message(
                    session, str(cls.api_endpoint), fields, cls.__name__, cookies=cookies
                )
                if answer.data is not None:
                    return answer.data
                if not answer.nonce_rejected or attempt == 2:
                    raise answer_error(cls.__name__, answer)
                cls._forget_tokens(tokens)
                tokens = cls.cached_tokens() or await cls._read_tokens(session)
        raise AssertionError("unreachable")  # pragma: no cover
