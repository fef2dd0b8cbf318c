"""A plain-Python ChatGPT conversation-stream decoder (events -> text deltas), for tests only.

It states the rules that ``fastg4f._native.ConversationDecoder`` implements, as directly as
possible (slow, quadratic in places, no limits). Input: the SSE events of the whole stream (see
``sse_reference``). Output: the text deltas, one per change of the answer text.

Rules:
- ``event: delta_encoding`` with data ``"v1"`` declares the encoding; anything else is an error.
- data ``[DONE]`` ends the stream; other data must be JSON, or the error is recorded.
- A JSON object: a non-null ``error`` is recorded (the first error wins); ``conversation_id`` is
  kept; a string ``type`` makes it a typed event (``title_generation``,
  ``message_stream_complete``, others ignored); any of ``v``/``o``/``p`` makes it a v1 delta;
  otherwise ``message`` makes it a legacy cumulative frame.
- v1: ``c``/``p``/``o`` carry forward when absent; ``v`` does not. ``patch`` applies its list of
  full sub-operations (no carry-forward inside). An ``add``/``replace`` at path ``""`` installs a
  new document for channel ``c``; other operations apply to the channel's document at a JSON
  pointer (as serde_json resolves it) and are skipped when they do not fit.
- Answer text: ``message.content.parts[0]`` of an assistant message with recipient ``all`` or
  none, channel ``final`` or none, content type ``text``, not visually hidden.
- Deltas: per message, the new text minus the text already emitted if it starts with it;
  otherwise nothing until a later text starts with the emitted text again.
- Depth: an applied ``add``/``replace``/``append`` puts its value at the levels of its pointer
  plus the value's own nesting (one more for ``append``); the deepest is ``max_depth_seen``
  (the native decoder refuses the stream past its ``max_depth``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TEXT_PATH = "/message/content/parts/0"
_INDEX = re.compile(r"0|[1-9][0-9]*")
_LAST_INDEX = re.compile(r"[0-9]+")
_I64 = (-(2**63), 2**63 - 1)


# serde_json (the native parser) refuses what the stdlib accepts: NaN/Infinity, numbers out of
# the f64 range, lone surrogates, and nesting deeper than 127 levels.
_MAX_DEPTH = 127


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def _parse_float(s: str) -> float:
    f = float(s)
    if f in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return f


def _parse_int(s: str) -> int | float:
    n = int(s)
    # Integers beyond 64 bits become floats in serde_json (and can be out of range).
    return n if -(2**63) <= n < 2**64 else _parse_float(s)


def _check(v: Any, depth: int = 0) -> None:
    if isinstance(v, str):
        v.encode("utf-8")  # raises UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(v, (list, dict)):
        if depth + 1 > _MAX_DEPTH:
            raise ValueError("recursion limit exceeded")
        items = v.items() if isinstance(v, dict) else enumerate(v)
        for k, x in items:
            _check(k, depth + 1)
            _check(x, depth + 1)


def _loads(data: str) -> Any:
    value = json.loads(
        data, parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_parse_int
    )
    _check(value)
    return value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _unescape(seg: str) -> str:
    return seg.replace("~1", "/").replace("~0", "~")


def _pointer(doc: Any, path: str) -> tuple[bool, Any]:
    """(found, value) as serde_json's ``Value::pointer`` resolves it."""
    if path == "":
        return True, doc
    if not path.startswith("/"):
        return False, None
    target = doc
    for raw in path.split("/")[1:]:
        tok = _unescape(raw)
        if isinstance(target, dict):
            if tok not in target:
                return False, None
            target = target[tok]
        elif isinstance(target, list):
            if not _INDEX.fullmatch(tok) or int(tok) >= len(target):
                return False, None
            target = target[int(tok)]
        else:
            return False, None
    return True, target


def _utf16_truncate(s: str, n: int) -> str:
    units = 0
    for i, ch in enumerate(s):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > n:
            return s[:i]
    return s


def _append(container: Any, key: Any, v: Any) -> bool:
    t = container[key]
    if isinstance(t, str) and isinstance(v, str):
        container[key] = t + v
    elif isinstance(t, list) and isinstance(v, list):
        t.extend(v)
    elif isinstance(t, list):
        t.append(v)
    elif isinstance(t, dict) and isinstance(v, dict):
        t.update(v)
    elif t is None:
        container[key] = v
    else:
        return False
    return True


