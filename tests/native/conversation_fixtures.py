"""Builders of ChatGPT web conversation streams (both formats) for the tests and the fuzz run.

The message objects and the v1 answer deltas come from the emulator's builders (one generator
of v1 streams); this module adds the shapes only tests need: captured layouts, odd framing and
hostile streams.
"""

from __future__ import annotations

import json
from typing import Any

from fastg4f.emulators.chatgpt import TEXT_PATH as TEXT
from fastg4f.emulators.chatgpt import message, v1_answer_deltas, v1_finish_patch

__all__ = [
    "TEXT",
    "costly_v1_parts",
    "costly_v1_stream",
    "deep_v1_stream",
    "frame",
    "legacy_stream",
    "message",
    "v1_capture_like",
]


def frame(
    obj: Any,
    *,
    event: str | None = None,
    eol: str = "\n",
    pad: int = 0,
    ensure_ascii: bool = True,
    compact: bool = True,
) -> bytes:
    """One SSE event whose data is ``obj`` as JSON (or a raw string when ``obj`` is a str)."""
    if isinstance(obj, str):
        data = obj
    else:
        seps = (",", ":") if compact else (", ", ": ")
        data = json.dumps(obj, separators=seps, ensure_ascii=ensure_ascii)
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {data}{' ' * pad}{eol}{eol}".encode()


