"""ConversationDecoder: both ChatGPT formats, edits, errors, limits, reference equality."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastg4f.errors import StreamDecodeError
from fastg4f.stream import ConversationDecoder, aiter_text_deltas, iter_text_deltas
from tests.reference.conversation_reference import ConversationReference
from tests.reference.sse_reference import reference_events

from .conversation_fixtures import (
    TEXT,
    deep_v1_stream,
    frame,
    legacy_stream,
    message,
    v1_capture_like,
)
from .strategies import chunked

PIECES = ["Hel", "lo", " w\u00f6rld", " \u2014 ", "\u8bc1\u660e", " \U0001f600", "!", "\n\n- a"]
ANSWER = "".join(PIECES)


def decode(chunks: list[bytes], **kw: Any) -> tuple[list[str], ConversationDecoder]:
    kw.setdefault("coalesce", False)  # one delta per event, the same for any chunking
    d = ConversationDecoder(**kw)
    out: list[str] = []
    for c in chunks:
        out.extend(d.feed(c))
    out.extend(d.flush())
    return out, d


def reference(stream: bytes) -> ConversationReference:
    ref = ConversationReference()
    for e in reference_events(stream):
        ref.feed_event(e.event, e.data)
    return ref


def test_v1_capture_like_stream() -> None:
    stream = v1_capture_like(PIECES)
    out, d = decode([stream])
    assert out == PIECES  # hidden system/user/tool messages and reasoning are not text
    assert d.conversation_id == "68d8e6a2-0000-8000-9000-1234567890ab"
    assert d.message_id == "ans"
    assert d.title == "\u8bc1\u660e Greeting"
    assert d.finished and d.error is None and d.delta_encoding == "v1"
    assert reference(stream).deltas == PIECES


@pytest.mark.parametrize("size", [1, 7, 1024])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_v1_any_chunking_and_line_ends(size: int, eol: str) -> None:
    stream = v1_capture_like(PIECES, eol=eol, done=True)
    chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
    out, d = decode(chunks)
    assert out == PIECES and d.finished
    joined, _ = decode(chunks, coalesce=True)
    assert "".join(joined) == ANSWER and len(joined) <= len(chunks)


def test_v1_without_done_finishes_on_end_turn() -> None:
    stream = v1_capture_like(["a", "b"]).split(b'data: {"type":"server_ste_metadata"')[0]
    out, d = decode([stream])
    assert out == ["a", "b"] and d.finished


def test_v1_unfinished_stream() -> None:
    stream = b"".join(
        [
            frame('"v1"', event="delta_encoding"),
            frame({"p": "", "o": "add", "v": {"message": message("m", "assistant")}, "c": 0}),
            frame({"p": TEXT, "o": "append", "v": "partial"}),
        ]
    )
    out, d = decode([stream])
    assert out == ["partial"] and not d.finished and d.error is None


def test_v1_all_operations_and_carry_forward() -> None:
    ops = [
        frame({"p": "", "o": "add", "v": {"message": message("a", "assistant", "Hi")}, "c": 0}),
        frame({"v": {"message": message("u", "user", "secret")}, "c": 1}),  # bare add on channel 1
        frame({"c": 0, "p": TEXT, "o": "append", "v": " there"}),
        frame({"v": ", friend"}),  # carried p/o/c
        frame({"p": "/message/metadata/x", "o": "add", "v": "meta"}),
        frame({"v": "not text"}),  # carried p is metadata now
        frame(
            {
                "o": "patch",
                "v": [
                    {"p": TEXT, "o": "truncate", "v": 8},  # "Hi there" (a take-back)
                    {"p": TEXT, "o": "append", "v": ", friend!"},  # back past what was emitted
                    {"p": "/message/metadata/x", "o": "remove"},
                    {"p": "/message/content/parts/-", "o": "add", "v": "second part"},
                    {"p": "/message/status", "o": "replace", "v": "finished_successfully"},
                ],
            }
        ),
        frame({"c": 1, "p": TEXT, "o": "append", "v": " user text"}),
    ]
    out, d = decode([b"".join(ops)])
    assert out == ["Hi", " there", ", friend", "!"]
    assert d.finished and d.message_id == "a"
    assert reference(b"".join(ops)).deltas == out


def test_v1_patch_without_path_and_replace_of_text() -> None:
    stream = b"".join(
        [
            frame(
                {"p": "", "o": "add", "v": {"message": message("a", "assistant", "abc")}, "c": 3}
            ),
            frame({"c": 3, "o": "patch", "v": [{"p": TEXT, "o": "replace", "v": "abcdef"}]}),
            frame({"p": TEXT, "o": "replace", "v": "xyz"}),  # rewrite: nothing until it agrees
            frame({"p": TEXT, "o": "replace", "v": "abcdefg"}),
        ]
    )
    out, _ = decode([stream])
    assert out == ["abc", "def", "g"]
    assert "".join(out) == "abcdefg"


def test_v1_reasoning_channels_and_recipients_are_not_text() -> None:
    msgs = [
        message("a1", "assistant", "analysis", channel="analysis"),
        message("a2", "assistant", "commentary", channel="commentary"),
        message("a3", "assistant", "tool call", recipient="browser"),
        message("a4", "assistant", "hidden", hidden=True),
        message("a5", "assistant", "thoughts", content_type="thoughts"),
        message("a6", "tool", "tool output"),
        message("a7", "assistant", "visible", channel="final"),
    ]
    stream = b"".join(
        frame({"p": "", "o": "add", "v": {"message": m}, "c": i}) for i, m in enumerate(msgs)
    )
    out, d = decode([stream])
    assert out == ["visible"] and d.message_id == "a7"


def test_v1_escapes_and_raw_utf8_are_equal() -> None:
    add = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})
    for ensure_ascii in (True, False):
        for compact in (True, False):
            body = frame(
                {"p": TEXT, "o": "append", "v": "\u00e9\U0001f600\u2014"},
                ensure_ascii=ensure_ascii,
                compact=compact,
                pad=5,
            )
            assert decode([add + body])[0] == ["\u00e9\U0001f600\u2014"]


def test_legacy_stream() -> None:
    texts = ["Hel", "Hello", "Hello w\u00f6", "Hello w\u00f6rld \U0001f600"]
    stream = legacy_stream(texts)
    out, d = decode([stream])
    assert out == ["Hel", "lo", " w\u00f6", "rld \U0001f600"]
    assert d.message_id == "ans" and d.finished and d.delta_encoding is None
    assert d.conversation_id == "c0ffee00-0000-4000-8000-000000000000"
    assert reference(stream).deltas == out
    assert decode([stream[i : i + 1] for i in range(len(stream))])[0] == out


def test_legacy_repeated_prefix_is_not_corrupted() -> None:
    texts = ["ha", "haha", "hahaha", "hahaha!"]
    out, _ = decode([legacy_stream(texts)])
    assert out == ["ha", "ha", "ha", "!"]
    # What g4f's `parts[0].replace(previous, "")` would yield: the repeats vanish.
    g4f, prev = [], ""
    for t in texts:
        g4f.append(t.replace(prev, ""))
        prev = t
    assert "".join(g4f) != texts[-1]


def test_legacy_edits() -> None:
    # A taken-back tail and a transient rewrite: the deltas still add up to the final text.
    texts = ["The ans", "The answer is 4", "The answer is", "The ANSWER", "The answer is 42."]
    out, _ = decode([legacy_stream(texts)])
    assert out == ["The ans", "wer is 4", "2."]
    assert "".join(out) == texts[-1]
    # A rewrite of emitted text that never comes back: emitted text is not repeated.
    out, _ = decode([legacy_stream(["abc", "abd", "abde"])])
    assert out == ["abc"]


def test_legacy_new_message_starts_fresh() -> None:
    stream = legacy_stream(["one", "one two"], mid="m1", done=False) + legacy_stream(
        ["three"], mid="m2"
    )
    out, d = decode([stream])
    assert out == ["one", " two", "three"] and d.message_id == "m2"


def test_error_event_is_reported() -> None:
    out, d = decode(
        [frame({"message": None, "conversation_id": "c", "error": "Something went wrong."})]
    )
    assert out == [] and d.error == "Something went wrong." and d.conversation_id == "c"
    _, d = decode([frame({"error": {"message": "rate limited", "code": 429}})])
    assert d.error == "rate limited"
    _, d = decode([frame({"error": {"code": 429}})])
    assert d.error == '{"code":429}'


def test_non_json_line_is_reported_not_dropped() -> None:
    add = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant", "ok")}, "c": 0})
    out, d = decode([add + b"data: <html>502 Bad Gateway</html>\n\n" + frame({"error": "later"})])
    assert out == ["ok"]
    assert d.error is not None and d.error.startswith("event data is not JSON")
    assert "502 Bad Gateway" in d.error


def test_unknown_delta_encoding_is_reported() -> None:
    _, d = decode([frame('"v2"', event="delta_encoding")])
    assert d.error is not None and "unsupported delta encoding" in d.error


def test_done_marks_finished_and_title() -> None:
    out, d = decode(
        [frame({"type": "title_generation", "title": "T"}) + b"data: [DONE]   \r\n\r\n"]
    )
    assert out == [] and d.finished and d.title == "T"


def test_limits() -> None:
    add = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})
    d = ConversationDecoder(max_document_bytes=4096)
    assert d.max_document_bytes == 4096 and d.max_event_bytes == 16 * 1024 * 1024
    d.feed(add)
    with pytest.raises(StreamDecodeError, match="max_document_bytes"):
        for _ in range(1000):
            d.feed(frame({"p": TEXT, "o": "append", "v": "0123456789"}))
    with pytest.raises(StreamDecodeError, match="failed earlier"):
        d.feed(b"\n")
    with pytest.raises(StreamDecodeError, match="max_event_bytes"):
        ConversationDecoder(max_event_bytes=64).feed(b"data: " + b"x" * 100)
    with pytest.raises(ValueError, match="max_document_bytes must be a positive"):
        ConversationDecoder(max_document_bytes=0)
    with pytest.raises(TypeError):
        ConversationDecoder(1)  # type: ignore[misc]


def test_adaptors_with_own_decoder() -> None:
    stream = v1_capture_like(PIECES)
    chunks = [stream[i : i + 100] for i in range(0, len(stream), 100)]
    d = ConversationDecoder(coalesce=False)
    assert list(iter_text_deltas(chunks, decoder=d)) == PIECES
    assert "".join(iter_text_deltas(chunks)) == ANSWER
    assert d.finished and d.title is not None


async def test_async_adaptor() -> None:
    stream = legacy_stream(["a", "ab"])

    async def gen() -> Any:
        for i in range(0, len(stream), 5):
            yield stream[i : i + 5]

    assert [x async for x in aiter_text_deltas(gen())] == ["a", "b"]


# --- generated streams against the reference -----------------------------------------------------

_text = st.text(alphabet="ab \u00e9\U0001f600", max_size=6)
_ids = st.sampled_from(["m1", "m2", "m3"])
_msg = st.builds(
    message,
    _ids,
    st.sampled_from(["assistant", "assistant", "user", "system", "tool"]),
    _text,
    recipient=st.sampled_from(["all", None, "browser"]),
    channel=st.sampled_from([None, "final", "analysis"]),
    content_type=st.sampled_from(["text", "text", "thoughts"]),
    hidden=st.sampled_from([False, False, False, True]),
    status=st.sampled_from(["in_progress", "finished_successfully"]),
    end_turn=st.sampled_from([None, None, True, False]),
)
_answer = st.builds(
    message, _ids, st.just("assistant"), _text, channel=st.sampled_from([None, "final"])
)
_path = st.sampled_from(
    [
        TEXT,
        TEXT,
        "",
        "/message",
        "/message/content/parts",
        "/message/content/parts/-",
        "/message/status",
        "/message/end_turn",
        "/message/metadata",
        "/message/recipient",
        "/message/content/parts/00",
        "nope",
    ]
)
_op = st.sampled_from(["append", "append", "replace", "add", "truncate", "remove", "bogus"])
_value = st.one_of(
    _text,
    st.integers(0, 8),
    st.booleans(),
    st.none(),
    st.just({"is_complete": True}),
    st.just(["x"]),
)
_sub_op = st.fixed_dictionaries({"p": _path, "o": _op, "v": _value})
_c = st.integers(0, 2)


def _omit(d: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


_delta = st.one_of(
    st.builds(
        lambda m, c: {"p": "", "o": "add", "v": {"message": m, "conversation_id": "cv"}, "c": c},
        _msg,
        _c,
    ),
    st.builds(lambda m, c: {"p": "", "o": "add", "v": {"message": m}, "c": c}, _answer, _c),
    st.builds(lambda m, c: {"v": {"message": m}, "c": c}, _msg, _c),
    st.builds(lambda t: {"v": t}, _text),
    st.builds(lambda t, c: {"p": TEXT, "o": "append", "v": t, "c": c}, _text, _c),
    st.builds(
        lambda p, o, v, drop: _omit({"p": p, "o": o, "v": v}, drop),
        _path,
        _op,
        _value,
        st.lists(st.sampled_from(["p", "o"]), max_size=2),
    ),
    st.builds(
        lambda ops, c: {"p": "", "o": "patch", "v": ops, "c": c}, st.lists(_sub_op, max_size=4), _c
    ),
    st.builds(lambda ops: {"o": "patch", "v": ops}, st.lists(_sub_op, max_size=4)),
)
_other = st.one_of(
    st.builds(lambda m: {"message": m, "conversation_id": "legacy", "error": None}, _msg),
    st.builds(lambda m: {"message": m}, _answer),
    st.builds(lambda t: {"type": "title_generation", "title": t}, _text),
    st.just({"type": "message_stream_complete", "conversation_id": "cv"}),
    st.just({"type": "message_marker", "marker": "last_token"}),
    st.just({"error": "boom"}),
    st.just({"error": {"message": "bad", "code": 1}}),
    st.just("[DONE]"),
    st.just("{not json"),
    st.just('"v1"'),
    st.just("[1, 2]"),
)


@st.composite
def conversation_streams(draw: st.DrawFn) -> bytes:
    events = draw(st.lists(st.one_of(_delta, _delta, _delta, _other), max_size=25))
    out = []
    if draw(st.booleans()):
        out.append(frame('"v1"', event="delta_encoding"))
    for e in events:
        out.append(
            frame(
                e,
                event=draw(st.sampled_from([None, "delta"])),
                eol=draw(st.sampled_from(["\n", "\r\n", "\r"])),
                pad=draw(st.integers(0, 3)),
                ensure_ascii=draw(st.booleans()),
                compact=draw(st.booleans()),
            )
        )
    return b"".join(out)


def _same_error(ours: str | None, ref: str | None) -> bool:
    if ref is None or ours is None:
        return ours == ref
    if ref in ("event data is not JSON", "unsupported delta encoding"):
        return ours.startswith(ref)
    return ours == ref


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), conversation_streams())
def test_generated_streams_match_reference_on_any_chunking(
    data: st.DataObject, stream: bytes
) -> None:
    ref = reference(stream)
    for chunks in ([stream], data.draw(chunked(stream))):
        out, d = decode(chunks)
        assert out == ref.deltas
        assert (d.conversation_id, d.message_id, d.title, d.finished, d.delta_encoding) == (
            ref.conversation_id,
            ref.message_id,
            ref.title,
            ref.finished,
            ref.delta_encoding,
        )
        assert _same_error(d.error, ref.error), (d.error, ref.error)
    joined, _ = decode(data.draw(chunked(stream)), coalesce=True)
    assert "".join(joined) == "".join(ref.deltas)


def test_reference_rejects_nan_like_serde() -> None:
    assert reference(b"data: NaN\n\n").error == "event data is not JSON"
    assert decode([b"data: NaN\n\n"])[1].error is not None


def test_large_feed_releases_the_gil_and_is_equal() -> None:
    pieces = [f"piece {i} \u00e9\u2014 " for i in range(20_000)]
    stream = v1_capture_like(pieces, done=True)
    assert len(stream) > 256 * 1024
    out, d = decode([stream])
    assert out == pieces and d.finished
    chunks = [stream[i : i + 4096] for i in range(0, len(stream), 4096)]
    assert "".join(decode(chunks, coalesce=True)[0]) == "".join(pieces)


def test_a_small_feed_that_rereads_the_documents_releases_the_gil() -> None:
    # A 63-byte truncate of a 21M-character string that is not the answer text re-reads the
    # documents (budgeted, not free): tens of milliseconds each. With the GIL held for them,
    # another thread runs only around the feeds (at most a switch interval after each begins or
    # ends), never in the middle of one; released, it keeps running throughout.
    import bisect
    import sys
    import threading
    import time

    n = 7 << 20
    path = "/message/metadata/x"
    d = ConversationDecoder(max_document_bytes=1 << 30)
    d.feed(frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0}))
    for op in ("add", "append", "append"):
        d.feed(frame({"p": path, "o": op, "v": "\u00e9" * n}, ensure_ascii=False))
    truncate = frame({"p": path, "o": "truncate", "v": 3 * n})
    assert len(truncate) < 1024
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0002)

    feeds: list[tuple[float, float]] = []
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    thread = threading.Thread(target=tick)
    thread.start()
    try:
        with pytest.raises(StreamDecodeError, match="re-read"):
            for _ in range(100):
                start = time.perf_counter()
                try:
                    d.feed(truncate)
                finally:
                    feeds.append((start, time.perf_counter()))
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(old_interval)
    long = [(a, b) for a, b in feeds if b - a > 0.008]
    assert len(long) >= 4, feeds

    def ticked_in_the_middle(a: float, b: float) -> bool:
        i = bisect.bisect_right(ticks, a + (b - a) / 4)
        return i < len(ticks) and ticks[i] < b - (b - a) / 4

    assert sum(ticked_in_the_middle(a, b) for a, b in long) >= len(long) / 2


def test_concurrent_feeds_are_serialised() -> None:
    # One decoder fed from several threads: calls are serialised by a lock, never "already
    # borrowed"; each thread feeds whole events, so the total text is complete.
    import threading

    add = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})
    app = frame({"p": TEXT, "o": "append", "v": "x"})
    d = ConversationDecoder()
    d.feed(add)
    got: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            piece = "".join(d.feed(app * 50))
            with lock:
                got.append(piece)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "".join(got) == "x" * (4 * 200 * 50)


def test_python_defaults_match_native() -> None:
    import fastg4f
    from fastg4f import stream

    assert fastg4f.stream is stream
    assert stream.LineDecoder().max_line_bytes == stream.DEFAULT_MAX_LINE_BYTES
    assert stream.SSEDecoder().max_event_bytes == stream.DEFAULT_MAX_EVENT_BYTES
    d = ConversationDecoder()
    assert d.max_event_bytes == stream.DEFAULT_MAX_EVENT_BYTES
    assert d.max_document_bytes == stream.DEFAULT_MAX_DOCUMENT_BYTES
    assert d.max_depth == stream.DEFAULT_MAX_DEPTH == 128
    assert d.coalesce is True


# --- hostile streams: depth, cost, memory, fork --------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def run_child(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` in a fresh interpreter (a crash or a hang must not take pytest with it)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_depth_past_max_depth_is_an_error() -> None:
    d = ConversationDecoder()
    with pytest.raises(StreamDecodeError, match=r"nest \d+ levels deep.*max_depth"):
        d.feed(deep_v1_stream(1000))
    with pytest.raises(StreamDecodeError, match="failed earlier"):
        d.feed(b"\n")
    # The limit counts the levels a value lands at: the pointer's plus the value's own.
    stream = v1_capture_like(PIECES)
    assert "".join(decode([stream], max_depth=7)[0]) == ANSWER
    with pytest.raises(StreamDecodeError, match="max_depth"):
        decode([stream], max_depth=2)
    with pytest.raises(ValueError, match="max_depth must be a positive number of levels"):
        ConversationDecoder(max_depth=0)


def test_deep_document_is_dropped_without_recursion() -> None:
    # With the bound lifted, a document 30 000 levels deep is built and dropped on a thread with
    # a 1 MiB stack: a recursive drop overflows it (SIGSEGV).
    child = run_child(
        """
        import threading
        from fastg4f.stream import ConversationDecoder
        from tests.native.conversation_fixtures import deep_v1_stream

        def run():
            d = ConversationDecoder(max_depth=10**9, max_document_bytes=1 << 30)
            stream = deep_v1_stream(30_000)
            for i in range(0, len(stream), 1 << 16):
                d.feed(stream[i : i + (1 << 16)])
            del d

        threading.stack_size(1 << 20)
        t = threading.Thread(target=run)
        t.start()
        t.join()
        print("dropped")
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "dropped"


