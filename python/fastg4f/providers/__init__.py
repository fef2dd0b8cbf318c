"""Provider framework and the five providers: g4f-compatible base classes, bridges and helpers.

The base classes load with the package; the provider classes and :data:`__providers__` load on
first access (``from fastg4f.providers import ChatGpt``, routing a model), so importing the
client or a helper module does not pay for every provider.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # pragma: no cover - names for type checkers only
    from fastg4f.providers.Aichat import Aichat
    from fastg4f.providers.ChatGpt import ChatGpt
    from fastg4f.providers.Chatgpt4o import Chatgpt4o
    from fastg4f.providers.ChatGptEs import ChatGptEs
    from fastg4f.providers.ChatGptt import ChatGptt

    __providers__: list[type[BaseProvider]]
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

# Each provider class lives in the module of the same name; the order is that of __providers__.
_PROVIDERS = ("ChatGpt", "ChatGptt", "Chatgpt4o", "ChatGptEs", "Aichat")


def __getattr__(name: str) -> Any:
    if name in _PROVIDERS:
        # The import binds the class on this package (see _Package.__setattr__).
        importlib.import_module(f"{__name__}.{name}")
        return globals()[name]
    if name == "__providers__":
        found: list[type[BaseProvider]] = [__getattr__(n) for n in _PROVIDERS]
        globals()["__providers__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PROVIDERS, "__providers__"})


class _Package(ModuleType):
    """This package's module type: importing ``fastg4f.providers.ChatGpt`` binds the class.

    Python binds an imported submodule on its package under the submodule's name; the provider
    modules are named after their class, and the package attribute must be the class (as g4f's
    ``from ...providers import ChatGpt`` expects), whichever import comes first.
    """

    # (This package binds its submodules ``types`` and ``asyncio`` as attributes: the stdlib
    # modules of those names are not used here.)
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PROVIDERS and isinstance(value, ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
