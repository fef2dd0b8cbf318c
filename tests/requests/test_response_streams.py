"""``Response.iter_sse`` and the ChatGPT text deltas of a response body (``fastg4f.stream``
over ``iter_content``), sync and async, over both transports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from fastg4f.requests import Session, StreamSession
from fastg4f.stream import ConversationDecoder, aiter_text_deltas, iter_text_deltas
from tests.servers import Handler, LocalServer

BACKENDS = ["curl_cffi", "httpx"]

SSE_BODY = "event: greet\ndata: héllo\ndata: wörld\n\n: comment\nid: 7\ndata: 你好\n\n".encode()
ANSWER = "Grüße — 你好 ✓"


def _legacy_frames() -> bytes:
    frames = []
    for i in range(1, len(ANSWER) + 1):
        message = {
            "author": {"role": "assistant"},
            "content": {"content_type": "text", "parts": [ANSWER[:i]]},
            "status": "in_progress" if i < len(ANSWER) else "finished_successfully",
            "end_turn": i == len(ANSWER) or None,
            "recipient": "all",
        }
        frames.append(f"data: {json.dumps({'message': message}, ensure_ascii=False)}\n\n")
    frames.append("data: [DONE]\n\n")
    return "".join(frames).encode()


def _chunked(body: bytes, size: int) -> Callable[[Handler], None]:
    def route(h: Handler) -> None:
        h.start_chunked(200, "text/event-stream")
        for i in range(0, len(body), size):
            h.chunk(body[i : i + size])
        h.end_chunked()

    return route


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(
        {"/sse": _chunked(SSE_BODY, 3), "/conversation": _chunked(_legacy_frames(), 5)}
    ) as running:
        yield running


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_iter_sse(server: LocalServer, backend: str) -> None:
    with Session(backend=backend, timeout=10) as s:  # type: ignore[arg-type]
        response = s.get(server.url("/sse"), stream=True)
        events = [(e.event, e.data, e.id) for e in response.iter_sse()]
    assert events == [("greet", "héllo\nwörld", ""), ("message", "你好", "7")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_iter_text_deltas(server: LocalServer, backend: str) -> None:
    decoder = ConversationDecoder(coalesce=False)
    with Session(backend=backend, timeout=10) as s:  # type: ignore[arg-type]
        response = s.get(server.url("/conversation"), stream=True)
        deltas = list(iter_text_deltas(response.iter_content(), decoder=decoder))
    assert "".join(deltas) == ANSWER
    assert len(deltas) == len(ANSWER)
    assert decoder.finished


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_forms(server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, timeout=10) as s:  # type: ignore[arg-type]
        async with s.get(server.url("/sse")) as response:
            events = [e.data async for e in response.iter_sse()]
        async with s.get(server.url("/conversation")) as response:
            text = "".join([d async for d in aiter_text_deltas(response.iter_content())])
    assert events == ["héllo\nwörld", "你好"]
    assert text == ANSWER


async def test_closing_early_closes_the_body(server: LocalServer) -> None:
    async with StreamSession(timeout=10) as s:
        response = await s.get(server.url("/conversation"))
        body = response.iter_content()
        deltas = aiter_text_deltas(body)
        first = await deltas.__anext__()
        await deltas.aclose()
        await body.aclose()
        assert ANSWER.startswith(first)
        with pytest.raises(RuntimeError, match="already read"):
            await response.read()
