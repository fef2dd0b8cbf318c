"""fastg4f.requests.Session against real local servers, over both transports."""

from __future__ import annotations

import json
import threading

import pytest

from fastg4f import errors
from fastg4f.requests import Response, Session, raise_for_status
from tests.servers import ForwardProxy, LocalServer, Socks5Proxy

BACKENDS = ["curl_cffi", "httpx"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_get_json_params_headers(http_server: LocalServer, backend: str) -> None:
    with (
        Session(backend=backend, headers={"x-session": "s"}) as s,
        s.get(http_server.url("/echo"), params={"q": "a b"}, headers={"x-req": "r"}) as r,
    ):
        assert isinstance(r, Response)
        assert r.status == r.status_code == 200
        assert r.ok
        assert r.backend == backend
        assert r.headers["Content-Type"] == "application/json"
        data = r.json()
    assert data["query"] == {"q": "a b"}
    assert data["headers"]["x-session"] == "s"
    assert data["headers"]["x-req"] == "r"


def test_post_json_and_data(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        sent = s.post(http_server.url("/echo"), json={"k": [1, "é"]}).json()
        assert sent["method"] == "POST"
        assert sent["headers"]["content-type"].startswith("application/json")
        assert json.loads(sent["body"]) == {"k": [1, "é"]}
        form = s.post(http_server.url("/echo"), data={"a": "1", "b": "x y"}).json()
        assert sorted(form["body"].split("&")) == ["a=1", "b=x+y"]
        raw = s.post(http_server.url("/echo"), data=b"raw-bytes").json()
        assert raw["body"] == "raw-bytes"


def test_chunks_arrive_before_the_body_ends(http_server: LocalServer, backend: str) -> None:
    gate = http_server.event("gate")
    with (
        Session(backend=backend, timeout=20) as s,
        s.get(http_server.url("/stream?n=4"), stream=True) as r,
    ):
        chunks = r.iter_content()
        first = next(chunks)
        # The server holds the rest of the body until the gate opens: chunk 0 came early.
        assert first == b"line-0\n"
        assert not gate.is_set()
        gate.set()
        rest = b"".join(chunks)
    assert rest == b"line-1\nline-2\nline-3\n"


@pytest.mark.parametrize("stream", [True, False])
def test_iter_lines_across_chunk_boundaries(
    http_server: LocalServer, backend: str, stream: bool
) -> None:
    with Session(backend=backend) as s, s.get(http_server.url("/split-lines"), stream=stream) as r:
        assert list(r.iter_lines()) == [b"alpha", b"beta", b"", b"gamma"]


def test_body_can_be_iterated_once_but_read_again(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        r = s.get(http_server.url("/echo"))
        assert r.text() == r.text()
        assert r.json()["method"] == "GET"
        r2 = s.get(http_server.url("/split-lines"), stream=True)
        list(r2.iter_content())
        with pytest.raises(RuntimeError, match="already read"):
            list(r2.iter_content())


def test_charset_from_content_type(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        assert s.get(http_server.url("/latin1")).text() == "café"


def test_cookies_persist_in_the_session(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend, cookies={"initial": "1"}) as s:
        r = s.get(http_server.url("/set-cookie?session=abc&theme=dark"))
        assert r.cookies == {"session": "abc", "theme": "dark"}
        r.close()
        assert s.cookies["session"] == "abc"
        sent = s.get(http_server.url("/cookies"), cookies={"extra": "e"}).json()
        assert sent == {"initial": "1", "session": "abc", "theme": "dark", "extra": "e"}
        # per-request cookies are not stored in the jar
        assert "extra" not in s.cookies


def test_redirects_are_followed(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        r = s.get(http_server.url("/redirect?hops=3&to=/echo"))
        assert r.status == 200
        assert r.url.endswith("/echo")
        assert r.json()["path"] == "/echo"
        assert s.cookies["redirected"] == "yes"
        r = s.get(http_server.url("/redirect?to=/echo"), allow_redirects=False)
        assert r.status == 302
        assert r.headers["location"] == "/echo"
        r.close()


def test_too_many_redirects(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s, pytest.raises(errors.ResponseError, match="redirect"):
        s.get(http_server.url("/redirect?hops=25&to=/echo"))


@pytest.mark.parametrize("stream", [True, False])
def test_timeout_waiting_for_headers(http_server: LocalServer, backend: str, stream: bool) -> None:
    with Session(backend=backend, timeout=0.5) as s, pytest.raises(errors.TimeoutError) as info:
        s.get(http_server.url("/slow"), stream=stream)
    assert isinstance(info.value, TimeoutError)
    http_server.event("release").set()


def test_timeout_while_reading_the_body(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        r = s.get(http_server.url("/slow-body"), timeout=0.5, stream=True)
        chunks = r.iter_content()
        assert next(chunks) == b"first\n"
        with pytest.raises(errors.TimeoutError):
            next(chunks)
    http_server.event("release").set()


def test_connection_refused(backend: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # nothing listens on the port any more
    with (
        Session(backend=backend, timeout=5) as s,
        pytest.raises(errors.ConnectionError, match="connection failed") as info,
    ):
        s.get(f"http://127.0.0.1:{port}/")
    assert isinstance(info.value, ConnectionError)


def test_unstreamed_body_is_read_before_returning(http_server: LocalServer, backend: str) -> None:
    http_server.event("gate").set()
    with Session(backend=backend) as s:
        r = s.get(http_server.url("/stream?n=3"))
        assert r.text() == "line-0\nline-1\nline-2\n"
        # a body that stalls makes the request itself time out
        with pytest.raises(errors.TimeoutError):
            s.get(http_server.url("/slow-body"), timeout=0.5)
    http_server.event("release").set()


def test_early_close_closes_the_stream(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend, timeout=20) as s:
        r = s.get(http_server.url("/endless"), stream=True)
        lines = r.iter_lines()
        assert next(lines) == b"tick 0"
        lines.close()  # stopping the consumer closes the response
    assert http_server.event("client-gone").wait(10), "the server never saw the client leave"


def test_close_response_without_reading(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend, timeout=20) as s:
        with s.get(http_server.url("/endless"), stream=True) as r:
            assert r.status == 200
        assert http_server.event("client-gone").wait(10)
        # the session still works afterwards
        assert s.get(http_server.url("/echo")).json()["method"] == "GET"


def test_http_proxy_is_used(
    http_server: LocalServer, forward_proxy: ForwardProxy, backend: str
) -> None:
    with Session(backend=backend, proxy=forward_proxy.base) as s:
        r = s.get(http_server.url("/echo?via=proxy"))
        assert r.headers["x-via-test-proxy"] == "1"
        assert r.json()["query"] == {"via": "proxy"}
    assert [(m, u) for m, u, _ in forward_proxy.requests] == [
        ("GET", http_server.url("/echo?via=proxy"))
    ]


def test_per_scheme_proxies(
    http_server: LocalServer, forward_proxy: ForwardProxy, backend: str
) -> None:
    with Session(backend=backend, proxies={"http": forward_proxy.base}) as s:
        assert s.get(http_server.url("/echo")).headers["x-via-test-proxy"] == "1"
    assert len(forward_proxy.requests) == 1


def test_socks5_proxy(http_server: LocalServer, socks5_proxy: Socks5Proxy, backend: str) -> None:
    try:
        s = Session(backend=backend, proxy=socks5_proxy.url)
    except errors.MissingRequirementsError as exc:
        # httpx needs the optional socksio package; the message says how to get it.
        assert backend == "httpx"
        assert "httpx[socks]" in str(exc)
        return
    with s:
        assert s.get(http_server.url("/echo")).json()["path"] == "/echo"
    assert socks5_proxy.connections == [("127.0.0.1", http_server.port)]


def test_session_is_thread_safe_enough_for_sequential_use(
    http_server: LocalServer, backend: str
) -> None:
    results: list[int] = []
    with Session(backend=backend) as s:

        def work() -> None:
            results.append(s.get(http_server.url("/echo")).status)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(10)
    assert results == [200]


def test_closed_session_refuses_requests(http_server: LocalServer, backend: str) -> None:
    s = Session(backend=backend)
    s.close()
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.get(http_server.url("/echo"))


@pytest.mark.parametrize(
    ("path", "error", "needle"),
    [
        ("/rate-limited", errors.RateLimitError, "Too many requests, slow down"),
        ("/cloudflare", errors.CloudflareError, "Cloudflare"),
        ("/cloudflare-header", errors.CloudflareError, "Cloudflare"),
        ("/detail", errors.ResponseStatusError, "400 from .*Model not supported"),
        ("/status?code=404&body=nothing+here", errors.ResponseStatusError, "404.*nothing here"),
    ],
)
def test_raise_for_status_mapping(
    http_server: LocalServer, backend: str, path: str, error: type[Exception], needle: str
) -> None:
    with Session(backend=backend) as s:
        r = s.get(http_server.url(path))
        with pytest.raises(error, match=needle) as info:
            raise_for_status(r)
    assert type(info.value) is error


def test_raise_for_status_truncates_the_body(http_server: LocalServer, backend: str) -> None:
    from fastg4f.requests import ERROR_BODY_CHARS

    with Session(backend=backend) as s:
        r = s.get(http_server.url("/big-error"))
        with pytest.raises(errors.ResponseStatusError) as info:
            raise_for_status(r)
    message = str(info.value)
    assert "500" in message
    assert "E" * ERROR_BODY_CHARS + "…" in message
    assert "END" not in message


def test_raise_for_status_ok_and_message(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        ok = s.get(http_server.url("/echo"))
        raise_for_status(ok)  # no error; the body stays readable
        assert ok.json()["method"] == "GET"
        bad = s.get(http_server.url("/big-error"))
        with pytest.raises(errors.ResponseStatusError, match="custom words") as info:
            raise_for_status(bad, "custom words")
        assert "EEE" not in str(info.value)


def test_cloudflare_markers_need_a_challenge_status(http_server: LocalServer, backend: str) -> None:
    with Session(backend=backend) as s:
        r = s.get(http_server.url("/status?code=500&body=Just+a+moment..."))
        with pytest.raises(errors.ResponseStatusError) as info:
            raise_for_status(r)
    assert type(info.value) is errors.ResponseStatusError


def test_bad_options_are_explained() -> None:
    with pytest.raises(ValueError, match="backend must be"):
        Session(backend="requests")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="proxy URL"):
        Session(proxy="ftp://127.0.0.1:21")
    with pytest.raises(ValueError, match="either proxy"):
        Session(proxy="http://127.0.0.1:1", proxies={"http": "http://127.0.0.1:1"})
    with pytest.raises(ValueError, match="proxies key"):
        Session(proxies={"ftp": "http://127.0.0.1:1"})
    with pytest.raises(ValueError, match="timeout must be"):
        Session(timeout=0)
    with pytest.raises(ValueError, match="impersonate"):
        Session(backend="curl_cffi", impersonate="netscape4")
