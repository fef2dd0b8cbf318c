"""The server's limits (no web framework imported: the command line reads the defaults)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LISTEN_BACKLOG", "LOOPBACK_HOSTS", "Limits"]

LISTEN_BACKLOG = 2048
"""Connections the kernel queues before the accept loop takes them (uvicorn's default), for the
API server and the emulators behind ``fastg4f api --offline`` alike: a burst of concurrent
requests waits instead of being refused."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
"""Host names a loopback-bound server answers by default (with any port)."""


@dataclass(frozen=True)
class Limits:
    """Request and connection limits of the server (every one settable from ``fastg4f api``).

    Attributes:
        max_body_bytes: Request body size in bytes (413 beyond).
        max_messages: Messages per request (400 beyond).
        max_message_chars: Characters of text per message (400 beyond).
        max_providers: Distinct names in the ``provider`` field, i.e. upstream attempts per
            request (400 beyond; repeated names count once).
        max_connections: Open connections; a connection beyond is answered 503 and closed at
            once. ``fastg4f api`` lowers it to fit the process's open-file limit.
        header_timeout: Seconds a connection may take to send a request's headers (also on a
            kept-alive connection once the next request has begun); then it is closed.
        body_timeout: Seconds a request may take to send its body (408 beyond).
        keep_alive_timeout: Seconds an idle keep-alive connection is kept; longer than common
            clients keep theirs (httpx: 5 s), so the client, not the server, closes first.
    """

    max_body_bytes: int = 4 * 1024 * 1024
    max_messages: int = 1024
    max_message_chars: int = 256_000
    max_providers: int = 8
    max_connections: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    keep_alive_timeout: float = 75.0

    def __post_init__(self) -> None:
        for name in (
            "max_body_bytes",
            "max_messages",
            "max_message_chars",
            "max_providers",
            "max_connections",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be 1 or more, got {getattr(self, name)}")
        for name in ("header_timeout", "body_timeout", "keep_alive_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be a positive number of seconds")
