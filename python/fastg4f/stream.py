"""Stream decoding: lines, server-sent events and ChatGPT text deltas over byte-chunk iterators.

The decoders are native (``fastg4f._native``) incremental state machines: ``feed(bytes)`` returns
whatever the chunk completes and ``flush()`` ends the stream. Any way of cutting the same bytes
into chunks gives the same result. Every buffer has an explicit limit; going over it raises
:class:`~fastg4f.errors.StreamDecodeError` (a ``ValueError``), so memory stays bounded whatever
the peer sends; every operation costs time in proportion to its own size, so a feed is bounded
by the size of its chunk. The defaults are the ``DEFAULT_*`` constants of ``fastg4f._native``
(re-exported here); docs/LIMITS.md lists every limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from fastg4f._native import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_DOCUMENT_BYTES,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    ConversationDecoder,
    LineDecoder,
    ServerSentEvent,
    SSEDecoder,
)

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "ConversationDecoder",
    "LineDecoder",
    "SSEDecoder",
    "ServerSentEvent",
    "aiter_lines",
    "aiter_sse",
    "aiter_text_deltas",
    "iter_lines",
    "iter_sse",
    "iter_text_deltas",
]


def iter_lines(
    chunks: Iterable[bytes], *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[bytes]:
    """Yields the lines of a byte stream, without their terminators.

    Args:
        chunks: The stream as byte chunks of any size.
        max_line_bytes: Largest accepted line in bytes; the decoder buffers at most this much.

    Yields:
        Each line split on LF, CR or CRLF; an unterminated last line is yielded at the end.

    Raises:
        StreamDecodeError: A line is longer than ``max_line_bytes``.
    """
    decoder = LineDecoder(max_line_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_lines(
    chunks: AsyncIterable[bytes], *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> AsyncIterator[bytes]:
    """Async form of :func:`iter_lines` over an async iterable of byte chunks."""
    decoder = LineDecoder(max_line_bytes)
    async for chunk in chunks:
        for line in decoder.feed(chunk):
            yield line
    for line in decoder.flush():
        yield line


def iter_sse(
    chunks: Iterable[bytes], *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    """Yields the server-sent events of a byte stream (WHATWG rules).

    Args:
        chunks: The ``text/event-stream`` body as byte chunks of any size.
        max_event_bytes: Largest accepted line and event (data plus type) in bytes.

    Yields:
        Each dispatched event; an unterminated final event is discarded, as the spec says.

    Raises:
        StreamDecodeError: A line or an event is larger than ``max_event_bytes``.
    """
    decoder = SSEDecoder(max_event_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_sse(
    chunks: AsyncIterable[bytes], *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> AsyncIterator[ServerSentEvent]:
    """Async form of :func:`iter_sse` over an async iterable of byte chunks."""
    decoder = SSEDecoder(max_event_bytes)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.flush():
        yield event


def _conversation_decoder(
    decoder: ConversationDecoder | None,
    max_event_bytes: int,
    max_document_bytes: int,
    max_depth: int,
    coalesce: bool,
) -> ConversationDecoder:
    if decoder is not None:
        return decoder
    return ConversationDecoder(
        max_event_bytes=max_event_bytes,
        max_document_bytes=max_document_bytes,
        max_depth=max_depth,
        coalesce=coalesce,
    )


def iter_text_deltas(
    chunks: Iterable[bytes],
    *,
    decoder: ConversationDecoder | None = None,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    coalesce: bool = True,
) -> Iterator[str]:
    """Yields the assistant text deltas of a ChatGPT web conversation stream.

    Both the legacy cumulative format and ``delta_encoding`` v1 are recognised on their own.

    Args:
        chunks: The raw response body as byte chunks of any size.
        decoder: A decoder to use, so that the caller can read ``conversation_id``,
            ``message_id``, ``title``, ``finished`` and ``error`` afterwards; the limits and
            ``coalesce`` are then taken from it.
        max_event_bytes: Largest accepted SSE line and event in bytes.
        max_document_bytes: Largest total size of the v1 message documents kept, in bytes.
        max_depth: Deepest nesting of a v1 message document (objects and arrays), in levels.
        coalesce: Join the deltas of one chunk into one piece (default; fewer, larger pieces
            and the fastest path). ``False`` yields one piece per text-changing event.

    Yields:
        Non-empty text pieces whose concatenation is the answer text.

    Raises:
        StreamDecodeError: A limit was exceeded, or the stream made the decoder re-read its
            documents more than 8 times the bytes received (see ``ConversationDecoder``).
    """
    dec = _conversation_decoder(decoder, max_event_bytes, max_document_bytes, max_depth, coalesce)
    for chunk in chunks:
        yield from dec.feed(chunk)
    yield from dec.flush()


async def aiter_text_deltas(
    chunks: AsyncIterable[bytes],
    *,
    decoder: ConversationDecoder | None = None,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    coalesce: bool = True,
) -> AsyncIterator[str]:
    """Async form of :func:`iter_text_deltas` over an async iterable of byte chunks."""
    dec = _conversation_decoder(decoder, max_event_bytes, max_document_bytes, max_depth, coalesce)
    async for chunk in chunks:
        for delta in dec.feed(chunk):
            yield delta
    for delta in dec.flush():
        yield delta
