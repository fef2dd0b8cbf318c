"""g4f's import path for providers: ``from fastg4f.Provider import ChatGpt`` (same objects).

Also g4f's other names here: the base classes and ``RetryProvider``/``IterListProvider``.
"""

from __future__ import annotations

from typing import ClassVar

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
