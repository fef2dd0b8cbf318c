"""Provider framework and the five providers: g4f-compatible base classes, bridges and helpers."""

from __future__ import annotations

from fastg4f.providers.Aichat import Aichat
from fastg4f.providers.base_provider import (
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    ProviderModelMixin,
)
from fastg4f.providers.ChatGpt import ChatGpt
from fastg4f.providers.Chatgpt4o import Chatgpt4o
from fastg4f.providers.ChatGptEs import ChatGptEs
from fastg4f.providers.ChatGptt import ChatGptt
from fastg4f.providers.types import (
    BaseProvider,
    BaseRetryProvider,
    ProviderType,
    Streaming,
    url_endpoint,
)

__providers__: list[type[BaseProvider]] = [ChatGpt, ChatGptt, Chatgpt4o, ChatGptEs, Aichat]
"""Every provider class, in the order of :data:`fastg4f.emulators.PROVIDER_NAMES`."""

__all__ = [
    "AbstractProvider",
    "Aichat",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "BaseRetryProvider",
    "ChatGpt",
    "ChatGptEs",
    "ChatGptt",
    "Chatgpt4o",
    "ProviderModelMixin",
    "ProviderType",
    "Streaming",
    "url_endpoint",
]
