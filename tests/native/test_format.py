"""``format_prompt``/``format_conversation``: native results equal the plain-Python reference."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastg4f._native import format_conversation, format_prompt
from tests.reference import format_reference as ref

# Characters that stress Python's string rules: every str.isspace() character, zero-width and
# other look-alikes that are NOT whitespace, case-mapping oddities, non-BMP and combining marks.
WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace()]
TRICKY = [
    *WHITESPACE,
    "\u200b",  # zero width space: not whitespace
    "\u180e",  # Mongolian vowel separator: whitespace before Unicode 6.3, not since
    "\ufeff",
    "\x00",
    "ß",
    "ǆ",
    "ǅ",
    "Ǆ",
    "ﬁ",
    "İ",
    "ı",
    "Σ",
    "ς",
    "ᾳ",
    "ŉ",
    "ა",
    "é",
    "😀",
    "中",
    "A",
    "z",
    ":",
]
SURROGATES = [chr(c) for c in range(0xD800, 0xE000, 97)]

tricky_text = st.text(st.one_of(st.sampled_from(TRICKY), st.characters()), max_size=12)
roles = st.one_of(
    st.sampled_from(["user", "assistant", "system", "developer", "USER", "sYsTeM", "tool", ""]),
    tricky_text,
)
part = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["text", "image_url", "TEXT", 1]),
        "text": st.one_of(st.none(), tricky_text),
    },
)
contents = st.one_of(
    tricky_text,
    st.none(),
    st.lists(part, max_size=4),
    st.fixed_dictionaries({}, optional={"text": st.one_of(st.none(), tricky_text)}),
    st.integers(),
    st.floats(allow_nan=False),
)
messages_st = st.lists(st.fixed_dictionaries({"role": roles, "content": contents}), max_size=12)
options = st.fixed_dictionaries(
    {
        "add_special_tokens": st.booleans(),
        "do_continue": st.booleans(),
        "include_system": st.booleans(),
    }
)


def outcome(func: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", func(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        return "error", type(exc)


@settings(max_examples=400, deadline=None)
@given(messages_st, options)
def test_format_prompt_equals_reference(
    messages: list[dict[str, Any]], opts: dict[str, bool]
) -> None:
    assert outcome(format_prompt, messages, **opts) == outcome(ref.format_prompt, messages, **opts)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "role": st.text(st.sampled_from(["u", "ß", *SURROGATES]), max_size=3),
                "content": st.one_of(
                    st.text(st.sampled_from([" ", "a", "\u3000", *SURROGATES]), max_size=4),
                    st.lists(st.fixed_dictionaries({"text": st.sampled_from(SURROGATES)})),
                ),
            }
        ),
        min_size=1,
        max_size=6,
    ),
    options,
)
def test_lone_surrogates_are_kept_like_python(
    messages: list[dict[str, Any]], opts: dict[str, bool]
) -> None:
    assert format_prompt(messages, **opts) == ref.format_prompt(messages, **opts)
    native = format_conversation(messages)
    assert [m["content"]["parts"] for m in native] == [
        [ref.to_string(m["content"])] for m in messages
    ]


def test_g4f_documented_example() -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "reply"},
        {"role": "user", "content": "Zweite Frage"},
    ]
    expected = "System: sys\nUser: first\nAssistant: reply\nUser: Zweite Frage\nAssistant:"
    assert format_prompt(messages) == expected
    assert format_prompt(messages, do_continue=True) == expected.removesuffix("\nAssistant:")
    assert format_prompt(messages, include_system=False) == expected.removeprefix("System: sys\n")


def test_single_message_returns_the_content_object() -> None:
    content = "".join(["hello ", "world"])
    assert format_prompt([{"role": "user", "content": content}]) is content
    assert format_prompt([{"role": "user", "content": "  "}]) == "  "
    # include_system applies to the multi-message path only (as in g4f).
    assert format_prompt([{"role": "system", "content": "s"}], include_system=False) == "s"
    assert format_prompt([{"role": "user", "content": "x"}], add_special_tokens=True) == (
        "User: x\nAssistant:"
    )
    parts = [{"type": "text", "text": "a"}, {"type": "image_url"}, {"text": "b"}]
    assert format_prompt([{"role": "user", "content": parts}]) == "ab"


def test_every_code_point_is_blank_exactly_when_python_strips_it() -> None:
    step = 0x8000
    for start in range(0, 0x110000, step):
        messages = [{"role": "u", "content": chr(c)} for c in range(start, start + step)]
        assert format_prompt(messages) == ref.format_prompt(messages), hex(start)


def test_ascii_roles_capitalize_like_python() -> None:
    messages = [
        {"role": chr(a) + chr(b) + "Xy", "content": "c"} for a in range(128) for b in range(128)
    ]
    assert format_prompt(messages) == ref.format_prompt(messages)


@pytest.mark.parametrize(
    "role", ["ǆ", "ǅx", "ßIG", "ﬁle", "İstanbul", "ΣΑΣ", "ᾳ", "ŉ", "აბ", "éCOLE"]
)
def test_unicode_roles_capitalize_like_python(role: str) -> None:
    messages = [{"role": role, "content": "c"}, {"role": "user", "content": "d"}]
    assert format_prompt(messages) == f"{role.capitalize()}: c\nUser: d\nAssistant:"


def test_very_long_histories() -> None:
    rng = random.Random(1234)
    alphabet = ["a", "Z", " ", "\n", "é", "中", "😀", "\u3000", "\u200b"]
    messages: list[dict[str, Any]] = []
    for i in range(20_000):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 40)))
        content: Any = text if i % 7 else [{"type": "text", "text": text}, {"text": text}]
        messages.append({"role": rng.choice(["user", "assistant", "system"]), "content": content})
    for opts in ({}, {"include_system": False, "do_continue": True}):
        assert format_prompt(messages, **opts) == ref.format_prompt(messages, **opts)
    assert len(format_conversation(messages)) == len(messages)


class Message(Mapping[str, Any]):
    """A read-only mapping that is not a dict."""

    def __init__(self, **fields: Any) -> None:
        self._fields = fields

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def test_other_containers() -> None:
    messages = [Message(role="user", content="a"), Message(role="assistant", content="b")]
    expected = "User: a\nAssistant: b\nAssistant:"
    assert format_prompt(messages) == expected
    assert format_prompt(tuple(messages)) == expected
    assert format_prompt(m for m in messages) == expected
    assert [m["author"]["role"] for m in format_conversation(iter(messages))] == [
        "user",
        "assistant",
    ]


@pytest.mark.parametrize(
    ("messages", "error", "words"),
    [
        ([], ValueError, "messages is empty"),
        ("hello", TypeError, "must be a list"),
        ({"role": "user", "content": "x"}, TypeError, "must be a list"),
        (42, TypeError, "got int"),
        ([{"role": "user"}], ValueError, "messages[0] has no 'content' key"),
        ([{"content": "x"}, {"role": "user", "content": "y"}], ValueError, "no 'role' key"),
        ([{"role": "u", "content": "x"}, ["user", "y"]], TypeError, "messages[1] must be a dict"),
        ([{"role": None, "content": "x"}], TypeError, "['role'] must be a str"),
        ([{"role": "u", "content": ["text"]}], TypeError, "['content'][0] must be a dict"),
        ([{"role": "u", "content": {"text": 1}}], TypeError, "['text'] must be a str or None"),
    ],
)
def test_bad_input_raises_a_clear_error(messages: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as native:
        format_prompt(messages, add_special_tokens=True)
    assert words in str(native.value)
    with pytest.raises(error):
        ref.format_prompt(messages, add_special_tokens=True)
    if messages != []:
        with pytest.raises(error):
            format_conversation(messages)


def test_exceptions_from_content_str_propagate() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no text here")

    with pytest.raises(RuntimeError, match="no text here"):
        format_prompt([{"role": "u", "content": Broken()}, {"role": "u", "content": "x"}])


def mask(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**m, "id": None, "create_time": None} for m in messages]


@settings(max_examples=200, deadline=None)
@given(messages_st)
def test_format_conversation_equals_reference(messages: list[dict[str, Any]]) -> None:
    native = outcome(format_conversation, messages)
    expected = outcome(ref.format_conversation, messages)
    if native[0] == "ok" and expected[0] == "ok":
        assert mask(native[1]) == mask(expected[1])
    else:
        assert native == expected


def test_format_conversation_shape_ids_and_time() -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": ""}]
    before = time.time()
    out = format_conversation(messages)
    after = time.time()
    assert [list(m) for m in out] == [["id", "author", "content", "metadata", "create_time"]] * 2
    assert out[0]["content"]["parts"][0] is messages[0]["content"]
    assert out[1] == {
        "id": out[1]["id"],
        "author": {"role": "user"},
        "content": {"content_type": "text", "parts": [""]},
        "metadata": {"serialization_metadata": {"custom_symbol_offsets": []}},
        "create_time": out[1]["create_time"],
    }
    # Fresh objects per message: mutating one must not leak into another.
    out[0]["metadata"]["serialization_metadata"]["custom_symbol_offsets"].append(1)
    assert out[1]["metadata"]["serialization_metadata"]["custom_symbol_offsets"] == []
    create_time = out[0]["create_time"]
    assert isinstance(create_time, float)
    assert create_time == round(create_time, 3)
    assert round(before, 3) <= create_time <= round(after, 3)
    assert format_conversation([]) == []


def test_uuid4_ids_are_valid_distinct_and_random() -> None:
    out = format_conversation([{"role": "user", "content": "x"}] * 20_000)
    ids = [m["id"] for m in out]
    assert len(set(ids)) == len(ids)
    ones = 0
    for text in ids:
        value = uuid.UUID(text)
        assert str(value) == text
        assert value.version == 4
        assert value.variant == uuid.RFC_4122
        # 122 random bits: clear the 6 fixed version/variant bits before counting.
        ones += bin(value.int & ~(0xF << 76) & ~(0x3 << 62)).count("1")
    # Expected 0.5; one standard deviation is about 0.0003 here.
    assert abs(ones / (122 * len(ids)) - 0.5) < 0.01
