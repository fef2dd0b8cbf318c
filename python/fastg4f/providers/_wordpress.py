"""The WordPress "AI Power" (wpaicg) chat protocol shared by ChatGptt, Chatgpt4o and ChatGptEs."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastg4f.errors import ResponseError
from fastg4f.providers._common import error_text, read_json, status_error
from fastg4f.requests import StreamSession

__all__ = [
    "ACTION",
    "NONCE_REJECTIONS",
    "ChatTokens",
    "NonceRejectedError",
    "SiteAnswer",
    "SiteError",
    "TokensNotFoundError",
    "answer_error",
    "chat_form",
    "client_id",
    "post_message",
    "site_session",
    "widget_tokens",
]

ACTION = "wpaicg_chat_shortcode_message"
"""The ``action`` field of the shortcode chat widget."""

NONCE_REJECTIONS = (
    "Security check",
    "Invalid nonce",
    "Nonce verification failed",
    "The link you followed has expired",
)
"""Texts of the plugin generations' wrong-nonce answers (a ``msg`` starting with one of them, or
WordPress's HTTP 403 page containing the last one)."""

_WIDGET = re.compile(r"""<div\b[^>]*\bclass=["'][^"']*\bwpaicg-chat-shortcode\b[^>]*>""", re.I)
_DATA_NONCE = re.compile(r"""data-nonce=["']([^"']+)["']""")
_DATA_POST_ID = re.compile(r"""data-post-id=["']([^"']+)["']""")


class TokensNotFoundError(ResponseError, RuntimeError):
    """The site's page has no chat nonce or post id (also a ``RuntimeError``, as in g4f)."""


class SiteError(ResponseError, RuntimeError):
    """The site answered without an answer text (also a ``RuntimeError``, as in g4f)."""


class NonceRejectedError(SiteError):
    """The site rejected the chat nonce (it rotated or expired)."""


@dataclass(frozen=True)
class ChatTokens:
    """The chat nonce and post id of a site's page (read together, replaced together)."""

    nonce: str
    post_id: str


@dataclass(frozen=True)
class SiteAnswer:
    """A parsed ``admin-ajax.php`` answer: the JSON object, or why there is no answer text."""

    body: Any
    data: str | None
    message: str | None
    nonce_rejected: bool


def answer_error(who: str, answer: SiteAnswer) -> SiteError:
    """The error for an answer without ``data``: :class:`NonceRejectedError` or :class:`SiteError`.

    The message quotes the site's ``msg`` (or the body when there is none).
    """
    if answer.nonce_rejected:
        return NonceRejectedError(
            f"{who} rejected the chat nonce (it rotated or expired): {answer.message}"
        )
    said = answer.message if answer.message else str(answer.body)[:500]
    return SiteError(f"Unexpected response structure from {who}: 'data' field missing; {said}")


def site_session(
    provider: Any,
    headers: Mapping[str, str],
    *,
    cookies: Mapping[str, str] | None,
    proxy: str | None,
    timeout: float | None,
    **options: Any,
) -> StreamSession:
    """The session of one widget request: ``provider``'s browser identity (its ``identity``
    class attribute) as the TLS target, named after the provider in transport errors."""
    return StreamSession(
        headers=dict(headers),
        cookies=dict(cookies) if cookies else None,
        proxy=proxy,
        timeout=timeout,
        impersonate=provider.identity.impersonate,
        name=provider.__name__,
        **options,
    )


def client_id() -> str:
    """A fresh ``wpaicg_chat_client_id`` (10 hex digits, as the widget makes)."""
    return secrets.token_hex(5)


def chat_form(
    nonce: str, post_id: str, page_url: str, message: str, *, shortcode: bool = True
) -> dict[str, str]:
    """The ``admin-ajax.php`` form of one chat message (the widget's field order).

    Args:
        nonce: The chat nonce (``_wpnonce``).
        post_id: The page's post id.
        page_url: The page the widget is on (``url``).
        message: The prompt.
        shortcode: Also send the shortcode widget's ``chatbot_identity`` and a fresh
            ``wpaicg_chat_client_id`` (:func:`client_id`).
    """
    fields = {
        "_wpnonce": nonce,
        "post_id": post_id,
        "url": page_url,
        "action": ACTION,
        "message": message,
        "bot_id": "0",
    }
    if shortcode:
        fields["chatbot_identity"] = "shortcode"
        fields["wpaicg_chat_client_id"] = client_id()
    return fields


def widget_tokens(html: str) -> tuple[str | None, str | None]:
    """``data-nonce`` and ``data-post-id`` of the chat widget, in single or double quotes.

    The attributes of the ``wpaicg-chat-shortcode`` element are preferred; without that element
    the first ``data-nonce``/``data-post-id`` of the page is used. Other forms' nonces after the
    widget (newsletters, comments) are therefore not mistaken for the chat nonce.
    """
    for tag in _WIDGET.finditer(html):
        nonce, post_id = _DATA_NONCE.search(tag.group(0)), _DATA_POST_ID.search(tag.group(0))
        if nonce or post_id:
            return (nonce.group(1) if nonce else None), (post_id.group(1) if post_id else None)
    nonce, post_id = _DATA_NONCE.search(html), _DATA_POST_ID.search(html)
    return (nonce.group(1) if nonce else None), (post_id.group(1) if post_id else None)


def _is_nonce_rejection(text: str) -> bool:
    return any(marker in text for marker in NONCE_REJECTIONS)


async def post_message(
    session: StreamSession,
    url: str,
    fields: Mapping[str, str],
    who: str,
    *,
    cookies: Mapping[str, str] | None = None,
) -> SiteAnswer:
    """POSTs the form to ``admin-ajax.php`` and parses the answer (whatever its content type).

    A wrong nonce is reported in :attr:`SiteAnswer.nonce_rejected` whichever plugin generation
    answered (HTTP 200 JSON ``msg`` or the HTTP 403 "link … expired" page).

    Raises:
        RateLimitError, CloudflareError, ResponseStatusError: another HTTP error status.
        ResponseError: the body is not JSON or not an object.
        ConnectionError, TimeoutError: the connection broke or stalled.
    """
    async with session.post(url, data=dict(fields), cookies=cookies) as response:
        if response.status >= 400:
            text = await error_text(response)
            if response.status == 403 and _is_nonce_rejection(text):
                return SiteAnswer(None, None, NONCE_REJECTIONS[-1] + ".", True)
            raise status_error(who, response, text)
        body = await read_json(response, who)
    if not isinstance(body, dict):
        raise ResponseError(f"{who}: the site answered {type(body).__name__}, not a JSON object")
    data = body.get("data")
    message = body.get("msg")
    message = message if isinstance(message, str) else None
    if isinstance(data, str) and body.get("status") != "error":
        return SiteAnswer(body, data, message, False)
    rejected = (
        body.get("status") == "error" and message is not None and (_is_nonce_rejection(message))
    )
    return SiteAnswer(body, None, message, rejected)
