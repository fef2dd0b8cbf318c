"""The server against hostile or careless clients: amplification, DNS rebinding, slow and
half-open connections, lax types, authentication order; each against a real uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from fastg4f.api import Limits, create_app
from fastg4f.emulators._http import EmulatorHTTPServer, Response
from tests.api.conftest import serve, wait_healthy
from tests.toy_providers import make_provider

MESSAGES = [{"role": "user", "content": "hi"}]
WAIT = 10.0


class Boom(Exception):
    pass


COUNTED = make_provider("Counted", models=("toy-1",), fail=Boom("down"))
ECHO = make_provider("Echo", models=("toy-1",))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(create_app([COUNTED, ECHO], limits=Limits(max_providers=4))) as url:
        yield url


def _post(url: str, body: dict[str, object], **kwargs: object) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", json=body, timeout=WAIT, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- amplification


def test_a_repeated_provider_is_tried_once(base_url: str) -> None:
    before = len(COUNTED.probe.calls)
    body = {"model": "toy-1", "messages": MESSAGES, "provider": ",".join(["Counted"] * 2000)}
    response = _post(base_url, body)
    assert response.status_code == 502, response.text
    assert len(COUNTED.probe.calls) - before == 1  # one upstream request, not 2000
    # Case and spacing do not make a name new; the next distinct name is still tried.
    body["provider"] = "Counted, counted ,COUNTED, Echo"
    response = _post(base_url, body)
    assert response.status_code == 200 and response.json()["provider"] == "Echo"
    assert len(COUNTED.probe.calls) - before == 2


def test_the_provider_list_is_capped(base_url: str) -> None:
    names = ",".join(f"P{i}" for i in range(5))
    response = _post(base_url, {"model": "toy-1", "messages": MESSAGES, "provider": names})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "provider" and "at most 4" in error["message"]
    assert len(names) < 100  # the cap counts names, not bytes


# ---------------------------------------------------------------- DNS rebinding


def test_only_loopback_host_names_by_default(base_url: str) -> None:
    port = base_url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
        response = httpx.get(base_url + "/v1/models", headers={"host": host}, timeout=WAIT)
        assert response.status_code == 200, host
    for host in (f"evil.example:{port}", "attacker.test", f"127.0.0.1.evil.example:{port}"):
        response = httpx.get(base_url + "/v1/models", headers={"host": host}, timeout=WAIT)
        assert response.status_code == 400, host
        assert response.json()["error"]["code"] == "invalid_host"
        chat = _post(base_url, {"model": "toy-1", "messages": MESSAGES}, headers={"host": host})
        assert chat.status_code == 400


def test_allowed_hosts_widen_the_list() -> None:
    app = create_app([ECHO], allowed_hosts=["api.example", "127.0.0.1"])
    with serve(app) as url:
        ok = httpx.get(url + "/v1/models", headers={"host": "api.example:80"}, timeout=WAIT)
        assert ok.status_code == 200
        bad = httpx.get(url + "/v1/models", headers={"host": "localhost"}, timeout=WAIT)
        assert bad.status_code == 400
    with serve(create_app([ECHO], allowed_hosts=["*"])) as url:
        ok = httpx.get(url + "/v1/models", headers={"host": "anything.test"}, timeout=WAIT)
        assert ok.status_code == 200


# ---------------------------------------------------------------- slow clients


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=WAIT)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or ``None`` if it kept the connection open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def test_half_open_headers_are_timed_out() -> None:
    limits = Limits(header_timeout=0.5)
    with serve(create_app([ECHO], limits=limits), limits) as url:
        sock = _connect(url)
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        assert _closed_within(sock, WAIT) is not None
        assert time.monotonic() - started < WAIT
        sock.close()
        # A keep-alive connection whose next request never completes is timed out too.
        sock = _connect(url)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert b"200 OK" in sock.recv(65536)
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        assert _closed_within(sock, WAIT) is not None
        sock.close()


def test_a_slow_body_gets_408() -> None:
    limits = Limits(body_timeout=0.5)
    with serve(create_app([ECHO], limits=limits), limits) as url:
        sock = _connect(url)
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model"'
        )
        received = _closed_within(sock, WAIT)
        assert received is not None and received.startswith(b"HTTP/1.1 408")
        sock.close()


def test_connections_over_the_limit_are_refused_at_once() -> None:
    limits = Limits(max_connections=4, header_timeout=30)
    with serve(create_app([ECHO], limits=limits), limits) as url:
        idle = [_connect(url) for _ in range(4)]
        time.sleep(0.2)
        extra = _connect(url)
        extra.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = _closed_within(extra, WAIT)
        assert received is not None and b"200 OK" not in received
        for sock in idle:
            sock.close()
        extra.close()
        wait_healthy(url, WAIT)  # the slots are free again once the idle connections are gone


def test_keep_alive_outlasts_common_client_pools() -> None:
    assert Limits().keep_alive_timeout > 5.0  # httpx keeps idle connections 5 s


# ---------------------------------------------------------------- types and auth


@pytest.mark.parametrize(
    "field",
    [
        {"stream": "yes"},
        {"stream": 1},
        {"max_tokens": "10"},
        {"max_tokens": 10.5},
        {"temperature": "0.5"},
        {"n": True},
        {"model": 4},
    ],
)
def test_openai_types_are_enforced(base_url: str, field: dict[str, object]) -> None:
    body: dict[str, object] = {"model": "toy-1", "messages": MESSAGES, "provider": "Echo"}
    body.update(field)
    response = _post(base_url, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == next(iter(field))


def test_authentication_comes_before_the_body() -> None:
    with serve(create_app([ECHO], api_key="s3cret", limits=Limits(max_body_bytes=100))) as url:
        too_big = httpx.post(url + "/v1/chat/completions", content=b"x" * 200, timeout=WAIT)
        assert too_big.status_code == 401  # not 413: nothing about the body before the key
        bad = httpx.post(url + "/v1/chat/completions", content=b"{nope", timeout=WAIT)
        assert bad.status_code == 401
        wrong_type = _post(url, {"model": "toy-1", "messages": MESSAGES, "stream": "yes"})
        assert wrong_type.status_code == 401


def test_a_non_ascii_key_is_compared_as_utf8() -> None:
    key = "clé-秘密"
    with serve(create_app([ECHO], api_key=key)) as url:
        raw = b"Bearer " + key.encode("utf-8")
        good = httpx.get(url + "/v1/models", headers={"authorization": raw}, timeout=WAIT)
        assert good.status_code == 200
        latin = b"Bearer " + key.encode("utf-8").decode("latin-1").encode("utf-8")
        bad = httpx.get(url + "/v1/models", headers={"authorization": latin}, timeout=WAIT)
        assert bad.status_code == 401


# ---------------------------------------------------------------- emulator server


def _established(socks: list[socket.socket], wait: float) -> int:
    """How many of the non-blocking ``socks`` finished connecting within ``wait`` seconds."""
    import selectors

    pending = set(socks)
    done = 0
    deadline = time.monotonic() + wait
    with selectors.DefaultSelector() as selector:
        for s in socks:
            selector.register(s, selectors.EVENT_WRITE)
        while pending and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                selector.unregister(sock)
                pending.discard(sock)
                done += sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    return done


def test_the_emulator_server_holds_a_burst_of_connections() -> None:
    server = EmulatorHTTPServer(lambda request: Response(200, b"ok"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        assert server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        port = server.server_address[1]
        # 300 sockets connect before the accept loop runs: the kernel completes a connection
        # only while the listen backlog has room (with a backlog of 5, 6 of them; the others
        # wait for SYN retries that keep failing until the server accepts, seconds later).
        socks = []
        for _ in range(300):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
        assert _established(socks, WAIT) == 300
        thread.start()
        answered = 0
        for s in socks:
            s.setblocking(True)
            s.settimeout(WAIT)
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answered += b" 200 " in s.recv(1024)
            except OSError:
                pass
            finally:
                s.close()
        assert answered == 300
        assert server.request_queue_size >= 1024
    finally:
        if thread.is_alive():
            server.shutdown()
        server.close_all()
        server.server_close()
