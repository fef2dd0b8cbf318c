"""Plain-Python reference of ``format_prompt``/``format_conversation`` (g4f's rules, our errors).

The native functions must give exactly these results; tests compare them with hypothesis and the
formatting benchmark uses these functions as its baseline.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

SYSTEM_ROLES = ("system", "developer")


def _messages(func: str, messages: Any) -> list[Any]:
    if isinstance(messages, (str, bytes, Mapping)):
        raise TypeError(f"{func}: messages must be a list of dicts, got {type(messages).__name__}")
    try:
        return messages if isinstance(messages, (list, tuple)) else list(messages)
    except TypeError:
        raise TypeError(
            f"{func}: messages must be a list of dicts, got {type(messages).__name__}"
        ) from None


def _fields(func: str, index: int, message: Any) -> tuple[str, Any]:
    if not isinstance(message, Mapping):
        raise TypeError(f"{func}: messages[{index}] must be a dict with 'role' and 'content'")
    for key in ("role", "content"):
        if key not in message:
            raise ValueError(f"{func}: messages[{index}] has no {key!r} key")
    role = message["role"]
    if not isinstance(role, str):
        raise TypeError(f"{func}: messages[{index}]['role'] must be a str")
    return role, message["content"]


def _dict_text(value: Mapping[str, Any]) -> str:
    text = value.get("text")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError("'text' must be a str or None")
    return text


def to_string(value: Any) -> str:
    """g4f's ``to_string``: the text of a message content."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        texts = []
        for part in value:
            if not isinstance(part, dict):
                raise TypeError("a content part must be a dict")
            if part.get("type", "text") == "text":
                texts.append(_dict_text(part))
        return "".join(texts)
    if isinstance(value, dict):
        return _dict_text(value)
    return str(value)


def format_prompt(
    messages: Iterable[Mapping[str, Any]],
    add_special_tokens: bool = False,
    do_continue: bool = False,
    include_system: bool = True,
) -> str:
    """Reference ``format_prompt``."""
    items = _messages("format_prompt", messages)
    if not items:
        raise ValueError("format_prompt: messages is empty")
    if not add_special_tokens and len(items) == 1:
        return to_string(_fields("format_prompt", 0, items[0])[1])
    lines = []
    for index, message in enumerate(items):
        role, content = _fields("format_prompt", index, message)
        if not include_system and role in SYSTEM_ROLES:
            continue
        text = to_string(content)
        if text.strip():
            lines.append(f"{role.capitalize()}: {text}")
    formatted = "\n".join(lines)
    return formatted if do_continue else f"{formatted}\nAssistant:"


def format_conversation(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Reference ``format_conversation``."""
    create_time = round(time.time(), 3)
    out = []
    for index, message in enumerate(_messages("format_conversation", messages)):
        role, content = _fields("format_conversation", index, message)
        out.append(
            {
                "id": str(uuid.uuid4()),
                "author": {"role": role},
                "content": {"content_type": "text", "parts": [to_string(content)]},
                "metadata": {"serialization_metadata": {"custom_symbol_offsets": []}},
                "create_time": create_time,
            }
        )
    return out
