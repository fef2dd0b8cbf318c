"""SSEDecoder and ServerSentEvent: WHATWG rules, chunk-boundary invariance, limits, adaptors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastg4f.errors import StreamDecodeError
from fastg4f.stream import ServerSentEvent, SSEDecoder, aiter_sse, iter_sse
from tests.reference.sse_reference import RefEvent, reference_events

from .strategies import chunked, line_streams


def decode(chunks: list[bytes], decoder: SSEDecoder | None = None) -> list[RefEvent]:
    d = decoder or SSEDecoder()
    out = []
    for c in chunks:
        out.extend(d.feed(c))
    out.extend(d.flush())
    return [RefEvent(e.event, e.data, e.id, e.retry) for e in out]


def ev(data: str, event: str = "message", id: str = "", retry: int | None = None) -> RefEvent:
    return RefEvent(event, data, id, retry)


SPEC_CASES = [
    pytest.param(b"\xef\xbb\xbfdata: a\n\n", [ev("a")], id="bom"),
    pytest.param(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n", [], id="second-bom-is-part-of-field"),
    pytest.param(b"data: a\r\n\r\ndata: b\r\rdata: c\n\n", [ev("a"), ev("b"), ev("c")], id="eols"),
    pytest.param(b": comment\ndata: a\n:\n\n", [ev("a")], id="comments"),
    pytest.param(b"data\n\n", [ev("")], id="no-colon-field"),
    pytest.param(b"data:a\ndata:  b\n\n", [ev("a\n b")], id="one-optional-space"),
    pytest.param(b"data: a\ndata:\ndata: b\n\n", [ev("a\n\nb")], id="multi-line"),
    pytest.param(b"data:\n\n", [ev("")], id="empty-data-dispatches"),
    pytest.param(b"event: x\n\ndata: a\n\n", [ev("a")], id="no-data-no-dispatch-type-reset"),
    pytest.param(b"event: x\ndata: a\n\ndata: b\n\n", [ev("a", "x"), ev("b")], id="type-reset"),
    pytest.param(b"event:\ndata: a\n\n", [ev("a")], id="empty-type-is-message"),
    pytest.param(
        b"id: 1\ndata: a\n\ndata: b\n\n", [ev("a", id="1"), ev("b", id="1")], id="id-kept"
    ),
    pytest.param(b"id: 1\n\nid\ndata: b\n\n", [ev("b")], id="id-reset-by-empty"),
    pytest.param(
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [ev("a", id="1"), ev("b", id="1")],
        id="id-nul",
    ),
    pytest.param(b"retry: 10\ndata: a\n\ndata: b\n\n", [ev("a", retry=10), ev("b")], id="retry"),
    pytest.param(
        b"retry: 1a\ndata: a\n\nretry:\ndata: b\n\n", [ev("a"), ev("b")], id="retry-digits-only"
    ),
    pytest.param(
        b"retry: -1\ndata: a\n\nretry: 1.5\ndata: b\n\n", [ev("a"), ev("b")], id="retry-no-sign"
    ),
    pytest.param(b"retry: 99999999999999999999\ndata: a\n\n", [ev("a")], id="retry-over-u64"),
    pytest.param(b"foo: bar\ndata : x\nDATA: y\ndata: a\n\n", [ev("a")], id="unknown-fields"),
    pytest.param(b"data: a\n\ndata: b", [ev("a")], id="unterminated-final-event"),
    pytest.param(b"data: a\n\ndata: b\n", [ev("a")], id="final-event-without-blank-line"),
    pytest.param(b"data: \xff\xfe\xe2\x82\n\n", [ev("\ufffd\ufffd\ufffd")], id="invalid-utf8"),
    pytest.param(b"data: \xf0\x9f\x98\x80\n\n", [ev("\U0001f600")], id="4-byte-utf8"),
    pytest.param(b"event: delta\ndata: {} \n\n", [ev("{} ", "delta")], id="trailing-space-kept"),
]


@pytest.mark.parametrize(("stream", "want"), SPEC_CASES)
def test_spec_cases(stream: bytes, want: list[RefEvent]) -> None:
    assert reference_events(stream) == want
    assert decode([stream]) == want
    # Byte by byte: every chunk boundary at once.
    assert decode([stream[i : i + 1] for i in range(len(stream))]) == want


def test_multibyte_split_across_chunks() -> None:
    stream = "data: h\u00e9\u20ac\U0001f600!\n\n".encode()
    for cut in range(len(stream) + 1):
        assert decode([stream[:cut], stream[cut:]]) == [ev("h\u00e9\u20ac\U0001f600!")]


def test_cr_at_chunk_end_then_lf() -> None:
    assert decode([b"data: a\r", b"\n\r", b"\ndata: b\r", b"\r"]) == [ev("a"), ev("b")]


def test_bom_split_across_chunks() -> None:
    assert decode([b"\xef", b"\xbb", b"\xbfdata: a\n\n"]) == [ev("a")]
    assert decode([b"\xef", b"\xbbdata: a\n\n"]) == []  # "\ufffddata" is an unknown field


@settings(max_examples=1000, deadline=None)
@given(st.data(), line_streams)
def test_any_chunking_matches_reference(data: st.DataObject, stream: bytes) -> None:
    want = reference_events(stream)
    assert decode([stream]) == want
    assert decode(data.draw(chunked(stream))) == want


def test_decoder_state_and_flush_resets() -> None:
    d = SSEDecoder(max_event_bytes=64)
    assert d.max_event_bytes == 64
    assert d.last_event_id == "" and d.retry is None
    assert d.feed(b"id: 7\nretry: 30\ndata: x\n\ndata: pend") == [
        ServerSentEvent("message", "x", "7", 30)
    ]
    assert d.flush() == []
    assert d.last_event_id == "7" and d.retry == 30
    # A new stream after flush: the pending "pend" was discarded, the BOM is stripped again.
    assert decode([b"\xef\xbb\xbfdata: y\n\n"], d) == [ev("y", id="7")]


def test_event_limit() -> None:
    d = SSEDecoder(16)
    assert d.feed(b"data: 0123456789\n\n") != []
    with pytest.raises(StreamDecodeError, match="exceeds the limit of 16 bytes"):
        d.feed(b"data: 0123456789\ndata: 0123456789\n\n")
    with pytest.raises(StreamDecodeError):
        d.feed(b"\n")
    with pytest.raises(StreamDecodeError, match="exceeds the limit"):
        SSEDecoder(16).feed(b"data: " + b"x" * 100)
    with pytest.raises(ValueError, match="max_event_bytes"):
        SSEDecoder(0)


def test_server_sent_event_object() -> None:
    e = ServerSentEvent(data='{"a": [1, "\u00e9"]}', id="3")
    assert e.event == "message" and e.retry is None and e.id == "3"
    assert e.json() == {"a": [1, "\u00e9"]}
    assert e == ServerSentEvent("message", '{"a": [1, "\u00e9"]}', "3", None)
    assert hash(e) == hash(ServerSentEvent("message", '{"a": [1, "\u00e9"]}', "3"))
    assert e != ServerSentEvent(data="x")
    assert repr(ServerSentEvent(data="a\n'b")) == (
        "ServerSentEvent(event='message', data=\"a\\n'b\", id='', retry=None)"
    )
    with pytest.raises(AttributeError):
        e.data = "y"  # type: ignore[misc]
    assert type(e).__module__ == "fastg4f._native"


def test_large_chunk_path_is_equal() -> None:
    stream = b"event: e\ndata: " + b"x" * 300_000 + b"\n\ndata: end\n\n"
    assert decode([stream]) == [ev("x" * 300_000, "e"), ev("end")]


def test_iter_sse_and_limits() -> None:
    assert [e.data for e in iter_sse([b"data: a\n", b"\ndata: b\n\n"])] == ["a", "b"]
    with pytest.raises(StreamDecodeError):
        list(iter_sse([b"data: abcdef\n\n"], max_event_bytes=4))


async def test_aiter_sse() -> None:
    async def gen() -> object:
        for c in (b"event: x\r\ndata: 1\r", b"\n\r\n", b"data: 2"):
            yield c

    got = [(e.event, e.data) async for e in aiter_sse(gen())]  # type: ignore[arg-type]
    assert got == [("x", "1")]
