"""``fastg4f.providers.helper``: the g4f helper names."""

from __future__ import annotations

import string
from typing import Any

import pytest

from fastg4f import _native
from fastg4f.providers import Streaming, helper


def test_formatters_are_the_native_functions() -> None:
    assert helper.format_prompt is _native.format_prompt
    assert helper.format_conversation is _native.format_conversation


def test_to_string_matches_the_reference() -> None:
    from tests.reference.format_reference import to_string

    for value in [
        "x",
        "",
        None,
        3,
        {"text": "d"},
        {},
        [{"text": "a"}, {"type": "image"}, {"text": "b"}],
    ]:
        assert helper.to_string(value) == to_string(value)
    with pytest.raises(TypeError, match="must be a dict"):
        helper.to_string(["bare string part"])


def test_random_strings() -> None:
    assert len(helper.get_random_string()) == 10
    value = helper.get_random_string(200)
    assert len(value) == 200
    assert set(value) <= set(string.ascii_lowercase + string.digits)
    assert helper.get_random_string(0) == ""
    assert len(helper.get_random_hex()) == 32
    for length in (0, 1, 7, 64):
        hexed = helper.get_random_hex(length)
        assert len(hexed) == length
        assert set(hexed) <= set("0123456789abcdef")
    assert len({helper.get_random_hex() for _ in range(100)}) == 100
    with pytest.raises(ValueError, match="length must be 0 or more"):
        helper.get_random_string(-1)
    with pytest.raises(ValueError, match="length must be 0 or more"):
        helper.get_random_hex(-5)


def test_filter_none_and_cookies() -> None:
    assert helper.filter_none(a=1, b=None, c="", d=0) == {"a": 1, "c": "", "d": 0}
    assert helper.format_cookies({"a": "1", "b": "x y"}) == "a=1; b=x y"
    assert helper.format_cookies({}) == ""


def test_get_last_user_message_does_not_modify_messages() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "old"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": "  first  "},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
    ]
    before = [dict(m) for m in messages]
    assert helper.get_last_user_message(messages) == "first\nsecond"
    assert messages == before
    assert helper.get_last_user_message(messages[:2]) == ""
    assert helper.get_last_user_message([]) == ""


def test_concat_chunks_skips_empty_chunks_and_errors() -> None:
    assert helper.concat_chunks(["a", "", None, ValueError("x"), Streaming("b"), 3]) == "ab3"
    assert str(Streaming("text")) == "text"


async def test_async_concat_chunks() -> None:
    async def chunks() -> Any:
        yield "a"
        yield None
        yield "b"

    assert await helper.async_concat_chunks(chunks()) == "ab"
