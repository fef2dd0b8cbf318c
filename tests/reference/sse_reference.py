"""A plain-Python event-stream decoder written from the WHATWG HTML spec, for tests only.

Section "9.2.6 Interpreting an event stream": the whole stream is decoded with UTF-8 decode
(one leading BOM stripped, U+FFFD for invalid sequences), split into lines ending in CRLF, LF or
CR, and each line is processed in order. Only complete lines count: text after the last line end
is pending data, discarded at the end of the stream. Clarity over speed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EOL = re.compile(r"\r\n|\r|\n")
_U64_MAX = 2**64 - 1


@dataclass(frozen=True)
class RefEvent:
    """A dispatched event as the spec defines it (plus the block's retry, as httpx-sse has)."""

    event: str
    data: str
    id: str
    retry: int | None


def decode_text(stream: bytes) -> str:
    """UTF-8 decode (spec: one leading BOM is removed, errors become U+FFFD)."""
    text = stream.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def split_lines(text: str) -> tuple[list[str], str]:
    """Complete lines (terminators removed) and the unterminated rest."""
    parts = _EOL.split(text)
    return parts[:-1], parts[-1]


def reference_lines(stream: bytes) -> list[bytes]:
    """Lines of a byte stream split on CRLF, LF and CR; the unterminated last line included."""
    lines: list[bytes] = []
    start = 0
    i = 0
    while i < len(stream):
        b = stream[i]
        if b in (0x0A, 0x0D):
            lines.append(stream[start:i])
            if b == 0x0D and i + 1 < len(stream) and stream[i + 1] == 0x0A:
                i += 1
            start = i + 1
        i += 1
    if start < len(stream):
        lines.append(stream[start:])
    return lines


def reference_events(stream: bytes) -> list[RefEvent]:
    """All events the spec dispatches for a complete stream."""
    lines, _pending = split_lines(decode_text(stream))
    events: list[RefEvent] = []
    data = ""
    event_type = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if line == "":
            # Dispatch the event.
            block_retry, retry = retry, None
            if data == "":
                event_type = ""
                continue
            if data.endswith("\n"):
                data = data[:-1]
            events.append(RefEvent(event_type or "message", data, last_id, block_retry))
            data = ""
            event_type = ""
            continue
        if line.startswith(":"):
            continue
        if ":" in line:
            field, value = line.split(":", 1)
            if value.startswith(" "):
                value = value[1:]
        else:
            field, value = line, ""
        if field == "event":
            event_type = value
        elif field == "data":
            data += value + "\n"
        elif field == "id":
            if "\0" not in value:
                last_id = value
        elif (
            field == "retry"
            and value != ""
            and all(c in "0123456789" for c in value)
            and int(value) <= _U64_MAX
        ):
            retry = int(value)
        # Any other field is ignored.
    return events
