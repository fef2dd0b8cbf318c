"""Shared type aliases (g4f-compatible names)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypedDict

__all__ = [
    "AsyncResult",
    "Cookies",
    "CreateResult",
    "Message",
    "Messages",
    "ProxyDict",
]


class Message(TypedDict):
    """One chat message: ``{"role": ..., "content": ...}``."""

    role: str
    content: str | list[dict[str, Any]]


Messages = list[dict[str, Any]]
"""A conversation: a list of ``{"role", "content"}`` dicts (content a string or a list of parts)."""

CreateResult = Iterator[str]
"""What a sync provider call yields: text deltas."""

AsyncResult = AsyncIterator[str]
"""What an async generator provider yields: text deltas."""

Cookies = dict[str, str]
"""Cookies as ``{name: value}``."""

ProxyDict = dict[str, str]
"""Proxies as ``{"http": url, "https": url}``."""
