"""Helpers for provider implementations (g4f's ``helper`` module names)."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping
from typing import Any

from fastg4f._native import format_conversation, format_prompt
from fastg4f.providers.base_provider import async_concat_chunks, concat_chunks
from fastg4f.providers.types import join_url
from fastg4f.typing import Cookies

__all__ = [
    "async_concat_chunks",
    "concat_chunks",
    "filter_none",
    "format_conversation",
    "format_cookies",
    "format_prompt",
    "get_last_user_message",
    "get_random_hex",
    "get_random_string",
    "join_url",
    "provider_cookies",
    "to_string",
]

_LOWER_DIGITS = string.ascii_lowercase + string.digits


def _check_length(length: int) -> None:
    if length < 0:
        raise ValueError(f"length must be 0 or more, got {length}")


def get_random_string(length: int = 10) -> str:
    """Returns ``length`` random lowercase ASCII letters and digits (from ``secrets``).

    Raises:
        ValueError: ``length`` is negative.
    """
    _check_length(length)
    return "".join(secrets.choice(_LOWER_DIGITS) for _ in range(length))


def get_random_hex(length: int = 32) -> str:
    """Returns ``length`` random lowercase hex digits (from ``secrets``).

    Raises:
        ValueError: ``length`` is negative.
    """
    _check_length(length)
    return secrets.token_hex((length + 1) // 2)[:length]


def filter_none(**kwargs: Any) -> dict[str, Any]:
    """Returns the keyword arguments whose value is not ``None``."""
    return {key: value for key, value in kwargs.items() if value is not None}


def to_string(value: Any) -> str:
    """g4f's ``to_string``: the text of a message content, by :func:`format_prompt`'s rules.

    ``str`` → itself, ``None`` → ``""``, a list of parts → the joined text of its text parts, a
    dict → its ``"text"``, anything else → ``str(value)``.

    Raises:
        TypeError: A content part is not a dict, or a ``"text"`` is neither ``str`` nor ``None``.
    """
    return format_prompt([{"role": "user", "content": value}])


def get_last_user_message(messages: Iterable[Mapping[str, Any]]) -> str:
    """Returns the text of the trailing run of user messages, joined by newlines.

    Each message's text is stripped; contents given as parts are flattened as in
    :func:`format_prompt`. Unlike g4f's version, ``messages`` is not modified.
    """
    texts: list[str] = []
    for message in reversed(list(messages)):
        if message.get("role") != "user":
            break
        texts.append(to_string(message.get("content")).strip())
    return "\n".join(reversed(texts))


def format_cookies(cookies: Cookies) -> str:
    """Formats cookies as a ``Cookie`` header value: ``"a=1; b=2"``."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def provider_cookies(page_url: str, cookie_domain: str | None = None) -> tuple[Cookies, list[str]]:
    """The cookies a provider reads for itself: the rule of every fastg4f provider.

    The host of ``page_url`` (the provider's ``url``) is looked up first; when it has no cookies,
    the provider's canonical cookie domain (``cookie_domain``, e.g. ``"chat-gpt.org"``), so
    cookies stored under the site's name keep working when ``url`` points at a mirror or a
    local server. Sources: the cookie files and :func:`fastg4f.cookies.set_cookies`.

    Returns:
        ``(cookies, the hosts looked up in order)``; the cookies are empty when none matched.
    """
    from urllib.parse import urlsplit

    from fastg4f.cookies import get_cookies

    hosts = [urlsplit(page_url).hostname or page_url]
    if cookie_domain and cookie_domain not in hosts:
        hosts.append(cookie_domain)
    for host in hosts:
        found = get_cookies(host)
        if found:
            return found, hosts
    return {}, hosts
