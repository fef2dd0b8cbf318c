"""g4f's ``Provider.base_provider`` module: the names of :mod:`fastg4f.providers.base_provider`."""

from __future__ import annotations

from fastg4f.providers.base_provider import (
    BASIC_PARAMETERS,
    PARAMETER_EXAMPLES,
    SAFE_PARAMETERS,
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    BaseProvider,
    ProviderModelMixin,
    async_concat_chunks,
    concat_chunks,
)
from fastg4f.providers.helper import format_prompt, get_random_hex, get_random_string

__all__ = [
    "BASIC_PARAMETERS",
    "PARAMETER_EXAMPLES",
    "SAFE_PARAMETERS",
    "AbstractProvider",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "ProviderModelMixin",
    "async_concat_chunks",
    "concat_chunks",
    "format_prompt",
    "get_random_hex",
    "get_random_string",
]
