"""Stream decoding benchmark: fastg4f's native decoders against popular Python decoders.

Corpora (generated, seeded): a ChatGPT ``delta_encoding`` v1 stream (about 20 MB; realistic:
``add`` messages, mostly bare ``{"v": "..."}`` appends of 1-8 characters, patch batches,
metadata, trailing spaces, escaped and raw multi-byte UTF-8), a legacy cumulative stream and an
OpenAI ``chat.completion.chunk`` stream, delivered in 7-byte, 1 KiB and 16 KiB chunks.

Jobs, each measured in the same run (median MB/s of several runs, ratios printed):
- full job (bytes -> text deltas): ``ConversationDecoder`` vs httpx-sse's decoder, the OpenAI
  SDK's ``SSEDecoder`` and a g4f-style ``splitlines`` + ``startswith(b"data: ")`` loop, each
  followed by the same Python JSON -> text-delta logic;
- SSE events materialised as Python objects: ``SSEDecoder`` vs httpx-sse and the OpenAI SDK.
Every method's output is checked to be the same text before timing.

Hostile v1 streams (the builders of ``tests/native/conversation_fixtures.py``): a long answer,
then small operations that a naive decoder pays for with the whole text (no-op ``truncate``,
truncate-one-character-then-append, operations on the first of many channels); printed as the
time to decode them and the time per KiB of such events (it stays flat as the answer grows).

Usage: ``python benches/bench_stream.py [--short] [--allow-debug]`` (``--short``: small corpora,
for CI). Refuses a debug build of the extension unless ``--allow-debug`` (then labelled).
"""

from __future__ import annotations

import codecs
import json
import pathlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx_sse._decoders as hx
from openai._streaming import SSEDecoder as OpenAISSEDecoder

from _common import bench_parser, build_label
from fastg4f import _native
from fastg4f.emulators.chatgpt import TEXT_PATH as TEXT
from fastg4f.emulators.chatgpt import message, split_text, v1_finish_patch
from fastg4f.stream import ConversationDecoder, SSEDecoder

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from tests.native.conversation_fixtures import costly_v1_parts

TITLE = "\u8bc1\u660e story"
CHUNK_SIZES = [7, 1024, 16384]
SIZE_NAMES = {7: "7 B", 1024: "1 KiB", 16384: "16 KiB"}
# Design targets: (corpus, job, baseline) -> minimum ratio per chunk size.
TARGETS = {
    ("v1", "full", "httpx-sse + Python"): {16384: 10.0, 1024: 8.0, 7: 4.0},
    ("v1", "full", "g4f-style lines + Python"): {16384: 1.0, 1024: 1.0, 7: 1.0},
    ("v1", "events", "httpx-sse"): {16384: 4.0},
}

# --- corpora ----------------------------------------------------------------------------------

_WORDS = [
    "The",
    " quick",
    " brown",
    " fox",
    " jumps",
    " over",
    " the",
    " lazy",
    " dog",
    ".",
    ",",
    " r\u00e9sum\u00e9",
    " na\u00efve",
    " \u2014",
    " \u8bc1\u660e",
    "\u4e2d\u6587",
    " \U0001f600",
    "\n\n",
    "**",
    " `code`",
    " 42",
    " caf\u00e9",
    "\n- ",
    " \u00fcber",
    " \u043f\u0440\u0438\u0432\u0435\u0442",
]


def _text_pieces(rng: random.Random, n: int) -> list[str]:
    return split_text("".join(rng.choice(_WORDS) for _ in range(n)), rng, longest=8)


def _dumps(obj: Any, ascii_: bool = True) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=ascii_)


def _sse(obj: Any, event: str | None = None, ascii_: bool = True, pad: str = "") -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {_dumps(obj, ascii_)}{pad}\n\n"


def _turns(
    target_bytes: int, seed: int, turn: Callable[[random.Random, int], tuple[str, str]]
) -> tuple[bytes, str]:
    """Turns (``turn(rng, n)`` → events, answer text) until about ``target_bytes``."""
    rng = random.Random(seed)
    out: list[str] = []
    answer: list[str] = []
    size = 0
    while size < target_bytes:
        events, text = turn(rng, len(out))
        out.append(events)
        answer.append(text)
        size += len(events.encode())
    return "".join(out).encode(), "".join(answer)


