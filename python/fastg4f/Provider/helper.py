"""g4f's ``Provider.helper`` module: the names of :mod:`fastg4f.providers.helper`."""

from __future__ import annotations

from fastg4f.cookies import get_cookies
from fastg4f.providers.helper import (
    async_concat_chunks,
    concat_chunks,
    filter_none,
    format_conversation,
    format_cookies,
    format_prompt,
    get_last_user_message,
    get_random_hex,
    get_random_string,
    join_url,
    to_string,
)

__all__ = [
    "async_concat_chunks",
    "concat_chunks",
    "filter_none",
    "format_conversation",
    "format_cookies",
    "format_prompt",
    "get_cookies",
    "get_last_user_message",
    "get_random_hex",
    "get_random_string",
    "join_url",
    "to_string",
]
