"""Shared fixtures: real local servers (see ``tests/servers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ForwardProxy, LocalServer, Socks5Proxy, make_test_server


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """The standard HTTP test server on 127.0.0.1 (an ephemeral port), stopped afterwards."""
    server = make_test_server()
    yield server
    server.stop()


@pytest.fixture
def forward_proxy() -> Iterator[ForwardProxy]:
    """A local HTTP forward proxy that records every request it forwarded."""
    proxy = ForwardProxy()
    yield proxy
    proxy.stop()


@pytest.fixture
def socks5_proxy() -> Iterator[Socks5Proxy]:
    """A local SOCKS5 proxy that records every connection it made."""
    proxy = Socks5Proxy()
    yield proxy
    proxy.stop()