def v1_corpus(target_bytes: int, seed: int = 1) -> tuple[bytes, str]:
    """A v1 stream of about ``target_bytes`` (several turns) and its answer text."""
    return _turns(target_bytes, seed, _v1_turn)


def _v1_turn(rng: random.Random, turn: int) -> tuple[str, str]:
    answer: list[str] = []
    cid = f"68d8e6a2-{turn:04x}-8000-9000-1234567890ab"
    user = message("u", "user", "Tell me a story")
    recap = message("r", "assistant", "Thought", content_type="reasoning_recap")
    answer_msg = message(f"a{turn}", "assistant", channel="final")
    token = {"type": "resume_conversation_token", "kind": "topic", "token": "eyJ" + "x" * 300}
    system = {"message": message("s", "system", hidden=True), "error": None}
    ev = [
        'event: delta_encoding\ndata: "v1"\n\n',
        _sse({**token, "conversation_id": cid}),
        _sse({"p": "", "o": "add", "v": {**system, "conversation_id": cid}, "c": 0}, "delta"),
        _sse({"v": {"message": user, "conversation_id": cid}, "c": 1}, "delta"),
        _sse({"type": "input_message", "input_message": user}),
        _sse({"v": {"message": recap, "conversation_id": cid}, "c": 2}, "delta"),
        _sse({"v": {"message": answer_msg, "conversation_id": cid}, "c": 3}, "delta"),
        _sse({"type": "title_generation", "title": TITLE, "conversation_id": cid}),
    ]
    pieces = _text_pieces(rng, 3000)
    explicit = True
    for i, piece in enumerate(pieces):
        pad = " " * rng.randint(0, 7)
        ascii_ = rng.random() < 0.7
        if explicit:
            ev.append(_sse({"p": TEXT, "o": "append", "v": piece}, "delta", ascii_, pad))
            explicit = False
        elif i % 200 == 199:
            meta = {"citations": [], "content_references": []}
            batch = [
                {"p": TEXT, "o": "append", "v": piece},
                {"p": "/message/metadata", "o": "append", "v": meta},
            ]
            ev.append(_sse({"p": "", "o": "patch", "v": batch}, "delta", ascii_, pad))
            explicit = True  # after a patch the carried op is "patch": restate p and o
        else:
            ev.append(_sse({"v": piece}, "delta", ascii_, pad))
        answer.append(piece)
    answer.append(".")
    ev += [
        f"event: delta\ndata: {_dumps(v1_finish_patch('.'))}\n\n",
        f"data: {_dumps({'type': 'message_stream_complete', 'conversation_id': cid})}\n\n",
        "data: [DONE]\n\n",
    ]
    return "".join(ev), "".join(answer)


def legacy_corpus(target_bytes: int, seed: int = 2) -> tuple[bytes, str]:
    """A legacy cumulative stream (each event repeats the whole text so far)."""
    return _turns(target_bytes, seed, _legacy_turn)


def _legacy_turn(rng: random.Random, turn: int) -> tuple[str, str]:
    ev = []
    text = ""
    for piece in _text_pieces(rng, 60):
        text += piece
        msg = message(f"m{turn}", "assistant", text)
        ev.append(
            f"data: {json.dumps({'message': msg, 'conversation_id': 'c', 'error': None})}\n\n"
        )
    ev.append("data: [DONE]\n\n")
    return "".join(ev), text


def openai_corpus(target_bytes: int, seed: int = 3) -> tuple[bytes, str]:
    """An OpenAI chat.completions chunk stream."""
    rng = random.Random(seed)
    out: list[str] = []
    answer: list[str] = []
    size = 0
    base = {
        "id": "chatcmpl-AbC123",
        "object": "chat.completion.chunk",
        "created": 1732000000,
        "model": "gpt-4o-mini",
        "service_tier": "default",
        "system_fingerprint": "fp_0ba0d124f1",
    }
    while size < target_bytes:
        for piece in _text_pieces(rng, 2000):
            obj = {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": piece},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
            }
            line = f"data: {json.dumps(obj, separators=(',', ':'), ensure_ascii=False)}\n\n"
            out.append(line)
            answer.append(piece)
            size += len(line.encode())
    out.append("data: [DONE]\n\n")
    return "".join(out).encode(), "".join(answer)


