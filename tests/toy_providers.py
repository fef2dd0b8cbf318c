"""Small real providers for the routing, client, CLI and API tests: deterministic text, failures
on demand. ``make_provider`` builds a fresh class per test (its probe records what happened)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastg4f.errors import RateLimitError
from fastg4f.providers import AbstractProvider, AsyncGeneratorProvider, AsyncProvider
from fastg4f.providers.base_provider import ProviderModelMixin
from fastg4f.providers.helper import get_last_user_message
from fastg4f.typing import Messages


def answer_words(name: str, model: str, messages: Messages) -> list[str]:
    """The deterministic answer of a toy provider, as the chunks it streams."""
    text = f"{name}[{model}] says: {get_last_user_message(messages)} ✓"
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


def answer_text(name: str, model: str, messages: Messages) -> str:
    """The whole answer (the chunks joined)."""
    return "".join(answer_words(name, model, messages))


@dataclass
class Probe:
    """What a toy provider saw: calls (model, kwargs), and when its stream was closed."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)


class _Toy(ProviderModelMixin):
    probe: ClassVar[Probe]
    fail: ClassVar[BaseException | None] = None
    fail_after: ClassVar[int | None] = None
    fail_times: ClassVar[int | None] = None
    empty: ClassVar[bool] = False
    forever: ClassVar[bool] = False
    delay: ClassVar[float] = 0.0
    first_delay: ClassVar[float] = 0.0

    @classmethod
    def _failing(cls) -> bool:
        return cls.fail_times is None or len(cls.probe.calls) <= cls.fail_times


class ToyStream(_Toy, AsyncGeneratorProvider):
    """Async generator provider (streams word by word)."""

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncIterator[str]:
        cls.probe.calls.append((model, dict(kwargs, stream=stream)))
        try:
            if cls.first_delay:
                await asyncio.sleep(cls.first_delay)
            if cls.fail is not None and cls.fail_after is None and cls._failing():
                raise cls.fail
            if cls.empty:
                return
            words = answer_words(cls.__name__, model, messages)
            i = 0
            while True:
                if cls.fail is not None and i == cls.fail_after:
                    raise cls.fail
                if i < len(words):
                    yield words[i]
                elif cls.forever:
                    yield "tick "
                else:
                    return
                cls.probe.started.set()
                i += 1
                await asyncio.sleep(cls.delay)
        finally:
            cls.probe.closed.set()


class ToySync(_Toy, AbstractProvider):
    """Sync generator provider (streams word by word in a worker thread when used async)."""

    supports_stream = True

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool, **kwargs: Any
    ) -> Iterator[str]:
        cls.probe.calls.append((model, dict(kwargs, stream=stream)))
        try:
            if cls.first_delay:
                time.sleep(cls.first_delay)
            if cls.fail is not None and cls.fail_after is None and cls._failing():
                raise cls.fail
            if cls.empty:
                return
            for i, word in enumerate(answer_words(cls.__name__, model, messages)):
                if cls.fail is not None and i == cls.fail_after:
                    raise cls.fail
                yield word
                time.sleep(cls.delay)
        finally:
            cls.probe.closed.set()


class ToyWhole(_Toy, AsyncProvider):
    """Coroutine provider: one whole answer, cannot stream."""

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        cls.probe.calls.append((model, dict(kwargs)))
        try:
            if cls.first_delay:
                await asyncio.sleep(cls.first_delay)
            if cls.fail is not None and cls._failing():
                raise cls.fail
            return "" if cls.empty else answer_text(cls.__name__, model, messages)
        finally:
            cls.probe.closed.set()


def make_provider(
    name: str,
    *,
    base: type[_Toy] = ToyStream,
    working: bool = True,
    models: Sequence[str] = ("toy-1", "gpt-4o"),
    default_model: str | None = "toy-1",
    aliases: dict[str, str] | None = None,
    fail: BaseException | None = None,
    fail_after: int | None = None,
    fail_times: int | None = None,
    empty: bool = False,
    forever: bool = False,
    delay: float = 0.0,
    first_delay: float = 0.0,
    supports_gpt_35_turbo: bool = False,
) -> Any:
    """A new provider class named ``name`` with its own :class:`Probe` (``cls.probe``)."""
    attrs: dict[str, Any] = {
        "url": f"https://{name.lower()}.invalid",
        "working": working,
        "models": list(models),
        "default_model": default_model,
        "model_aliases": dict(aliases or {}),
        "probe": Probe(),
        "fail": fail,
        "fail_after": fail_after,
        "fail_times": fail_times,
        "empty": empty,
        "forever": forever,
        "delay": delay,
        "first_delay": first_delay,
        "supports_gpt_35_turbo": supports_gpt_35_turbo,
        "__module__": __name__,
    }
    return type(name, (base,), attrs)


# Fixed classes for tests that name a provider by import path (the CLI's ``module:Class``).
Echo = make_provider("Echo", models=("toy-1", "gpt-4o", "gpt-4o-mini"))
SlowEcho = make_provider("SlowEcho", forever=True, delay=0.05)
Limited = make_provider("Limited", fail=RateLimitError("429 Too Many Requests from the toy"))


class Turns(AsyncGeneratorProvider):
    """Answers ``turns=<number of messages>``; the prompt ``forever`` makes it tick until closed."""

    url = "https://turns.invalid"
    working = True
    supports_stream = True
    probe: ClassVar[Probe] = Probe()

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncIterator[str]:
        try:
            if get_last_user_message(messages) == "forever":
                while True:
                    yield "tick "
                    await asyncio.sleep(0.02)
            yield f"turns={len(messages)}"
        finally:
            cls.probe.closed.set()
