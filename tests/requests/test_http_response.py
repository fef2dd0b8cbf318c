"""Response body handling is independent of how the bytes were chunked (hypothesis)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastg4f.errors import StreamDecodeError
from fastg4f.requests import Headers, Response, StreamResponse


def _reference_lines(data: bytes) -> list[bytes]:
    lines = re.split(rb"\r\n|\r|\n", data)
    if lines[-1] == b"":
        lines.pop()
    return lines


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def _sync(pieces: list[bytes]) -> Response:
    return Response(
        status=200,
        url="http://127.0.0.1/",
        headers=Headers([("Content-Type", "text/plain; charset=utf-8")]),
        cookies={},
        backend="memory",
        chunks=iter(pieces),
        closer=lambda: None,
        translate=lambda exc: None,
    )


def _async(pieces: list[bytes]) -> StreamResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return StreamResponse(
        status=200,
        url="http://127.0.0.1/",
        headers=Headers([]),
        cookies={},
        backend="memory",
        chunks=chunks(),
        closer=lambda: None,
        translate=lambda exc: None,
    )


body = st.lists(st.sampled_from([b"a", b"\n", b"\r", b"\r\n", "é".encode(), b"data: x"])).map(
    b"".join
)


@settings(deadline=None)
@given(body, st.lists(st.integers(min_value=0, max_value=1000), max_size=8))
def test_iter_lines_ignores_chunking(data: bytes, cuts: list[int]) -> None:
    pieces = _split(data, cuts)
    assert list(_sync(pieces).iter_lines()) == _reference_lines(data)

    async def collect() -> list[bytes]:
        return [line async for line in _async(pieces).iter_lines()]

    assert asyncio.run(collect()) == _reference_lines(data)


@settings(deadline=None)
@given(body, st.lists(st.integers(min_value=0, max_value=1000), max_size=8))
def test_iter_content_yields_every_byte_in_order(data: bytes, cuts: list[int]) -> None:
    pieces = _split(data, cuts)
    chunks = list(_sync(pieces).iter_content())
    assert b"".join(chunks) == data
    assert all(chunks)
    assert _sync(pieces).text() == data.decode("utf-8", "replace")


def test_headers_are_case_insensitive_and_keep_repeats() -> None:
    h = Headers([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-One", "1")])
    assert h["SET-COOKIE"] == "a=1, b=2"
    assert h.get_list("Set-Cookie") == ["a=1", "b=2"]
    assert list(h) == ["set-cookie", "x-one"]
    assert len(h) == 2
    assert "x-one" in h
    assert h.get("missing") is None


def test_iter_lines_bounds_a_line_and_closes_the_response() -> None:
    closed: list[str] = []
    pieces = [b"ok\n", b"x" * 40, b"x" * 40, b"\n"]
    response = _sync(pieces)
    response._closer = lambda: closed.append("sync")
    lines = response.iter_lines(max_line_bytes=64)
    assert next(lines) == b"ok"
    with pytest.raises(StreamDecodeError):
        next(lines)
    assert closed == ["sync"]

    early = _sync([b"a\nb\n"])
    early._closer = lambda: closed.append("early")
    lines = early.iter_lines()
    assert next(lines) == b"a"
    lines.close()
    assert closed == ["sync", "early"]

    async def run_async() -> None:
        response = _async(pieces)
        lines = response.iter_lines(max_line_bytes=64)
        assert await lines.__anext__() == b"ok"
        with pytest.raises(StreamDecodeError):
            await lines.__anext__()
        assert response._closed

    asyncio.run(run_async())