# --- the shared Python JSON -> text-delta logic ------------------------------------------------


class PyDeltas:
    """What a Python client does after SSE decoding (same rules as ConversationDecoder)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.c: Any = 0
        self.p = ""
        self.o = ""
        self.answer: dict[Any, bool] = {}
        self.legacy_id: Any = None
        self.legacy_text = ""

    @staticmethod
    def is_answer(msg: Any) -> bool:
        return (
            isinstance(msg, dict)
            and msg["author"]["role"] == "assistant"
            and msg.get("recipient") in (None, "all")
            and msg.get("channel") in (None, "final")
            and msg["content"]["content_type"] == "text"
            and not msg["metadata"].get("is_visually_hidden_from_conversation")
        )

    def on_data(self, data: str) -> None:
        data = data.strip()
        if not data or data == "[DONE]":
            return
        try:
            obj = json.loads(data)
        except ValueError:
            return
        if type(obj) is not dict or "type" in obj:
            return
        if "v" in obj or "o" in obj or "p" in obj:
            if "c" in obj:
                self.c = obj["c"]
            if "p" in obj:
                self.p = obj["p"]
            if "o" in obj:
                self.o = obj["o"]
            if "v" in obj:
                self.op(self.c, self.p, self.o, obj["v"])
        elif "message" in obj:
            msg = obj["message"]
            if self.is_answer(msg):
                if msg["id"] != self.legacy_id:
                    self.legacy_id, self.legacy_text = msg["id"], ""
                text = msg["content"]["parts"][0]
                if text.startswith(self.legacy_text):
                    self.out.append(text[len(self.legacy_text) :])
                    self.legacy_text = text

    def op(self, c: Any, p: str, o: str, v: Any) -> None:
        if o == "append" and p == TEXT:
            if type(v) is str and self.answer.get(c):
                self.out.append(v)
        elif o == "patch":
            for sub in v:
                self.op(c, sub.get("p", ""), sub.get("o"), sub.get("v"))
        elif p == "" and o == "add":
            self.answer[c] = isinstance(v, dict) and self.is_answer(v.get("message"))


def openai_text(data: str, out: list[str]) -> None:
    if data == "[DONE]":
        return
    obj = json.loads(data)
    for choice in obj["choices"]:
        content = choice["delta"].get("content")
        if content:
            out.append(content)


# --- decoders under test ---------------------------------------------------------------------


def httpx_sse_events(chunks: list[bytes]) -> Iterator[hx.ServerSentEvent]:
    """httpx-sse's pipeline: incremental UTF-8 text, its SSE line splitter and decoder."""
    text = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = hx.SSELineDecoder()
    dec = hx.SSEDecoder()
    for chunk in chunks:
        for line in lines.decode(text.decode(chunk)):
            sse = dec.decode(line)
            if sse is not None:
                yield sse
    for line in lines.decode(text.decode(b"", final=True)) + lines.flush():
        sse = dec.decode(line)
        if sse is not None:
            yield sse


def openai_events(chunks: list[bytes]) -> Iterator[Any]:
    return OpenAISSEDecoder().iter_bytes(iter(chunks))


def g4f_lines(chunks: list[bytes]) -> Iterator[bytes]:
    """requests/g4f-style ``iter_lines``: pending + ``bytes.splitlines()``."""
    pending = None
    for chunk in chunks:
        if pending is not None:
            chunk = pending + chunk
        lines = chunk.splitlines()
        if lines and lines[-1] and chunk and lines[-1][-1] == chunk[-1]:
            pending = lines.pop()
        else:
            pending = None
        yield from lines
    if pending is not None:
        yield pending


def full_ours(chunks: list[bytes], coalesce: bool = True) -> str:
    d = ConversationDecoder(coalesce=coalesce)
    out: list[str] = []
    for chunk in chunks:
        out += d.feed(chunk)
    out += d.flush()
    return "".join(out)