def v1_capture_like(answer_pieces: list[str], *, eol: str = "\n", done: bool = False) -> bytes:
    """A v1 stream shaped like the public capture: hidden messages, reasoning, the answer."""
    cid = "68d8e6a2-0000-8000-9000-1234567890ab"
    out = [
        frame('"v1"', event="delta_encoding", eol=eol),
        frame(
            {
                "type": "resume_conversation_token",
                "kind": "topic",
                "token": "eyJ.x.y",
                "conversation_id": cid,
            },
            eol=eol,
        ),
        frame(
            {
                "p": "",
                "o": "add",
                "v": {
                    "message": message("sys", "system", "You are ChatGPT", hidden=True),
                    "conversation_id": cid,
                    "error": None,
                    "error_code": None,
                },
                "c": 0,
            },
            event="delta",
            eol=eol,
            pad=7,
        ),
        frame(
            {
                "v": {
                    "message": message("usr", "user", "Say hi"),
                    "conversation_id": cid,
                    "error": None,
                },
                "c": 1,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {"type": "input_message", "input_message": message("usr", "user", "Say hi")}, eol=eol
        ),
        frame(
            {
                "v": {
                    "message": message("ctx", "system", "context", hidden=True),
                    "conversation_id": cid,
                },
                "c": 2,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {
                "v": {"message": message("tool", "tool", "search results"), "conversation_id": cid},
                "c": 3,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {
                "v": {
                    "message": message(
                        "think", "assistant", "", content_type="thoughts", channel="analysis"
                    ),
                    "conversation_id": cid,
                },
                "c": 4,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {"p": "/message/content/parts/0", "o": "append", "v": "private reasoning"},
            event="delta",
            eol=eol,
        ),
        frame(
            {
                "p": "",
                "o": "add",
                "v": {
                    "message": message(
                        "recap", "assistant", "Thought for 2s", content_type="reasoning_recap"
                    ),
                    "conversation_id": cid,
                },
                "c": 5,
            },
            event="delta",
            eol=eol,
        ),
        # After an append the carried op is "append": the next message needs an explicit add.
        frame(
            {
                "type": "message_marker",
                "conversation_id": cid,
                "message_id": "ans",
                "marker": "user_visible_token",
                "event": "first",
            },
            eol=eol,
        ),
        frame(
            {
                "v": {
                    "message": message("ans", "assistant", "", channel="final"),
                    "conversation_id": cid,
                },
                "c": 6,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {"type": "title_generation", "title": "\u8bc1\u660e Greeting", "conversation_id": cid},
            eol=eol,
        ),
    ]
    first, *rest = v1_answer_deltas(answer_pieces[:-1])
    out.append(frame(first, event="delta", eol=eol, pad=3))
    for i, delta in enumerate(rest):
        out.append(frame(delta, event="delta", eol=eol, pad=i % 8, ensure_ascii=i % 2 == 0))
    out.append(frame(v1_finish_patch(answer_pieces[-1]), event="delta", eol=eol))
    out += [
        frame(
            {
                "p": "/message/metadata/conversation_followup_suggestions_eligible",
                "o": "replace",
                "v": True,
            },
            event="delta",
            eol=eol,
        ),
        frame(
            {
                "type": "server_ste_metadata",
                "metadata": {"tool_invoked": False},
                "conversation_id": cid,
            },
            eol=eol,
        ),
        frame({"type": "message_stream_complete", "conversation_id": cid}, eol=eol),
    ]
    if done:
        out.append(frame("[DONE]", eol=eol))
    return b"".join(out)


def legacy_stream(texts: list[str], *, mid: str = "ans", done: bool = True) -> bytes:
    """A legacy cumulative stream (Python-default separators, escaped non-ASCII)."""
    cid = "c0ffee00-0000-4000-8000-000000000000"
    out = [
        frame(
            {
                "message": message("sys", "system", "", hidden=True),
                "conversation_id": cid,
                "error": None,
            },
            compact=False,
            pad=30,
        ),
        frame(
            {"message": message("usr", "user", "Say hi"), "conversation_id": cid, "error": None},
            compact=False,
        ),
    ]
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        msg = message(
            mid,
            "assistant",
            text,
            status="finished_successfully" if last else "in_progress",
            end_turn=True if last else None,
        )
        out.append(frame({"message": msg, "conversation_id": cid, "error": None}, compact=False))
    if done:
        out.append(frame("[DONE]"))
    return b"".join(out)


# --- hostile v1 streams (valid SSE and JSON, built to cost the decoder) ---------------------------


def deep_v1_stream(depth: int, *, per_op: int = 100) -> bytes:
    """Adds ``per_op``-deep values at ever deeper pointers (``/message//…``) to ``depth`` levels.

    Each event stays far below the event limit and one event's JSON nesting limit, yet the
    document nests ``depth`` levels: what a decoder without a depth bound ends up dropping
    recursively.
    """
    value: dict[str, Any] = {}
    for _ in range(per_op - 1):
        value = {"": value}
    out = [frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})]
    path = "/message"
    while len(path) - len("/message") < depth:
        out.append(frame({"p": path + "/", "o": "add", "v": value}))
        path += "/" * per_op
    return b"".join(out)


def costly_v1_stream(kind: str, *, text_chars: int = 1 << 20, events_bytes: int = 1 << 18) -> bytes:
    """A long answer, then about ``events_bytes`` of small operations that each used to cost
    the whole text: ``truncate`` (no-op truncates), ``take-back`` (truncate one character, append
    it again) or ``channels`` (many channels, then operations on the first one).
    """
    return b"".join(costly_v1_parts(kind, text_chars=text_chars, events_bytes=events_bytes))


def costly_v1_parts(kind: str, *, text_chars: int, events_bytes: int) -> tuple[bytes, bytes]:
    """:func:`costly_v1_stream` as (the long answer, the small operations)."""
    head = [
        frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0}),
        frame({"p": TEXT, "o": "append", "v": "\u00e9" * text_chars}, ensure_ascii=False),
    ]
    if kind == "truncate":
        ops = frame({"p": TEXT, "o": "truncate", "v": 2 * text_chars})
    elif kind == "take-back":
        ops = frame({"p": TEXT, "o": "truncate", "v": text_chars - 1}) + frame(
            {"p": TEXT, "o": "append", "v": "\u00e9"}
        )
    elif kind == "channels":
        n = events_bytes // 80
        head += [frame({"p": "", "o": "add", "v": {}, "c": c}) for c in range(1, n)]
        ops = frame({"c": 0, "p": TEXT, "o": "append", "v": "!"})
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return b"".join(head), ops * max(1, events_bytes // len(ops))
