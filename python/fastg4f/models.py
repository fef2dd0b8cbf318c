"""Models: g4f's ``Model`` objects and a model table built from the providers' own model lists.

The table maps each public model name to the providers serving it and the name each of them
uses for it. It is read from the providers' ``models``, ``model_aliases`` and ``default_model``
class attributes (a provider without a model list serves ``gpt-3.5-turbo``/``gpt-4`` when its
``supports_gpt_35_turbo``/``supports_gpt_4`` flag is set), in the order of
``fastg4f.providers.__providers__``, every time it is consulted, so it follows changes to those
attributes. Nothing here contacts a host: no provider's ``get_models()`` is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from fastg4f.errors import ModelNotFoundError
from fastg4f.providers.types import ProviderType
from fastg4f.routing import Candidate, IterListProvider, is_working, provider_name

__all__ = [
    "Model",
    "ModelTable",
    "ModelUtils",
    "TableProvider",
    "chatgpt_4o_latest",
    "default",
    "default_table",
    "gpt_4",
    "gpt_4_turbo",
    "gpt_4o",
    "gpt_4o_mini",
    "gpt_35_turbo",
    "registered_providers",
    "served_models",
]


def registered_providers() -> list[ProviderType]:
    """The provider classes of ``fastg4f.providers.__providers__`` (empty if there are none)."""
    module = importlib.import_module("fastg4f.providers")
    return list(getattr(module, "__providers__", []))


def served_models(provider: ProviderType) -> dict[str, str]:
    """Public model name → the name ``provider`` uses for it, from its class attributes.

    Listed models map to themselves and win over an alias of the same name (as the provider's own
    ``get_model`` resolves them); aliases map to their target. The default model is included.
    """
    served: dict[str, str] = {}
    listed = list(getattr(provider, "models", None) or [])
    default_model = getattr(provider, "default_model", None)
    if default_model and default_model not in listed:
        listed.insert(0, default_model)
    for name in listed:
        served[name] = name
    for alias, target in (getattr(provider, "model_aliases", None) or {}).items():
        served.setdefault(alias, target)
    if not served:
        if getattr(provider, "supports_gpt_35_turbo", False):
            served["gpt-3.5-turbo"] = "gpt-3.5-turbo"
        if getattr(provider, "supports_gpt_4", False):
            served["gpt-4"] = "gpt-4"
    return served


class ModelTable:
    """Public model name → the providers that serve it and their own name for it.

    Args:
        providers: The provider classes to build from; ``None`` (the default) reads
            ``fastg4f.providers.__providers__`` on every use.
    """

    def __init__(self, providers: Sequence[ProviderType] | None = None) -> None:
        self._providers = None if providers is None else list(providers)

    @property
    def providers(self) -> list[ProviderType]:
        """The provider classes the table is built from."""
        return registered_providers() if self._providers is None else list(self._providers)

    def entries(self) -> dict[str, list[Candidate]]:
        """Every public name → its candidates, providers in table order."""
        table: dict[str, list[Candidate]] = {}
        for provider in self.providers:
            for public, own in served_models(provider).items():
                table.setdefault(public, []).append(Candidate(provider, own))
        return table

    def names(self) -> list[str]:
        """The public model names, sorted."""
        return sorted(self.entries())

    def candidates(self, model: str, *, ignore_working: bool = True) -> list[Candidate]:
        """The candidates for ``model`` (``""``: every provider with its default model).

        Args:
            model: A public model name, or ``""`` for each provider's default.
            ignore_working: Keep providers that are not working (default); ``False`` drops them.

        Raises:
            ModelNotFoundError: ``model`` is not in the table (the message lists the known names,
                or says that no provider is registered).
        """
        if not model:
            found = [Candidate(p, getattr(p, "default_model", None) or "") for p in self.providers]
        else:
            found = self.entries().get(model, [])
            if not found:
                raise ModelNotFoundError(self._unknown(model))
        if not ignore_working:
            found = [c for c in found if is_working(c.provider)]
        return found

    def _unknown(self, model: str) -> str:
        names = self.names()
        if not names:
            return (
                f"Model {model!r} not found: no provider is registered "
                "(fastg4f.providers.__providers__ is empty); pass a provider explicitly"
            )
        return f"Model {model!r} not found. Known models: {', '.join(names)}"

    def __contains__(self, model: object) -> bool:
        return isinstance(model, str) and model in self.entries()

    def __repr__(self) -> str:
        names = ", ".join(provider_name(p) for p in self.providers)
        return f"ModelTable([{names}])"


default_table = ModelTable()
"""The table of the registered providers (``fastg4f.providers.__providers__``)."""


class TableProvider(IterListProvider):
    """Routes one public model name through a :class:`ModelTable` (a model's ``best_provider``).

    The providers are looked up on every call, each asked for the model under its own name, in
    table order (no shuffling); only working ones unless ``ignore_working``.

    Args:
        model: The public model name (``""``: each provider's default model).
        table: The table to use (default: :data:`default_table`).
        ignore_working: Also try providers marked ``working = False``.
        timeout: Seconds each provider may take to produce its first text.
    """

    __name__ = "IterListProvider"

    def __init__(
        self,
        model: str,
        table: ModelTable | None = None,
        *,
        ignore_working: bool = False,
        timeout: float | None = None,
    ) -> None:
        super().__init__([], shuffle=False, ignore_working=ignore_working, timeout=timeout)
        self.model = model
        self.table = default_table if table is None else table

    @property  # type: ignore[override]
    def providers(self) -> list[ProviderType]:
        """The providers the table lists for the model right now."""
        return [c.provider for c in self.table.candidates(self.model)]

    @providers.setter
    def providers(self, value: Sequence[ProviderType]) -> None:
        if list(value):
            raise AttributeError(
                "a model's table provider follows the model table; "
                "use IterListProvider(providers) for a fixed list"
            )

    def candidates(self, model: str, ignore_working: bool | None = None) -> list[Candidate]:
        """The table's candidates for ``model`` (or this provider's model when empty).

        Raises:
            ModelNotFoundError: The model is not in the table.
            NoProviderError: No provider serving it is working.
        """
        name = model or self.model
        found = self.table.candidates(name)
        ignore = self.ignore_working if ignore_working is None else ignore_working
        if not found:
            raise ModelNotFoundError(self.table._unknown(name or "(default)"))
        usable = found if ignore else [c for c in found if is_working(c.provider)]
        if not usable:
            from fastg4f.errors import NoProviderError

            names = ", ".join(provider_name(c.provider) for c in found)
            raise NoProviderError(
                f"No working provider for model {name or '(default)'!r} (served by {names}, "
                "none marked working); pass ignore_working=True to try them anyway, "
                "or use fastg4f.emulators.offline()"
            )
        return usable

    def __repr__(self) -> str:
        return f"TableProvider({self.model!r})"


@dataclass(frozen=True)
class Model:
    """A model (g4f's ``Model``).

    Attributes:
        name: The public model name (``""`` for the default model).
        base_provider: Who makes the model (``"OpenAI"``).
        best_provider: What routes it; for the named models a :class:`TableProvider` that follows
            the model table. ``None`` means the same (routing uses the table).
    """

    name: str
    base_provider: str
    best_provider: ProviderType | None = None

    def __str__(self) -> str:
        return self.name

    def get_long_name(self) -> str:
        """The model name (g4f's method; fastg4f's names have no provider prefix)."""
        return self.name


def _named(name: str, base_provider: str = "OpenAI") -> Model:
    return Model(name, base_provider, TableProvider(name))


default = _named("", "")
gpt_35_turbo = _named("gpt-3.5-turbo")
gpt_4 = _named("gpt-4")
gpt_4_turbo = _named("gpt-4-turbo")
gpt_4o = _named("gpt-4o")
gpt_4o_mini = _named("gpt-4o-mini")
chatgpt_4o_latest = _named("chatgpt-4o-latest")

_NAMED: dict[str, Model] = {
    m.name: m for m in (gpt_35_turbo, gpt_4, gpt_4_turbo, gpt_4o, gpt_4o_mini, chatgpt_4o_latest)
}


class _ModelMap(MutableMapping[str, Model]):
    """``ModelUtils.convert``: models users added, the named models, then the model table.

    ``ModelUtils.convert["my-model"] = Model("my-model", "", best_provider=MyProvider)`` makes
    ``"my-model"`` route to ``MyProvider`` (an added name wins over a built-in one). Only added
    names can be deleted.
    """

    def __init__(self) -> None:
        self._added: dict[str, Model] = {}

    def __getitem__(self, name: str) -> Model:
        model = self._added.get(name) or _NAMED.get(name)
        if model is not None:
            return model
        if name in default_table:
            owner = "OpenAI" if name.startswith(("gpt", "chatgpt")) else ""
            return _named(name, owner)
        raise KeyError(name)

    def __setitem__(self, name: str, model: Model) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a model name must be a non-empty string, got {name!r}")
        if not isinstance(model, Model):
            raise TypeError(f"ModelUtils.convert[{name!r}] must be a Model, got {model!r}")
        self._added[name] = model

    def __delitem__(self, name: str) -> None:
        if name not in self._added:
            raise KeyError(
                f"{name!r} was not added to ModelUtils.convert (only added names can be deleted)"
            )
        del self._added[name]

    def added(self, name: str) -> Model | None:
        """The model added under ``name``, if any."""
        return self._added.get(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._added
        yield from (name for name in _NAMED if name not in self._added)
        yield from (
            name for name in default_table.names() if name not in _NAMED and name not in self._added
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self._added or name in _NAMED or name in default_table
        )


class ModelUtils:
    """g4f's ``ModelUtils``: ``ModelUtils.convert[name]`` → :class:`Model`."""

    convert: ClassVar[_ModelMap] = _ModelMap()

    @staticmethod
    def get(name: str | Model | Any) -> Model:
        """The :class:`Model` for a name (a :class:`Model` is returned as is).

        Raises:
            ModelNotFoundError: The name is neither a named model nor in the model table (the
                message lists the known names).
        """
        if isinstance(name, Model):
            return name
        if not name:
            return default
        try:
            return ModelUtils.convert[name]
        except KeyError:
            raise ModelNotFoundError(default_table._unknown(str(name))) from None


def __getattr__(name: str) -> Any:
    if name == "__models__":
        # g4f's ``__models__``: name → (Model, providers serving it), read from the table now.
        return {
            public: (ModelUtils.convert[public], [c.provider for c in candidates])
            for public, candidates in default_table.entries().items()
        }
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