def full_httpx(chunks: list[bytes]) -> str:
    logic = PyDeltas()
    for sse in httpx_sse_events(chunks):
        logic.on_data(sse.data)
    return "".join(logic.out)


def full_openai(chunks: list[bytes]) -> str:
    logic = PyDeltas()
    for sse in openai_events(chunks):
        logic.on_data(sse.data)
    return "".join(logic.out)


def full_g4f(chunks: list[bytes]) -> str:
    logic = PyDeltas()
    for line in g4f_lines(chunks):
        if line.startswith(b"data: "):
            logic.on_data(line[6:].decode("utf-8", "replace"))
    return "".join(logic.out)


def oa_ours(chunks: list[bytes]) -> str:
    d = SSEDecoder()
    out: list[str] = []
    for chunk in chunks:
        for e in d.feed(chunk):
            openai_text(e.data, out)
    return "".join(out)


def oa_httpx(chunks: list[bytes]) -> str:
    out: list[str] = []
    for sse in httpx_sse_events(chunks):
        openai_text(sse.data, out)
    return "".join(out)


def oa_openai(chunks: list[bytes]) -> str:
    out: list[str] = []
    for sse in openai_events(chunks):
        openai_text(sse.data, out)
    return "".join(out)


def oa_g4f(chunks: list[bytes]) -> str:
    out: list[str] = []
    for line in g4f_lines(chunks):
        if line.startswith(b"data: "):
            openai_text(line[6:].decode(), out)
    return "".join(out)


def events_ours(chunks: list[bytes]) -> int:
    d = SSEDecoder()
    n = 0
    for chunk in chunks:
        n += len(d.feed(chunk))
    return n


def events_httpx(chunks: list[bytes]) -> int:
    return sum(1 for _ in httpx_sse_events(chunks))


def events_openai(chunks: list[bytes]) -> int:
    return sum(1 for _ in openai_events(chunks))


# --- measuring ---------------------------------------------------------------------------------


def median_mbps(
    fn: Callable[[list[bytes]], object], chunks: list[bytes], size: int, runs: int
) -> float:
    # CPU time of this process: every method is single-threaded, and on a shared machine this
    # is far steadier than wall time (another process's load does not count against a method).
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn(chunks)
        times.append(time.process_time() - t0)
    return size / statistics.median(times) / 1e6


def table(
    title: str,
    corpus: str,
    job: str,
    methods: dict[str, Callable[[list[bytes]], object]],
    stream: bytes,
    runs: dict[int, int],
    failures: list[str],
) -> None:
    print(f"\n{title} -- {len(stream) / 1e6:.1f} MB, MB/s of CPU time (median)")
    sizes = CHUNK_SIZES
    chunked = {n: [stream[i : i + n] for i in range(0, len(stream), n)] for n in sizes}
    results: dict[str, dict[int, float]] = {}
    for name, fn in methods.items():
        results[name] = {n: median_mbps(fn, chunked[n], len(stream), runs[n]) for n in sizes}
    head = f"{'method':<34}" + "".join(f"{SIZE_NAMES[n]:>20}" for n in sizes)
    print(head)
    print("-" * len(head))
    for name, row in results.items():
        print(f"{name:<34}" + "".join(f"{row[n]:>20.1f}" for n in sizes))
    ours_names = [m for m in results if m.startswith("fastg4f")]
    for ours in ours_names:
        label = "ours" if len(ours_names) == 1 else ours.removeprefix("fastg4f ")
        print(f"ratios of {label}:")
        for name in results:
            if name in ours_names:
                continue
            cells = []
            for n in sizes:
                ratio = results[ours][n] / results[name][n]
                goal = TARGETS.get((corpus, job, name), {}).get(n)
                mark = ""
                if goal is not None:
                    ok = ratio >= goal if goal > 1 else ratio > goal
                    mark = f" ({'>=' if goal > 1 else '>'}{goal:g} {'ok' if ok else 'MISS'})"
                    if not ok:
                        failures.append(
                            f"{title}, {label} vs {name} at {SIZE_NAMES[n]}: {ratio:.1f}x"
                        )
                cells.append(f"{ratio:.1f}x{mark}")
            print(f"{'  vs ' + name:<34}" + "".join(f"{c:>20}" for c in cells))


