"""What a hostile or failing upstream sends reaches the caller: ChatGpt's stream that carries
some text and then the server's error event ends in a ConnectionError quoting that error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from fastg4f.errors import ConnectionError
from fastg4f.providers.ChatGpt import ChatGpt
from tests.servers import Handler, LocalServer

UPSTREAM_ERROR = "The upstream model is overloaded (code 7)"


def _page(h: Handler) -> None:
    h.send(200, "<html data-build='b1'></html>", "text/html; charset=utf-8")


def _requirements(h: Handler) -> None:
    h.body()
    h.send_json(
        200,
        {"token": "t0k", "proofofwork": {"required": False}, "turnstile": {"required": False}},
    )


def _text_then_error(h: Handler) -> None:
    h.body()
    message = {
        "id": "m1",
        "author": {"role": "assistant"},
        "content": {"content_type": "text", "parts": ["Partial answer"]},
        "status": "in_progress",
        "recipient": "all",
        "metadata": {},
    }
    h.start_chunked(200, "text/event-stream")
    h.chunk(f"data: {json.dumps({'message': message, 'conversation_id': 'c1'})}\n\n".encode())
    h.chunk(f"data: {json.dumps({'error': UPSTREAM_ERROR})}\n\n".encode())
    h.end_chunked()


@pytest.fixture
def upstream() -> Iterator[LocalServer]:
    with LocalServer(
        {
            "/": _page,
            "/backend-anon/sentinel/chat-requirements": _requirements,
            "/backend-anon/conversation": _text_then_error,
        }
    ) as server:
        yield server


def test_an_error_event_after_text_is_carried_in_the_error(upstream: LocalServer) -> None:
    class Local(ChatGpt):
        url = upstream.url("/")

    async def collect() -> list[str]:
        return [
            d
            async for d in Local.create_async_generator(
                "auto", [{"role": "user", "content": "hi"}], pause=0, timeout=10
            )
        ]

    with pytest.raises(ConnectionError) as caught:
        asyncio.run(collect())
    assert "ended before the answer was complete" in str(caught.value)
    assert UPSTREAM_ERROR in str(caught.value)
