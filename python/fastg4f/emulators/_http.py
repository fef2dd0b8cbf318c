"""The HTTP plumbing shared by the emulators: a threaded HTTP/1.1 server with prompt shutdown."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastg4f.api.limits import LISTEN_BACKLOG

MAX_BODY_BYTES = 1_000_000
"""Largest request body an emulator reads; larger bodies get 413."""


class ConnectionDropped(Exception):
    """Raised inside a handler to close the connection without finishing the response."""


@dataclass
class Request:
    """One parsed HTTP request as an emulator sees it."""

    method: str
    path: str  # path below the emulator's prefix, always starting with "/"
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    cookies: dict[str, str]
    body: bytes
    handler: EmulatorRequestHandler = field(repr=False)

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` when it is not."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """Form fields like PHP's ``$_REQUEST``: query, then urlencoded or multipart body."""
        fields = {k: v[-1] for k, v in self.query.items()}
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            head = f"Content-Type: {ctype}\r\n\r\n".encode("latin-1")
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                head + self.body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if isinstance(name, str):
                    payload = part.get_payload(decode=True)
                    fields[name] = (
                        payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
                    )
        else:
            text = self.body.decode("utf-8", "replace")
            for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                fields[k] = v[-1]
        return fields


@dataclass
class Response:
    """A complete (non-streamed) response."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop_after: int | None = None
    """Bytes of ``body`` sent before the connection is dropped (the ``"drop"`` fault); the
    headers still announce the whole length. ``None`` sends the whole body."""


def json_response(status: int, value: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A compact JSON response with raw UTF-8."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json", list(headers))


class StreamResponse:
    """A chunked response whose body is written by ``writer(write)``; ``write`` sends one chunk."""

    def __init__(
        self,
        writer: Callable[[Callable[[bytes], None]], None],
        status: int = 200,
        content_type: str = "text/event-stream; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.writer = writer
        self.status = status
        self.content_type = content_type
        self.headers = list(headers)


Route = Callable[[Request], "Response | StreamResponse | None"]


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that tracks its connections so that close() is prompt and joins all."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, dispatch: Callable[[Request], Response | StreamResponse]) -> None:
        self.dispatch = dispatch
        self.closing = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), EmulatorRequestHandler)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def close_all(self) -> None:
        """Unblocks every handler thread by shutting its socket down."""
        self.closing.set()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that disconnects mid-response is normal for an emulator; stay quiet.
        return None


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Parses a request into :class:`Request` and writes the response the emulator returns."""

    protocol_version = "HTTP/1.1"
    server_version = "fastg4f-emulator"
    timeout = 300  # an idle keep-alive connection is closed after 5 minutes
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Streams are written in many small chunks; Nagle + delayed ACK would add ~40 ms stalls.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)
        if self.server.closing.is_set():  # accepted just before close(): end it now
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _read_body(self) -> bytes | None:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size_line = self.rfile.readline(100)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > MAX_BODY_BYTES:
                    return None
                out += self.rfile.read(size)
                self.rfile.readline(10)
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self._send(Response(400, b"malformed request body"))
            return
        if body is None:
            self.close_connection = True
            self._send(Response(413, b"request body larger than 1 MB"))
            return
        parsed = urllib.parse.urlsplit(self.path)
        cookies: dict[str, str] = {}
        for header in self.headers.get_all("cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            cookies.update({k: m.value for k, m in jar.items()})
        self._started = False
        request = Request(
            method=self.command,
            path=urllib.parse.unquote(parsed.path) or "/",
            query=urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            cookies=cookies,
            body=body,
            handler=self,
        )
        try:
            response = self.server.dispatch(request)
            self._send(response)
        except ConnectionDropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # an emulator bug: say so instead of dropping the connection
            self.close_connection = True
            if not self._started:
                self._send(Response(500, f"emulator error: {type(exc).__name__}: {exc}".encode()))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

    def _send(self, response: Response | StreamResponse) -> None:
        self._started = True
        self.send_response(response.status)
        self.send_header("content-type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if isinstance(response, Response):
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body[: response.drop_after])
            self.wfile.flush()
            if response.drop_after is not None:
                raise ConnectionDropped
            return
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        self.wfile.flush()

        def write(chunk: bytes) -> None:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()

        response.writer(write)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
