"""fastg4f.requests.StreamSession against real local servers, over both transports."""

from __future__ import annotations

import asyncio

import pytest

from fastg4f import errors
from fastg4f.requests import StreamResponse, StreamSession, raise_for_status
from tests.servers import ForwardProxy, LocalServer

BACKENDS = ["curl_cffi", "httpx"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_await_and_async_with(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, headers={"x-session": "s"}) as s:
        r = await s.get(http_server.url("/echo"), params={"a": "1"})
        assert isinstance(r, StreamResponse)
        assert r.status == r.status_code == 200
        assert r.ok
        data = await r.json()
        assert data["query"] == {"a": "1"}
        assert data["headers"]["x-session"] == "s"
        async with s.post(http_server.url("/echo"), json={"x": 1}) as r2:
            assert (await r2.json())["method"] == "POST"
            assert "application/json" in (await r2.text())


async def test_chunks_arrive_before_the_body_ends(http_server: LocalServer, backend: str) -> None:
    gate = http_server.event("gate")
    async with (
        StreamSession(backend=backend, timeout=20) as s,
        s.get(http_server.url("/stream?n=3")) as r,
    ):
        chunks = r.iter_content()
        first = await chunks.__anext__()
        assert first == b"line-0\n"
        assert not gate.is_set()
        gate.set()
        rest = b"".join([c async for c in chunks])
    assert rest == b"line-1\nline-2\n"


async def test_iter_lines(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend) as s, s.get(http_server.url("/split-lines")) as r:
        assert [line async for line in r.iter_lines()] == [b"alpha", b"beta", b"", b"gamma"]


async def test_cookies_persist(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, cookies={"initial": "1"}) as s:
        async with s.get(http_server.url("/set-cookie?token=t1")) as r:
            assert r.cookies == {"token": "t1"}
        assert s.cookies["token"] == "t1"
        r = await s.get(http_server.url("/cookies"))
        assert await r.json() == {"initial": "1", "token": "t1"}


async def test_redirects(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend) as s:
        r = await s.get(http_server.url("/redirect?hops=2&to=/echo"))
        assert r.url.endswith("/echo")
        assert (await r.json())["path"] == "/echo"


async def test_timeouts(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, timeout=0.5) as s:
        with pytest.raises(errors.TimeoutError):
            await s.get(http_server.url("/slow"))
        r = await s.get(http_server.url("/slow-body"))
        chunks = r.iter_content()
        assert await chunks.__anext__() == b"first\n"
        with pytest.raises(TimeoutError):
            await chunks.__anext__()
    http_server.event("release").set()


async def test_connection_refused(backend: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with StreamSession(backend=backend, timeout=5) as s:
        with pytest.raises(errors.ConnectionError):
            await s.get(f"http://127.0.0.1:{port}/")


async def test_early_close(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, timeout=20) as s:
        async with s.get(http_server.url("/endless")) as r:
            lines = r.iter_lines()
            assert await lines.__anext__() == b"tick 0"
            await lines.aclose()
        gone = http_server.event("client-gone")
        assert await asyncio.to_thread(gone.wait, 10), "the server never saw the client leave"
        # the session is still usable
        assert (await (await s.get(http_server.url("/echo"))).json())["method"] == "GET"


async def test_proxy(http_server: LocalServer, forward_proxy: ForwardProxy, backend: str) -> None:
    async with StreamSession(backend=backend, proxy=forward_proxy.base) as s:
        r = await s.get(http_server.url("/echo"))
        assert r.headers["x-via-test-proxy"] == "1"
        await r.close()
    assert len(forward_proxy.requests) == 1


@pytest.mark.parametrize(
    ("path", "error", "needle"),
    [
        ("/rate-limited", errors.RateLimitError, "slow down"),
        ("/cloudflare", errors.CloudflareError, "Cloudflare"),
        ("/cloudflare-header", errors.CloudflareError, "Cloudflare"),
        ("/detail", errors.ResponseStatusError, "Model not supported"),
        ("/big-error", errors.ResponseStatusError, "500"),
    ],
)
async def test_await_raise_for_status(
    http_server: LocalServer, backend: str, path: str, error: type[Exception], needle: str
) -> None:
    async with StreamSession(backend=backend) as s, s.get(http_server.url(path)) as r:
        pending = raise_for_status(r)
        with pytest.raises(error, match=needle) as info:
            await pending
    assert type(info.value) is error


async def test_await_raise_for_status_ok(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend) as s, s.get(http_server.url("/echo")) as r:
        await raise_for_status(r)
        assert (await r.json())["method"] == "GET"


async def test_unawaited_check_of_a_failed_async_response_warns(
    http_server: LocalServer, backend: str
) -> None:
    async with StreamSession(backend=backend) as s, s.get(http_server.url("/detail")) as r:
        with pytest.warns(RuntimeWarning, match="not awaited"):
            raise_for_status(r)
