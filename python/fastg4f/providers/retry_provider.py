"""g4f's ``providers.retry_provider`` module: the routing providers of :mod:`fastg4f.routing`."""

from __future__ import annotations

from fastg4f.routing import IterListProvider, RetryProvider

__all__ = ["IterListProvider", "RetryProvider"]