def check_equal(
    name: str, fns: dict[str, Callable[[list[bytes]], object]], stream: bytes, want: object
) -> None:
    chunks = [stream[i : i + 1000] for i in range(0, len(stream), 1000)]
    for fname, fn in fns.items():
        got = fn(chunks)
        if got != want:
            sys.exit(f"{name}: {fname} disagrees with the expected output; refusing to time it")


def hostile_table(short: bool) -> None:
    """Decode time of the hostile v1 streams, for two answer lengths."""
    events = 1 << 18
    lengths = [1 << 18, 1 << 20] if short else [1 << 20, 1 << 22]
    print(f"\nhostile v1 streams -- {events >> 10} KiB of small operations after a long answer")
    head = f"{'operations':<14}{'answer (chars)':>16}{'decode (s)':>14}{'per KiB of ops (ms)':>24}"
    print(head)
    print("-" * len(head))
    for kind in ("truncate", "take-back", "channels"):
        for chars in lengths:
            answer, ops = costly_v1_parts(kind, text_chars=chars, events_bytes=events)
            chunks = [ops[i : i + 4096] for i in range(0, len(ops), 4096)]
            times = []
            for _ in range(3):
                d = ConversationDecoder()
                d.feed(answer)
                t0 = time.process_time()
                for chunk in chunks:
                    d.feed(chunk)
                times.append(time.process_time() - t0)
            took = statistics.median(times)
            per_kib = took / (events / 1024) * 1e3
            print(f"{kind:<14}{chars:>16}{took:>14.3f}{per_kib:>24.3f}")


def main() -> None:
    args = bench_parser(
        __doc__.splitlines()[0], short_help="small corpora (CI smoke run)"
    ).parse_args()
    if build_label(args) is None:
        sys.exit(2)
    profile = _native.build_profile
    scale = 1 if args.short else 20
    runs = {7: 3, 1024: 3, 16384: 5} if args.short else {7: 3, 1024: 5, 16384: 7}
    print(f"bench_stream ({'short' if args.short else 'full'}; {profile} build)")

    v1, v1_text = v1_corpus(1_000_000 * scale)
    legacy, legacy_text = legacy_corpus(400_000 * scale // 2)
    oa, oa_text = openai_corpus(500_000 * scale // 2)
    full = {
        "fastg4f ConversationDecoder": full_ours,
        "fastg4f (coalesce=False)": lambda c: full_ours(c, False),
        "httpx-sse + Python": full_httpx,
        "openai SSEDecoder + Python": full_openai,
        "g4f-style lines + Python": full_g4f,
    }
    check_equal("v1", full, v1, v1_text)
    check_equal("legacy", full, legacy, legacy_text)
    oa_methods = {
        "fastg4f SSEDecoder + Python JSON": oa_ours,
        "httpx-sse + Python": oa_httpx,
        "openai SSEDecoder + Python": oa_openai,
        "g4f-style lines + Python": oa_g4f,
    }
    check_equal("openai", oa_methods, oa, oa_text)
    events = {
        "fastg4f SSEDecoder": events_ours,
        "httpx-sse": events_httpx,
        "openai SSEDecoder": events_openai,
    }
    failures: list[str] = []
    table("v1 stream, full job (bytes -> text deltas)", "v1", "full", full, v1, runs, failures)
    table("v1 stream, SSE events as Python objects", "v1", "events", events, v1, runs, failures)
    table("legacy stream, full job", "legacy", "full", full, legacy, runs, failures)
    table("OpenAI chunk stream, full job", "openai", "full", oa_methods, oa, runs, failures)
    table(
        "OpenAI chunk stream, SSE events as Python objects",
        "openai",
        "events",
        events,
        oa,
        runs,
        failures,
    )
    hostile_table(args.short)
    if failures:
        print("\nbelow its target:\n  " + "\n  ".join(failures))
    else:
        print("\nevery target is met")
    print("(targets: vs httpx-sse + Python and g4f-style, checked for every fastg4f row)")


if __name__ == "__main__":
    main()