def _truncate(container: Any, key: Any, v: Any) -> bool:
    if not _is_int(v) or not 0 <= v < 2**64:
        return False
    t = container[key]
    if isinstance(t, str):
        container[key] = _utf16_truncate(t, v)
    elif isinstance(t, list):
        del t[v:]
    else:
        return False
    return True


def nesting(v: Any) -> int:
    """Levels of objects and arrays within each other (0 for a scalar)."""
    if isinstance(v, dict):
        return 1 + max((nesting(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((nesting(x) for x in v), default=0)
    return 0


def apply_op(holder: list[Any], path: str, op: str, v: Any) -> bool:
    """Applies one operation to ``holder[0]`` (the document); False when skipped."""
    if path == "":
        if op in ("add", "replace"):
            holder[0] = v
            return True
        if op == "remove":
            holder[0] = None
            return True
        if op == "append":
            return _append(holder, 0, v)
        if op == "truncate":
            return _truncate(holder, 0, v)
        return False
    if "/" not in path:
        return False
    parent_path, last = path.rsplit("/", 1)
    found, parent = _pointer(holder[0], parent_path)
    if not found:
        return False
    if isinstance(parent, dict):
        key = _unescape(last)
        if op in ("add", "replace"):
            parent[key] = v
            return True
        if op == "remove":
            return parent.pop(key, _MISSING) is not _MISSING
        if op == "append":
            if key not in parent:
                parent[key] = v
                return True
            return _append(parent, key, v)
        if op == "truncate":
            return key in parent and _truncate(parent, key, v)
        return False
    if isinstance(parent, list):
        if last == "-":
            idx = len(parent)
        elif _LAST_INDEX.fullmatch(last) and (last == "0" or not last.startswith("0")):
            idx = int(last)
        else:
            return False
        n = len(parent)
        if op == "add" and idx <= n:
            parent.insert(idx, v)
        elif op == "replace" and idx < n:
            parent[idx] = v
        elif op == "remove" and idx < n:
            del parent[idx]
        elif op == "append" and idx < n:
            return _append(parent, idx, v)
        elif op == "append" and idx == n:
            parent.append(v)
        elif op == "truncate" and idx < n:
            return _truncate(parent, idx, v)
        else:
            return False
        return True
    return False


_MISSING = object()


def is_answer_message(msg: Any) -> bool:
    if not isinstance(msg, dict):
        return False

    def null_or(key: str, want: str) -> bool:
        return msg.get(key) is None or msg.get(key) == want

    author = msg.get("author")
    content = msg.get("content")
    metadata = msg.get("metadata")
    hidden = (
        metadata.get("is_visually_hidden_from_conversation") if isinstance(metadata, dict) else None
    )
    return (
        isinstance(author, dict)
        and author.get("role") == "assistant"
        and null_or("recipient", "all")
        and null_or("channel", "final")
        and isinstance(content, dict)
        and content.get("content_type") == "text"
        and hidden is not True
    )


def message_finished(msg: Any) -> bool:
    if not isinstance(msg, dict):
        return False
    end_turn = msg.get("end_turn")
    end_turn = end_turn if isinstance(end_turn, bool) else None
    return end_turn is True or (
        msg.get("status") == "finished_successfully" and end_turn is not False
    )


def message_text(msg: Any) -> str | None:
    content = msg.get("content") if isinstance(msg, dict) else None
    parts = content.get("parts") if isinstance(content, dict) else None
    if isinstance(parts, list) and parts and isinstance(parts[0], str):
        return parts[0]
    return None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def error_text(err: Any) -> str:
    if isinstance(err, str):
        return err
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        return str(err["message"])
    return json.dumps(err, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


@dataclass
class _Channel:
    doc: list[Any]
    answer: bool = False
    emitted: str = ""  # the text emitted for this document so far


@dataclass
class ConversationReference:
    """Feeds on whole events; collects deltas and the decoder's observable attributes."""

    deltas: list[str] = field(default_factory=list)
    conversation_id: str | None = None
    message_id: str | None = None
    title: str | None = None
    finished: bool = False
    error: str | None = None
    error_exact: bool = True  # False when the text is JSON that the native side may format apart
    delta_encoding: str | None = None
    max_depth_seen: int = 0
    _c: int = 0
    _p: str = ""
    _o: str = ""
    _channels: dict[int, _Channel] = field(default_factory=dict)
    _legacy_id: str | None = None
    _legacy_emitted: str = ""

    def _emit(self, s: str) -> None:
        if s:
            self.deltas.append(s)

    def _set_error(self, msg: str) -> None:
        if self.error is None:
            self.error = msg

    def feed_event(self, event: str, data: str) -> None:
        data = data.strip(" \t\n\r")
        if event == "delta_encoding":
            try:
                enc = _loads(data)
            except ValueError:
                enc = None
            if enc == "v1":
                self.delta_encoding = "v1"
            else:
                self._set_error("unsupported delta encoding")
            return
        if data == "[DONE]":
            self.finished = True
            return
        if data == "":
            return
        try:
            obj = _loads(data)
        except ValueError:
            self._set_error("event data is not JSON")
            return
        if not isinstance(obj, dict):
            return
        if isinstance(obj.get("conversation_id"), str):
            self.conversation_id = obj["conversation_id"]
        if obj.get("error") is not None:
            err = obj["error"]
            if self.error is None and not (
                isinstance(err, str)
                or (isinstance(err, dict) and isinstance(err.get("message"), str))
            ):
                self.error_exact = False
            self._set_error(error_text(err))
        if isinstance(obj.get("type"), str):
            if obj["type"] == "title_generation" and isinstance(obj.get("title"), str):
                self.title = obj["title"]
            elif obj["type"] == "message_stream_complete":
                self.finished = True
            return
        if "v" in obj or "o" in obj or "p" in obj:
            self._delta(obj)
        elif "message" in obj:
            self._legacy(obj["message"])

    def _legacy(self, msg: Any) -> None:
        if not is_answer_message(msg):
            return
        mid = _str(msg.get("id"))
        if mid != self._legacy_id:
            self._legacy_id = mid
            self._legacy_emitted = ""
        if mid is not None:
            self.message_id = mid
        text = message_text(msg)
        if text is not None and text.startswith(self._legacy_emitted):
            self._emit(text[len(self._legacy_emitted) :])
            self._legacy_emitted = text
        if message_finished(msg):
            self.finished = True

    def _delta(self, obj: dict[str, Any]) -> None:
        c = obj.get("c")
        if _is_int(c) and _I64[0] <= c <= _I64[1]:
            self._c = c
        if isinstance(obj.get("p"), str):
            self._p = obj["p"]
        if isinstance(obj.get("o"), str):
            self._o = obj["o"]
        if "v" in obj:
            self._op(self._c, self._p, self._o, obj["v"])

    def _op(self, c: int, path: str, op: str, v: Any) -> None:
        if op == "patch":
            if isinstance(v, list):
                for item in v:
                    if not isinstance(item, dict) or not isinstance(item.get("o"), str):
                        continue
                    sub_p = item["p"] if isinstance(item.get("p"), str) else ""
                    self._op(c, sub_p, item["o"], item.get("v"))
            return
        if path == "" and op in ("add", "replace"):
            self.max_depth_seen = max(self.max_depth_seen, nesting(v))
            ch = _Channel(doc=[v])
            self._channels[c] = ch
            if isinstance(v, dict) and isinstance(v.get("conversation_id"), str):
                self.conversation_id = v["conversation_id"]
            self._after_change(ch)
            return
        ch = self._channels.get(c)
        if ch is None:
            return
        if apply_op(ch.doc, path, op, v) and op in ("add", "replace", "append"):
            depth = path.count("/") + nesting(v) + (op == "append")
            self.max_depth_seen = max(self.max_depth_seen, depth)
        self._after_change(ch)

    def _after_change(self, ch: _Channel) -> None:
        doc = ch.doc[0]
        if not isinstance(doc, dict) or "message" not in doc:
            ch.answer = False
            return
        msg = doc["message"]
        ch.answer = is_answer_message(msg)
        if not ch.answer:
            return
        if isinstance(msg.get("id"), str):
            self.message_id = msg["id"]
        if message_finished(msg):
            self.finished = True
        text = message_text(msg)
        if text is not None and text.startswith(ch.emitted):
            self._emit(text[len(ch.emitted) :])
            ch.emitted = text
