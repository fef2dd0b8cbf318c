"""Provider framework: g4f-compatible base classes, call-style bridges and helpers."""

from __future__ import annotations

from fastg4f.providers.base_provider import (
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    ProviderModelMixin,
)
from fastg4f.providers.types import (
    BaseProvider,
    BaseRetryProvider,
    ProviderType,
    Streaming,
    url_endpoint,
)

__all__ = [
    "AbstractProvider",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "BaseRetryProvider",
    "ProviderModelMixin",
    "ProviderType",
    "Streaming",
    "url_endpoint",
]
