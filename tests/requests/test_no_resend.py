"""A request that is not idempotent is never sent twice: a server that reads a POST and closes
its kept-alive connection without answering gets it once, with both transports, sync and async,
streamed or not, and the caller gets fastg4f's ConnectionError naming the request."""

from __future__ import annotations

import asyncio

import pytest

from fastg4f import errors
from fastg4f.requests import Session, StreamSession
from tests.servers import DroppingServer

BACKENDS = ["curl_cffi", "httpx"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[False, True], ids=["read", "stream"])
def stream(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def dropping() -> DroppingServer:
    server = DroppingServer(hang=0.3)
    yield server  # type: ignore[misc]
    server.stop()


def _check(server: DroppingServer, exc: BaseException) -> None:
    assert server.count("POST") == 1, server.methods
    assert isinstance(exc, errors.ConnectionError)
    assert f"POST {server.url('/submit')}" in str(exc)
    assert "not re-sent" in str(exc)


def test_sync_post_is_sent_once(dropping: DroppingServer, backend: str, stream: bool) -> None:
    with Session(backend=backend, timeout=10) as s:
        assert s.get(dropping.url("/warm")).json() == {"ok": True}  # a kept-alive connection
        with pytest.raises(errors.ConnectionError) as caught:
            s.post(dropping.url("/submit"), json={"order": 1}, stream=stream).read()
    _check(dropping, caught.value)


def _async_post_error(
    server: DroppingServer, backend: str, stream: bool, name: str | None = None
) -> BaseException:
    """The error of an async POST to ``server`` (after a GET that leaves a kept-alive
    connection)."""

    async def main() -> BaseException:
        async with StreamSession(backend=backend, name=name, timeout=10) as s:
            assert await (await s.get(server.url("/warm"), stream=False)).json() == {"ok": True}
            try:
                async with s.post(server.url("/submit"), json={"order": 1}, stream=stream) as r:
                    await r.read()
            except errors.FastG4FError as exc:
                return exc
        raise AssertionError("the POST did not fail")

    return asyncio.run(main())


def test_async_post_is_sent_once(dropping: DroppingServer, backend: str, stream: bool) -> None:
    _check(dropping, _async_post_error(dropping, backend, stream))


def test_idempotent_requests_name_the_request(dropping: DroppingServer, backend: str) -> None:
    with Session(backend=backend, timeout=10) as s, pytest.raises(errors.ConnectionError) as caught:
        s.delete(dropping.url("/thing")).read()
    assert f"DELETE {dropping.url('/thing')}: " in str(caught.value)


def test_provider_errors_name_the_provider_and_the_url(dropping: DroppingServer) -> None:
    from fastg4f.providers.Aichat import Aichat

    api = dropping.url("/aichat/api/text")
    original = Aichat.url
    Aichat.url = dropping.url("/aichat/chat")
    try:
        with pytest.raises(errors.ConnectionError) as caught:
            asyncio.run(
                Aichat.create_async("", [{"role": "user", "content": "hi"}], cookies={"a": "b"})
            )
    finally:
        Aichat.url = original
    assert str(caught.value).startswith(f"Aichat: POST {api} (not re-sent")
    assert dropping.count("POST") == 1


def test_a_named_session_names_the_provider_with_both_backends(
    dropping: DroppingServer, backend: str
) -> None:
    # What a provider's session raises (providers pass their name): the same message whichever
    # transport sends the request, sync or async.
    prefix = f"Prov: POST {dropping.url('/submit')} (not re-sent"
    with (
        Session(backend=backend, name="Prov", timeout=10) as s,
        pytest.raises(errors.ConnectionError, match=r"^Prov: POST ") as caught,
    ):
        s.post(dropping.url("/submit"), json={"order": 1}).read()
    assert str(caught.value).startswith(prefix)

    exc = _async_post_error(dropping, backend, stream=True, name="Prov")
    assert isinstance(exc, errors.ConnectionError) and str(exc).startswith(prefix)
    assert dropping.count("POST") == 2  # one per call, none re-sent
