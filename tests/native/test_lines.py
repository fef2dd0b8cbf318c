"""LineDecoder: terminators, chunk-boundary invariance, limits, adaptors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastg4f.errors import StreamDecodeError
from fastg4f.stream import LineDecoder, aiter_lines, iter_lines
from tests.reference.sse_reference import reference_lines

from .strategies import chunked, line_streams


def decode(chunks: list[bytes], limit: int = 1 << 20) -> list[bytes]:
    d = LineDecoder(limit)
    out: list[bytes] = []
    for c in chunks:
        out.extend(d.feed(c))
    out.extend(d.flush())
    return out


@pytest.mark.parametrize(
    ("chunks", "want"),
    [
        ([b"a\nb\r\nc\rd"], [b"a", b"b", b"c", b"d"]),
        ([b"a\r", b"\nb"], [b"a", b"b"]),
        ([b"a\r", b"", b"\nb\n"], [b"a", b"b"]),
        ([b"a\r", b"\r\n"], [b"a", b""]),
        ([b"\n\n"], [b"", b""]),
        ([b"\r"], [b""]),
        ([b""], []),
        ([b"x\xff\n"], [b"x\xff"]),
    ],
)
def test_terminators(chunks: list[bytes], want: list[bytes]) -> None:
    assert decode(chunks) == want


@settings(max_examples=600, deadline=None)
@given(st.data(), line_streams)
def test_any_chunking_matches_reference(data: st.DataObject, stream: bytes) -> None:
    want = reference_lines(stream)
    assert decode([stream]) == want
    assert decode(data.draw(chunked(stream))) == want


def test_limit_raises_and_decoder_stays_failed() -> None:
    d = LineDecoder(max_line_bytes=4)
    assert d.max_line_bytes == 4
    assert d.feed(b"abcd\nab") == [b"abcd"]
    with pytest.raises(StreamDecodeError, match="exceeds the limit of 4 bytes"):
        d.feed(b"cde")
    with pytest.raises(StreamDecodeError, match="failed earlier"):
        d.feed(b"\n")
    assert isinstance(StreamDecodeError("x"), ValueError)


def test_unterminated_long_tail_is_refused() -> None:
    d = LineDecoder(8)
    with pytest.raises(StreamDecodeError):
        d.feed(b"x" * 9)


@pytest.mark.parametrize("bad", [0, -1])
def test_limit_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="max_line_bytes must be a positive"):
        LineDecoder(bad)


def test_feed_type_errors_and_bytearray() -> None:
    d = LineDecoder()
    with pytest.raises(TypeError, match="bytes or bytearray, not str"):
        d.feed("text")  # type: ignore[arg-type]
    assert d.feed(bytearray(b"a\n")) == [b"a"]


def test_large_input_released_gil_path_is_equal() -> None:
    stream = b"line\r\n" * 100_000
    assert decode([stream]) == [b"line"] * 100_000


def test_iter_lines() -> None:
    assert list(iter_lines([b"a\r", b"\nb", b"c"])) == [b"a", b"bc"]
    with pytest.raises(StreamDecodeError):
        list(iter_lines([b"abc"], max_line_bytes=2))


async def test_aiter_lines() -> None:
    async def gen() -> object:
        for c in (b"a\r", b"\nb", b"c\r"):
            yield c

    assert [x async for x in aiter_lines(gen())] == [b"a", b"bc"]  # type: ignore[arg-type]
