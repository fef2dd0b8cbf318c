"""Serving the app with uvicorn: connection limits, header timeouts, binding, and workers.

uvicorn times out idle keep-alive connections but not a request whose headers never finish,
and it accepts connections until the process runs out of file descriptors. The protocol here
closes a connection whose request headers take longer than ``Limits.header_timeout`` and
answers 503 (then closes) to connections beyond ``Limits.max_connections``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import ipaddress
import logging
import resource
import socket
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from fastg4f.api.app import LOOPBACK_HOSTS, Limits, create_app
from fastg4f.api.limits import LISTEN_BACKLOG

__all__ = ["bind", "is_loopback", "run_api", "uvicorn_config"]

_FD_RESERVE = 64
"""File descriptors kept free of client connections (upstream requests, files, the loop)."""

_BUSY = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class _Config(uvicorn.Config):
    """uvicorn's config carrying the server's :class:`Limits` (picklable for workers)."""

    fastg4f_limits: Limits = Limits()


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a request-header timeout and a connection limit."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        limits = getattr(config, "fastg4f_limits", Limits())
        self._header_timeout = limits.header_timeout
        self._max_connections = limits.max_connections
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_for: Any = None  # the cycle in place when the current wait began
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self._max_connections:
            self._refused = True
            transport.write(_BUSY)
            transport.close()
            return
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        idle = self.cycle is None or self.cycle.response_complete
        if self._header_timer is None and idle:
            self._arm()  # a new request begins on a kept-alive connection
        super().data_received(data)
        if self._header_timer is not None and self.cycle is not self._waiting_for:
            self._disarm()  # its headers are complete

    def _arm(self) -> None:
        self._waiting_for = self.cycle
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is self._waiting_for and not self.transport.is_closing():
            self.transport.close()


def _fd_budget(wanted: int) -> int:
    """``wanted`` connections, lowered to what the open-file limit leaves (at least 1)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - _FD_RESERVE))


def uvicorn_config(app: Any, limits: Limits | None = None, **options: Any) -> uvicorn.Config:
    """uvicorn's config for ``app`` with the limits applied (``options`` go to uvicorn).

    The connection limit is lowered to fit the process's open-file limit (``ulimit -n``).
    """
    limits = limits or Limits()
    fitted = _fd_budget(limits.max_connections)
    if fitted != limits.max_connections:
        limits = dataclasses.replace(limits, max_connections=fitted)
    config = _Config(
        app,
        http=GuardedProtocol,
        timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
        **options,
    )
    config.fastg4f_limits = limits
    return config


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``.

    Raises:
        OSError: The address is in use or cannot be bound, in one line that says so.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        reason = "address already in use" if exc.errno == 98 else (exc.strerror or str(exc))
        hint = "; stop the other server or pick another --port" if exc.errno == 98 else ""
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {reason}{hint}") from None
    sock.set_inheritable(True)
    return sock


def run_api(
    host: str = "127.0.0.1",
    port: int = 1337,
    *,
    api_key: str | None = None,
    offline: bool = False,
    ignore_working: bool = False,
    route_timeout: float | None = None,
    workers: int = 1,
    log_level: str = "info",
    limits: Limits | None = None,
    allowed_hosts: Sequence[str] | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serves the app with uvicorn until interrupted (binds ``127.0.0.1`` unless told otherwise).

    Args:
        host: Interface to bind; ``0.0.0.0`` exposes the server to the network (without
            ``api_key`` a warning is printed).
        port: TCP port.
        api_key: Require this bearer key on ``/v1`` requests. It reaches worker processes as an
            argument of the app factory, pickled over the pipe that starts each worker, never
            through the environment (which every child process would inherit and which other
            users may read in ``/proc``).
        offline: Serve from the local emulators (each worker starts its own).
        ignore_working: Route to providers not marked ``working`` too.
        route_timeout: Seconds each provider may take to produce its first text.
        workers: Worker processes (1: in this process).
        log_level: uvicorn's log level.
        limits: Request and connection limits (default :class:`Limits`).
        allowed_hosts: ``Host`` names answered; default the loopback names when ``host`` is a
            loopback address, else any.
        sock: A listening socket from :func:`bind` to serve on instead of binding
            ``host:port`` (so a caller can tell the port before the server starts); it is
            closed when the server stops.

    Raises:
        ValueError: ``workers`` or ``port`` out of range.
        OSError: The address cannot be bound (in use ...), in one line.
    """
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0..65535, got {port}")
    loopback = is_loopback(host)
    if not loopback and api_key is None:
        print(
            f"fastg4f: warning: serving on {host} without an API key: anyone who can reach "
            "this address can use the server; set --api-key (or $FASTG4F_API_KEY)",
            file=sys.stderr,
        )
    if allowed_hosts is None:
        allowed_hosts = LOOPBACK_HOSTS if loopback else ["*"]
    if sock is None:
        sock = bind(host, port)
    factory = functools.partial(
        create_app,
        api_key=api_key,
        offline=offline,
        ignore_working=ignore_working,
        route_timeout=route_timeout,
        limits=limits,
        allowed_hosts=list(allowed_hosts),
    )
    config = uvicorn_config(
        factory, limits, factory=True, workers=workers, log_level=log_level, host=host, port=port
    )
    bound = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, bound
    )
    try:
        if workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:  # uvicorn re-raises the interrupt after a graceful shutdown
        pass
    finally:
        sock.close()
