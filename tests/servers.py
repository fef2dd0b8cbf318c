"""Real local HTTP servers for tests: a routed test server, a forward proxy and a SOCKS5 proxy.

Everything binds 127.0.0.1 on an ephemeral port and runs in daemon threads; ``stop()`` (or the
context manager) shuts it down and releases any handler still waiting on an event.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Longest time a handler waits on a test event, so no server thread outlives a test by much.
HANDLER_WAIT = 10.0

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    """Dispatches to ``server.routes[path]``; helpers write common kinds of answers."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def send(
        self,
        status: int,
        body: bytes | str = b"",
        content_type: str = "text/plain; charset=utf-8",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(
        self, status: int, data: Any, headers: list[tuple[str, str]] | None = None
    ) -> None:
        self.send(status, json.dumps(data), "application/json", headers)

    def start_chunked(self, status: int = 200, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _dispatch(self) -> None:
        self.server.requests.append((self.command, self.path, dict(self.headers.items())))
        route = self.server.routes.get(urlsplit(self.path).path)
        if route is None:
            self.send(404, f"no route {self.path}")
            return
        route(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch


def _quiet_disconnects(server: socketserver.BaseServer, request: Any, address: Any) -> None:
    # A client that leaves early (what the early-close tests do) is not a server error.
    if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
        socketserver.BaseServer.handle_error(server, request, address)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    handle_error = _quiet_disconnects
    routes: dict[str, Route]
    requests: list[tuple[str, str, dict[str, str]]]


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with routes ``{path: fn(handler)}``.

    ``events`` holds named :class:`threading.Event` objects that routes may wait on (at most
    :data:`HANDLER_WAIT` seconds); ``stop()`` sets them all so no handler stays blocked.
    """

    def __init__(
        self, routes: dict[str, Route], handler: type[BaseHTTPRequestHandler] = Handler
    ) -> None:
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.routes = dict(routes)
        self.httpd.requests = []
        self.events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(method, path, headers)`` of every request received, in order."""
        return self.httpd.requests

    def url(self, path: str) -> str:
        return self.base + path

    def event(self, name: str) -> threading.Event:
        with self._lock:
            return self.events.setdefault(name, threading.Event())

    def stop(self) -> None:
        for event in list(self.events.values()):
            event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade"}


class _ProxyHandler(Handler):
    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        if not parts.scheme or not parts.hostname:
            self.send(400, "this proxy only forwards absolute http:// URLs")
            return
        self.server.requests.append((self.command, self.path, dict(self.headers.items())))
        upstream = http.client.HTTPConnection(
            parts.hostname, parts.port or 80, timeout=HANDLER_WAIT
        )
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            upstream.request(self.command, target or "/", body=self.body() or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
            self.send_response(answer.status)
            for name, value in kept:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.send_header("x-via-test-proxy", "1")
            self.end_headers()
            self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch


class ForwardProxy(LocalServer):
    """A plain HTTP forward proxy (absolute-URI requests, no CONNECT) recording what it forwarded.

    Answers get an ``x-via-test-proxy: 1`` header so a test can see the proxy was used.
    """

    def __init__(self) -> None:
        super().__init__({}, _ProxyHandler)


class _Socks5Handler(socketserver.BaseRequestHandler):
    server: _SocksServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(HANDLER_WAIT)
        version, count = sock.recv(2)
        methods = sock.recv(count)
        if version != 5 or 0 not in methods:
            sock.sendall(b"\x05\xff")
            return
        sock.sendall(b"\x05\x00")
        _, command, _, address_type = sock.recv(4)
        if address_type == 1:
            host = socket.inet_ntoa(sock.recv(4))
        elif address_type == 3:
            host = sock.recv(sock.recv(1)[0]).decode()
        else:
            sock.sendall(b"\x05\x08\x00\x01" + bytes(6))
            return
        (port,) = struct.unpack("!H", sock.recv(2))
        if command != 1:
            sock.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return
        try:
            upstream = socket.create_connection((host, port), timeout=HANDLER_WAIT)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01" + bytes(6))
            return
        self.server.connections.append((host, port))
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
        with upstream:
            pair = [sock, upstream]
            while True:
                readable, _, _ = select.select(pair, [], [], HANDLER_WAIT)
                if not readable:
                    return
                for src in readable:
                    data = src.recv(65536)
                    if not data:
                        return
                    (upstream if src is sock else sock).sendall(data)


class _SocksServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    handle_error = _quiet_disconnects
    allow_reuse_address = True
    connections: list[tuple[str, int]]


class Socks5Proxy:
    """A minimal SOCKS5 proxy (no auth, CONNECT only) recording each ``(host, port)`` reached."""

    def __init__(self) -> None:
        self.server = _SocksServer(("127.0.0.1", 0), _Socks5Handler)
        self.server.connections = []
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.server.server_address[1]}"

    @property
    def connections(self) -> list[tuple[str, int]]:
        return self.server.connections

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


# --- the standard routes of the HTTP test server -------------------------------------------

CLOUDFLARE_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    '<body><div id="cf-please-wait">Checking your browser</div></body></html>'
)


def _echo(h: Handler) -> None:
    body = h.body()
    h.send_json(
        200,
        {
            "method": h.command,
            "path": h.path,
            "query": h.query,
            "headers": {k.lower(): v for k, v in h.headers.items()},
            "body": body.decode("utf-8", "replace"),
        },
    )


def _cookies(h: Handler) -> None:
    jar: dict[str, str] = {}
    for part in (h.headers.get("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    h.send_json(200, jar)


def _set_cookie(h: Handler) -> None:
    q = h.query
    h.send_json(200, {"set": q}, [("set-cookie", f"{k}={v}; Path=/") for k, v in q.items()])


def _redirect(h: Handler) -> None:
    q = h.query
    hops = int(q.get("hops", "1"))
    target = (
        q.get("to", "/echo")
        if hops <= 1
        else f"/redirect?hops={hops - 1}&to={q.get('to', '/echo')}"
    )
    h.send(302, "", headers=[("location", target), ("set-cookie", "redirected=yes; Path=/")])


def _stream(h: Handler) -> None:
    """Chunk 0, then wait for the test's ``gate`` event, then chunks 1..n-1 (lines)."""
    n = int(h.query.get("n", "3"))
    server: LocalServer = h.server.owner  # type: ignore[attr-defined]
    h.start_chunked()
    h.chunk(b"line-0\n")
    server.event("gate").wait(HANDLER_WAIT)
    for i in range(1, n):
        h.chunk(b"line-%d\n" % i)
    h.end_chunked()


def _split_lines(h: Handler) -> None:
    """Lines split at awkward places across chunks, with CRLF endings and no final newline."""
    h.start_chunked()
    for piece in (b"al", b"pha\r\nbe", b"ta\n", b"\ngam", b"ma"):
        h.chunk(piece)
    h.end_chunked()


def _endless(h: Handler) -> None:
    """Chunks every few ms until the client goes away (recorded as event ``client-gone``)."""
    server: LocalServer = h.server.owner  # type: ignore[attr-defined]
    h.start_chunked()
    try:
        for i in range(100_000):
            h.chunk(b"tick %d\n" % i)
            if server.event("stop-endless").wait(0.005):
                break
    except OSError:
        server.event("client-gone").set()
        h.close_connection = True


def _slow(h: Handler) -> None:
    """Reads the request; answers only once the test sets ``release`` (or after HANDLER_WAIT)."""
    server: LocalServer = h.server.owner  # type: ignore[attr-defined]
    h.body()  # a request body left unread would be taken for the next request on the connection
    server.event("release").wait(HANDLER_WAIT)
    h.send(200, "late")


def _slow_body(h: Handler) -> None:
    """Headers and one chunk at once, then silence until ``release``."""
    server: LocalServer = h.server.owner  # type: ignore[attr-defined]
    h.body()
    h.start_chunked()
    h.chunk(b"first\n")
    server.event("release").wait(HANDLER_WAIT)
    try:
        h.end_chunked()
    except OSError:
        h.close_connection = True


def _status(h: Handler) -> None:
    q = h.query
    h.send(int(q.get("code", "500")), q.get("body", ""), q.get("type", "text/plain; charset=utf-8"))


def _rate_limited(h: Handler) -> None:
    h.send_json(429, {"detail": "Too many requests, slow down"})


def _detail(h: Handler) -> None:
    h.send_json(400, {"detail": {"message": "Model not supported", "code": "bad_model"}})


def _cloudflare(h: Handler) -> None:
    h.send(403, CLOUDFLARE_PAGE, "text/html; charset=utf-8")


def _cloudflare_header(h: Handler) -> None:
    h.send(503, "<html>challenge</html>", "text/html", [("cf-mitigated", "challenge")])


def _big_error(h: Handler) -> None:
    h.send(500, "E" * 5000 + "END")


def _latin1(h: Handler) -> None:
    h.send(200, "café".encode("latin-1"), "text/plain; charset=iso-8859-1")


STANDARD_ROUTES: dict[str, Route] = {
    "/echo": _echo,
    "/cookies": _cookies,
    "/set-cookie": _set_cookie,
    "/redirect": _redirect,
    "/stream": _stream,
    "/split-lines": _split_lines,
    "/endless": _endless,
    "/slow": _slow,
    "/slow-body": _slow_body,
    "/status": _status,
    "/rate-limited": _rate_limited,
    "/detail": _detail,
    "/cloudflare": _cloudflare,
    "/cloudflare-header": _cloudflare_header,
    "/big-error": _big_error,
    "/latin1": _latin1,
}


def make_test_server(extra_routes: dict[str, Route] | None = None) -> LocalServer:
    """A :class:`LocalServer` with :data:`STANDARD_ROUTES` (plus ``extra_routes``)."""
    server = LocalServer({**STANDARD_ROUTES, **(extra_routes or {})})
    server.httpd.owner = server  # type: ignore[attr-defined]
    return server


# --- hostile servers ---------------------------------------------------------------------------


class DroppingServer:
    """A raw HTTP/1.1 server that answers GETs (keep-alive) and, after ``hang`` seconds of
    silence, closes the connection without answering any other request.

    ``methods`` lists the method of every request received (each read completely first): a
    client that re-sends a request behind the caller's back shows up as one request more than
    the caller made.
    """

    def __init__(self, hang: float = 0.0) -> None:
        self.hang = hang
        self.methods: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def count(self, method: str) -> int:
        with self._lock:
            return self.methods.count(method)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._connection, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_request(self, reader: Any) -> str | None:
        line = reader.readline()
        if not line:
            return None
        length = 0
        while True:
            header = reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            reader.read(length)
        method = line.decode("latin-1").split(" ", 1)[0]
        with self._lock:
            self.methods.append(method)
        return method

    def _connection(self, conn: socket.socket) -> None:
        conn.settimeout(HANDLER_WAIT)
        with conn, conn.makefile("rb") as reader:
            try:
                while (method := self._read_request(reader)) == "GET":
                    body = b'{"ok": true}'
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\n\r\n%s" % (len(body), body)
                    )
                if method is not None:
                    self._stop.wait(self.hang)
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._accept.join(timeout=5)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> DroppingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
