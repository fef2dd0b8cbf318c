"""A real uvicorn server on an ephemeral 127.0.0.1 port, run in a thread for each test module."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from fastg4f.api import Limits
from fastg4f.api.server import bind, uvicorn_config


@contextmanager
def serve(app: Any, limits: Limits | None = None) -> Iterator[str]:
    """Serves ``app`` on ``127.0.0.1:<ephemeral>`` as ``fastg4f api`` would (same protocol and
    limits); yields the base URL; stops it on exit."""
    sock = bind("127.0.0.1", 0)
    config = uvicorn_config(app, limits, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="test-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = sock.getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def started_url(lines: Iterable[str]) -> str:
    """The URL of uvicorn's ``running on http://...`` line among a server's log lines."""
    for line in lines:
        found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1)
    raise AssertionError("the server did not say where it runs")


def wait_healthy(url: str, wait: float = 60.0) -> None:
    """Waits until ``GET /health`` answers 200 (connections may be refused or closed first)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(url + "/health", timeout=wait).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not become healthy"
        time.sleep(0.05)
