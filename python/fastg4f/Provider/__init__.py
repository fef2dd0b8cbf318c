"""g4f's import path for providers: ``from fastg4f.Provider import ChatGpt`` (same objects).

Also g4f's other names here: the base classes and ``RetryProvider``/``IterListProvider``.
"""

from __future__ import annotations

import sys
from typing import ClassVar

import fastg4f.providers as _providers
from fastg4f.providers import (
    Aichat,
    ChatGpt,
    Chatgpt4o,
    ChatGptEs,
    ChatGptt,
    __providers__,
)
from fastg4f.providers.base_provider import AsyncGeneratorProvider, AsyncProvider
from fastg4f.providers.types import BaseProvider, ProviderType
from fastg4f.routing import IterListProvider, RetryProvider

__all__ = [
    "Aichat",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "ChatGpt",
    "ChatGptEs",
    "ChatGptt",
    "Chatgpt4o",
    "IterListProvider",
    "ProviderType",
    "ProviderUtils",
    "RetryProvider",
    "__map__",
    "__providers__",
]

__map__: dict[str, type[BaseProvider]] = {provider.__name__: provider for provider in __providers__}
"""Provider class name → class."""


class ProviderUtils:
    """g4f's name lookup: ``ProviderUtils.convert["ChatGpt"]`` is the ChatGpt class."""

    convert: ClassVar[dict[str, ProviderType]] = dict(__map__)


def __getattr__(name: str) -> ProviderType:
    """g4f's lookup function: the provider class called ``name``.

    Raises:
        AttributeError: No provider has that name.
    """
    try:
        return __map__[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


# Importing ``fastg4f.Provider.ChatGpt`` (the module) keeps ``fastg4f.Provider.ChatGpt`` the class,
# as for ``fastg4f.providers``.
sys.modules[__name__].__class__ = type(_providers)