HOSTILE_CHATGPT = """
    from fastg4f.errors import StreamDecodeError
    from fastg4f.providers import ChatGpt
    from tests.native.conversation_fixtures import deep_v1_stream
    from tests.providers._calls import call
    from tests.providers.test_chatgpt import MESSAGES, NO_SENTINEL, fake_chatgpt

    with fake_chatgpt(NO_SENTINEL, deep_v1_stream(70_000)) as site:
        ChatGpt.url = site.url("/x")
        {body}
"""


def test_deep_stream_through_the_chatgpt_provider() -> None:
    body = """
        try:
            call(ChatGpt, "async_gen", MESSAGES, pause=0)
        except StreamDecodeError as exc:
            print("refused:", exc)
    """
    child = run_child(
        HOSTILE_CHATGPT.replace("{body}", textwrap.indent(textwrap.dedent(body), " " * 8).strip())
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "refused:" in child.stdout and "max_depth" in child.stdout


def test_deep_stream_through_the_api_server() -> None:
    # One hostile upstream answer gives that request an error; the server keeps serving.
    body = """
        import httpx
        from fastg4f.api import create_app
        from tests.api.conftest import serve

        with serve(create_app([ChatGpt], ignore_working=True, route_timeout=60)) as url:
            request = {"model": "auto", "messages": MESSAGES}
            first = httpx.post(url + "/v1/chat/completions", json=request, timeout=60)
            print("first:", first.status_code, first.text[:300])
            after = httpx.get(url + "/v1/models", timeout=60)
            print("after:", after.status_code)
    """
    child = run_child(
        HOSTILE_CHATGPT.replace("{body}", textwrap.indent(textwrap.dedent(body), " " * 8).strip())
    )
    assert child.returncode == 0, child.stderr[-2000:]
    first = child.stdout.split("first: ", 1)[1]
    assert not first.startswith("200") and "max_depth" in first
    assert "after: 200" in child.stdout


def test_costly_stream_through_the_chatgpt_provider() -> None:
    # 1 MiB of no-op truncates after a 2M-character answer, served to ChatGpt: each used to
    # walk the whole text with the GIL held (minutes, beyond the provider's 5 s timeout, which
    # bounds waits, not work). Now the answer arrives whole and the decoding costs the bytes.
    # The subprocess timeout is a hang detector with a wide margin, not a timing.
    child = run_child(
        """
        import asyncio
        from fastg4f.emulators.chatgpt import v1_finish_patch
        from fastg4f.providers import ChatGpt
        from tests.native.conversation_fixtures import costly_v1_stream, frame
        from tests.providers.test_chatgpt import MESSAGES, NO_SENTINEL, fake_chatgpt

        stream = costly_v1_stream("truncate", text_chars=1 << 21, events_bytes=1 << 20)
        stream += frame(v1_finish_patch("!"))

        async def answer() -> str:
            gen = ChatGpt.create_async_generator("", MESSAGES, timeout=5, pause=0)
            return "".join([c async for c in gen if isinstance(c, str)])

        with fake_chatgpt(NO_SENTINEL, stream) as site:
            ChatGpt.url = site.url("/x")
            text = asyncio.run(answer())
        print(len(text), text[-2:])
        """,
        timeout=90,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split() == [str((1 << 21) + 1), "\u00e9!"]


@pytest.mark.parametrize("kind", ["truncate", "take-back", "channels"])
def test_small_operations_cost_their_own_size(kind: str) -> None:
    # 1 MiB of small operations on a 4M-character answer: when each costs the whole text, this
    # takes hours; at the cost of each operation, well under a second. The bound is a hang
    # detector with a margin of a thousand, not a timing.
    child = run_child(
        f"""
        from fastg4f.stream import ConversationDecoder
        from tests.native.conversation_fixtures import costly_v1_stream

        stream = costly_v1_stream({kind!r}, text_chars=1 << 22, events_bytes=1 << 20)
        d = ConversationDecoder(coalesce=False)
        out = []
        for i in range(0, len(stream), 4096):
            out += d.feed(stream[i : i + 4096])
        print(len("".join(out)))
        """,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert int(child.stdout) >= 1 << 22


def _reread(setup: list[dict[str, Any]], ops: list[dict[str, Any]]) -> bytes:
    head = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})
    body = b"".join(frame(o) for o in ops)
    return head + b"".join(frame(o) for o in setup) + body * ((1 << 20) // len(body))


BIG = "x" * (1 << 21)


@pytest.mark.parametrize(
    "stream",
    [
        _reread(  # the answer text switched between a short part and a long one
            [
                {"p": TEXT, "o": "append", "v": BIG},
                {"p": "/message/content/parts/1", "o": "add", "v": BIG + "y"},
            ],
            [
                {"p": "/message/content/parts/0", "o": "remove", "v": None},
                {"p": "/message/content/parts/0", "o": "add", "v": "z"},
            ],
        ),
        _reread(  # a huge message id changed by one character at a time
            [{"p": "/message/id", "o": "replace", "v": BIG}],
            [
                {"p": "/message/id", "o": "truncate", "v": len(BIG) - 1},
                {"p": "/message/id", "o": "append", "v": "x"},
            ],
        ),
        _reread(  # inserting at the front of a long array
            [{"p": "/a", "o": "add", "v": [0] * 200_000}],
            [{"p": "/a/0", "o": "add", "v": 1}, {"p": "/a/0", "o": "remove", "v": None}],
        ),
        _reread(  # truncating a long string that is not the answer text
            [{"p": "/s", "o": "add", "v": "\u00e9" * (1 << 20)}],
            [
                {"p": "/s", "o": "truncate", "v": (1 << 20) - 1},
                {"p": "/s", "o": "append", "v": "\u00e9"},
            ],
        ),
    ],
    ids=["text-switch", "id", "array-front", "other-string"],
)
def test_operations_that_reread_the_document_are_budgeted(stream: bytes) -> None:
    d = ConversationDecoder()
    with pytest.raises(StreamDecodeError, match="re-read"):
        for i in range(0, len(stream), 4096):
            d.feed(stream[i : i + 4096])


def test_first_feed_does_not_copy_a_huge_chunk() -> None:
    # A 64 MiB chunk without a line break: refused at the line limit, without a copy of itself.
    child = run_child(
        """
        import resource
        from fastg4f.errors import StreamDecodeError
        from fastg4f.stream import ConversationDecoder, LineDecoder, SSEDecoder

        data = b"x" * (64 << 20)
        for make in (SSEDecoder, ConversationDecoder, LineDecoder):
            for chunk in (data, bytearray(data)):
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                try:
                    make(1 << 20).feed(chunk) if make is not ConversationDecoder else make(
                        max_event_bytes=1 << 20
                    ).feed(chunk)
                except StreamDecodeError:
                    pass
                grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
                print(make.__name__, type(chunk).__name__, grown // 1024)
                del chunk
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    for line in child.stdout.splitlines():
        assert int(line.split()[-1]) < 16, child.stdout  # MiB of peak growth


def test_fork_during_a_feed_leaves_a_clear_error_in_the_child() -> None:
    # A thread is inside feed() (the decoder locked) when the process forks: the thread does not
    # exist in the child, so the lock would never be released. The child gets an error instead.
    child = run_child(
        """
        import os, threading, time
        from fastg4f.errors import StreamDecodeError
        from fastg4f.stream import ConversationDecoder
        from tests.native.conversation_fixtures import TEXT, frame, message

        add = frame({"p": "", "o": "add", "v": {"message": message("a", "assistant")}, "c": 0})
        piece = b'data: {"v":"abcd"}\\n\\n'
        big = add + frame({"p": TEXT, "o": "append", "v": "x"}) + piece * (6 << 20)
        d = ConversationDecoder(max_document_bytes=1 << 30)
        started, done = threading.Event(), threading.Event()

        def feed():
            started.set()
            d.feed(big)
            done.set()

        t = threading.Thread(target=feed)
        t.start()
        started.wait()
        time.sleep(0.05)
        busy = not done.is_set()
        pid = os.fork()
        if pid == 0:
            try:
                d.feed(b"data: [DONE]\\n\\n")
                os._exit(3)
            except StreamDecodeError as exc:
                os._exit(0 if "forked" in str(exc) else 4)
        for _ in range(200):
            got, status = os.waitpid(pid, os.WNOHANG)
            if got:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            status = "hung"
        t.join()
        print(busy, status)
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    busy, status = child.stdout.split()
    if busy != "True":
        pytest.skip("the feed ended before the fork on this machine")
    assert status == "0", child.stdout
