"""``fastg4f.providers._common``: bounded body reads against a real local server."""

from __future__ import annotations

import json

import pytest

from fastg4f.errors import ResponseError
from fastg4f.providers._common import read_body, read_json
from fastg4f.requests import StreamSession
from tests.servers import LocalServer


async def test_read_body_reads_a_body_within_the_limit(http_server: LocalServer) -> None:
    async with StreamSession() as session, session.get(http_server.url("/echo")) as response:
        body = await read_body(response, 1 << 20, "Probe")
    assert json.loads(body)["path"] == "/echo"


async def test_read_body_refuses_a_body_over_the_limit(http_server: LocalServer) -> None:
    async with StreamSession() as session, session.get(http_server.url("/endless")) as response:
        with pytest.raises(ResponseError, match=r"Probe: .* larger than 64 bytes") as error:
            await read_body(response, 64, "Probe")
    assert "/endless" in str(error.value)
    assert http_server.event("client-gone").wait(5)


async def test_read_json_refuses_a_body_that_is_not_json(http_server: LocalServer) -> None:
    url = http_server.url("/status?code=200&body=nope")
    async with StreamSession() as session, session.get(url) as response:
        with pytest.raises(ResponseError, match="not JSON"):
            await read_json(response, "Probe")
