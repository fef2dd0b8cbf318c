"""fastg4f: drop-in, Rust-accelerated gpt4free-style chat providers.

``import fastg4f`` is light: submodules (providers, client, API server) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from fastg4f._native import __version__

__all__ = ["__version__"]

# Public attribute -> module that defines it; imported lazily on first access. These are the
# names g4f's package exports, for the parts fastg4f reproduces.
_LAZY: dict[str, str] = {
    "AsyncClient": "fastg4f.client",
    "AsyncResult": "fastg4f.typing",
    "ChatCompletion": "fastg4f.client.service",
    "Client": "fastg4f.client",
    "CreateResult": "fastg4f.typing",
    "Messages": "fastg4f.typing",
    "Model": "fastg4f.models",
    "ProviderType": "fastg4f.providers.types",
    "async_concat_chunks": "fastg4f.providers.base_provider",
    "concat_chunks": "fastg4f.providers.base_provider",
    "get_cookies": "fastg4f.cookies",
    "get_model_and_provider": "fastg4f.client.service",
    "set_cookies": "fastg4f.cookies",
    "to_sync_generator": "fastg4f.providers.asyncio",
}

# Subpackages reachable as attributes (``fastg4f.errors`` ...), imported on first access.
_SUBMODULES = frozenset(
    {
        "Provider",
        "api",
        "benchmark",
        "client",
        "cookies",
        "debug",
        "emulators",
        "errors",
        "models",
        "pow",
        "providers",
        "requests",
        "routing",
        "stream",
        "turnstile",
        "typing",
    }
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'fastg4f' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
