"""Hypothesis strategies shared by the stream tests."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

# Bytes rich in the characters that matter to line and event parsing.
_pieces = st.sampled_from(
    [
        b"\n",
        b"\r",
        b"\r\n",
        b":",
        b" ",
        b"data",
        b"event",
        b"id",
        b"retry",
        b"x",
        b"1",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80",
        b"\xff",
        b"\xe2\x82",
        b"data: ",
        b"data:",
        b"event: ",
        b"id: ",
        b"retry: ",
        b": comment",
        b"\n\n",
    ]
)
line_streams = st.lists(_pieces | st.binary(max_size=4), max_size=40).map(b"".join)


@st.composite
def chunked(draw: st.DrawFn, stream: bytes) -> list[bytes]:
    """Cuts ``stream`` into chunks at drawn positions (empty chunks included)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]
