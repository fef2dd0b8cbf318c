"""``timeout`` bounds connecting, the wait for headers and each wait for body data.

Every method, streamed or not, on both transports, sync and async, against a real local server
that accepts the request and never answers (or stops after the first body chunk). The upper
bound asserted is a correctness bound (curl's own low-speed check took about 7 s for a POST
with ``timeout=1``), loose enough for a busy machine; it is not a speed claim.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from fastg4f import errors
from fastg4f.requests import Session, StreamSession
from tests.servers import LocalServer

BACKENDS = ["curl_cffi", "httpx"]
TIMEOUT = 1.0
BOUND = 4.0
BODY = {"prompt": "x" * 4000}
CASES = [
    (method, stream, path)
    for method in ("GET", "POST", "PUT", "DELETE", "HEAD")
    for stream in (True, False)
    for path in ("/slow", "/slow-body")
    if not (method == "HEAD" and path == "/slow-body")
]


def _body(method: str) -> dict[str, Any]:
    return {"json": BODY} if method in ("POST", "PUT") else {}


def _check(results: list[tuple[Any, BaseException | None, float]]) -> None:
    for case, error, elapsed in results:
        assert isinstance(error, errors.TimeoutError), (case, error)
        assert elapsed < BOUND, (case, elapsed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_silent_server_times_out(http_server: LocalServer, backend: str) -> None:
    results: list[tuple[Any, BaseException | None, float]] = []
    lock = threading.Lock()

    def one(case: tuple[str, bool, str]) -> None:
        method, stream, path = case
        start = time.monotonic()
        error: BaseException | None = None
        try:
            with Session(backend=backend, timeout=TIMEOUT) as s:
                response = s.request(method, http_server.url(path), stream=stream, **_body(method))
                with response:
                    response.read()
        except BaseException as exc:  # checked below
            error = exc
        with lock:
            results.append((case, error, time.monotonic() - start))

    threads = [threading.Thread(target=one, args=(case,)) for case in CASES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    http_server.event("release").set()
    assert len(results) == len(CASES)
    _check(results)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_silent_server_times_out(http_server: LocalServer, backend: str) -> None:
    async def one(case: tuple[str, bool, str]) -> tuple[Any, BaseException | None, float]:
        method, stream, path = case
        start = time.monotonic()
        try:
            async with StreamSession(backend=backend, timeout=TIMEOUT) as s:
                pending = s.request(method, http_server.url(path), stream=stream, **_body(method))
                async with pending as response:
                    await response.read()
        except BaseException as exc:  # checked below
            return case, exc, time.monotonic() - start
        return case, None, time.monotonic() - start

    results = await asyncio.gather(*(one(case) for case in CASES))
    http_server.event("release").set()
    _check(list(results))


@pytest.mark.parametrize("backend", BACKENDS)
def test_sync_session_works_after_giving_up(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend, timeout=TIMEOUT) as s:
        with pytest.raises(errors.TimeoutError, match="raise timeout="):
            s.post(http_server.url("/slow"), json=BODY, stream=True)
        http_server.event("release").set()
        assert s.post(http_server.url("/echo"), json={"k": 1}).json()["body"] == '{"k":1}'


@pytest.mark.parametrize("backend", BACKENDS)
async def test_async_session_works_after_giving_up(http_server: LocalServer, backend: str) -> None:
    async with StreamSession(backend=backend, timeout=TIMEOUT) as s:
        with pytest.raises(errors.TimeoutError, match="raise timeout="):
            await s.post(http_server.url("/slow"), json=BODY)
        http_server.event("release").set()
        response = await s.post(http_server.url("/echo"), json={"k": 1})
        assert (await response.json())["body"] == '{"k":1}'


async def test_async_cancelled_wait_raises_cancelled(http_server: LocalServer) -> None:
    async with StreamSession(backend="curl_cffi", timeout=5) as s:
        task = asyncio.ensure_future(s.post(http_server.url("/slow"), json=BODY))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        http_server.event("release").set()
        response = await s.get(http_server.url("/echo"))
        assert response.status == 200
