"""Fail-over between providers: ``IterListProvider`` and ``RetryProvider`` (g4f's names).

The rules (the same for every call style):

* Providers are tried in order (shuffled first if ``shuffle``); the next one is tried only when
  one fails **before it has produced any text**. Once text has been yielded, an error propagates
  unchanged: text from two providers is never mixed or repeated.
* A provider that finishes without any text counts as a failure.
* ``timeout`` (per provider, seconds) bounds the wait for a provider's first text.
* Only providers that are ``working`` are tried, unless ``ignore_working=True``; while
  ``fastg4f.emulators.offline()`` is active, the emulated providers count as working.
* When every provider failed, one :class:`~fastg4f.errors.RetryProviderError` lists each
  provider's failure (``.exceptions`` maps the provider name to its exception).

Nothing here contacts a host by itself: only the providers the caller routes to make requests.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, ClassVar

from fastg4f import errors
from fastg4f.providers.asyncio import iterate_in_thread, to_sync_iter
from fastg4f.providers.base_provider import async_concat_chunks
from fastg4f.providers.response import is_content
from fastg4f.providers.types import BaseProvider, BaseRetryProvider, ProviderType
from fastg4f.typing import AsyncResult, CreateResult, Messages

__all__ = [
    "Candidate",
    "IterListProvider",
    "RetryProvider",
    "failover",
    "is_emulated",
    "is_output",
    "is_working",
    "open_stream",
    "provider_name",
    "register_emulation",
]

OnStart = Callable[["Candidate"], None]
"""Called with the candidate that produced the first text (the one that answers)."""


@dataclass(frozen=True)
class Candidate:
    """One provider to try and the model name to ask it for (its own name for the model)."""

    provider: ProviderType
    model: str


def provider_name(provider: ProviderType) -> str:
    """The display name of a provider class or retry-provider instance."""
    if isinstance(provider, type):
        return provider.__name__
    return str(getattr(provider, "__name__", type(provider).__name__))


EmulationCheck = Callable[[ProviderType], bool]
"""Tells whether a provider is currently served by a local emulator."""

_emulation_checks: list[EmulationCheck] = []


def register_emulation(check: EmulationCheck) -> None:
    """Registers ``check``: a provider it accepts counts as working (see :func:`is_working`).

    ``fastg4f.emulators`` registers its ``is_emulated`` when it is imported, so the providers an
    ``offline()`` block serves are routed to. Registering the same function twice has no effect.
    """
    if check not in _emulation_checks:
        _emulation_checks.append(check)


def is_emulated(provider: ProviderType) -> bool:
    """Whether a registered emulation check (:func:`register_emulation`) accepts ``provider``."""
    return any(check(provider) for check in list(_emulation_checks))


def is_working(provider: ProviderType) -> bool:
    """Whether routing may use ``provider`` by default (``working``, or emulated right now)."""
    return bool(getattr(provider, "working", False)) or is_emulated(provider)


def is_output(chunk: Any) -> bool:
    """Whether a provider's chunk is passed on: text or a response object.

    ``None``, empty strings and exception objects are dropped (as g4f's ``concat_chunks``).
    Response objects that add no text (:class:`~fastg4f.providers.response.FinishReason`,
    ``Usage`` ...) are passed on but do not count as the provider's answer (see
    :func:`~fastg4f.providers.response.is_content`).
    """
    return chunk is not None and chunk != "" and not isinstance(chunk, BaseException)


def open_stream(
    candidate: Candidate, messages: Messages, stream: bool, kwargs: dict[str, Any]
) -> AsyncResult:
    provider = candidate.provider
    create = getattr(provider, "create_async_generator", None)
    if create is not None:
        result: AsyncResult = create(candidate.model, messages, stream=stream, **kwargs)
        return result
    # A bare BaseProvider subclass: its sync generator, iterated in a worker thread.
    return iterate_in_thread(
        lambda: provider.create_completion(candidate.model, messages, stream, **kwargs)
    )


if sys.version_info >= (3, 11):

    async def _first_output(gen: AsyncIterator[Any], timeout: float | None, held: list[Any]) -> Any:
        # Same task as the caller: the provider's generator is never resumed from another task.
        scope = asyncio.timeout(timeout)
        try:
            async with scope:
                async for chunk in gen:
                    if is_content(chunk):
                        return chunk
                    if is_output(chunk):
                        held.append(chunk)
        except TimeoutError:
            if scope.expired():
                raise _RoutingTimeout from None
            raise  # the provider's own timeout
        return _NO_TEXT

else:  # pragma: no cover - exercised on Python 3.10 only

    async def _first_output(gen: AsyncIterator[Any], timeout: float | None, held: list[Any]) -> Any:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            try:
                chunk = await asyncio.wait_for(gen.__anext__(), remaining)
            except StopAsyncIteration:
                return _NO_TEXT
            except asyncio.TimeoutError:
                if deadline is not None and loop.time() >= deadline:
                    raise _RoutingTimeout from None
                raise  # the provider's own timeout
            if is_content(chunk):
                return chunk
            if is_output(chunk):
                held.append(chunk)


_NO_TEXT: Any = object()


class _RoutingTimeout(Exception):
    """The routing deadline for a first text passed (a provider's own timeout is not this)."""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else '(no message)'}"


def _all_failed(errors_by_provider: dict[str, BaseException]) -> errors.RetryProviderError:
    lines = "\n".join(f"  {name}: {_describe(exc)}" for name, exc in errors_by_provider.items())
    error = errors.RetryProviderError(f"All providers failed:\n{lines}")
    error.exceptions = dict(errors_by_provider)  # type: ignore[attr-defined]
    return error


async def failover(
    candidates: Sequence[Candidate],
    messages: Messages,
    *,
    stream: bool = True,
    timeout: float | None = None,
    attempts: int = 1,
    on_start: OnStart | None = None,
    provider_kwargs: Mapping[str, Any] | None = None,
) -> AsyncResult:
    """Yields the answer of the first candidate that produces text (the routing core).

    Args:
        candidates: Providers to try, in this order.
        messages: The conversation.
        stream: Passed to each provider.
        timeout: Seconds each attempt may take to produce its first text (``None``: no limit).
        attempts: How many times each candidate is tried (1 or more).
        on_start: Called once with the candidate whose text is about to be yielded.
        provider_kwargs: Keyword arguments for each provider (``proxy``, ``timeout`` ...).

    Yields:
        The chosen provider's chunks (never empty ones).

    Raises:
        RetryNoProviderError: ``candidates`` is empty.
        RetryProviderError: Every attempt failed before producing text; lists each failure.
        Exception: Whatever the chosen provider raises after its first text.
    """
    if not candidates:
        raise errors.RetryNoProviderError("No provider to try: the provider list is empty")
    if attempts < 1:
        raise ValueError(f"attempts must be 1 or more, got {attempts}")
    failures: dict[str, BaseException] = {}
    kwargs = dict(provider_kwargs or {})
    for candidate in candidates:
        name = provider_name(candidate.provider)
        for attempt in range(attempts):
            label = name if attempts == 1 else f"{name} (attempt {attempt + 1})"
            gen = open_stream(candidate, messages, stream, kwargs)
            held: list[Any] = []
            async with aclosing(gen):  # type: ignore[type-var]
                try:
                    first = await _first_output(gen, timeout, held)
                except _RoutingTimeout:
                    failures[label] = errors.TimeoutError(
                        f"no text within {timeout} s (the per-provider routing timeout)"
                    )
                    continue
                except Exception as exc:
                    failures[label] = exc
                    continue
                if first is _NO_TEXT:
                    failures[label] = errors.ResponseError(f"{name} finished without any text")
                    continue
                if on_start is not None:
                    on_start(candidate)
                for chunk in held:
                    yield chunk
                yield first
                async for chunk in gen:
                    if is_output(chunk):
                        yield chunk
                return
    raise _all_failed(failures)


class IterListProvider(BaseRetryProvider):
    """Tries a list of providers in turn until one answers (g4f's ``IterListProvider``).

    Args:
        providers: Provider classes (or retry-provider instances) to try.
        shuffle: Try them in a random order on every call (g4f's default: ``True``).
        ignore_working: Also try providers marked ``working = False``.
        timeout: Seconds each provider may take to produce its first text (``None``: no limit;
            the ``timeout`` keyword of a call is the providers' own HTTP timeout).

    A call also accepts ``ignore_working=`` to override the instance's setting. See the module
    docstring for the fail-over rules.
    """

    __name__ = "IterListProvider"
    working: ClassVar[bool] = True
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_message_history: ClassVar[bool] = True

    def __init__(
        self,
        providers: Sequence[ProviderType] = (),
        shuffle: bool = True,
        *,
        ignore_working: bool = False,
        timeout: float | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
        for provider in providers:
            _check_provider(provider)
        self._providers: list[ProviderType] = list(providers)
        self.shuffle = shuffle
        self.ignore_working = ignore_working
        self.timeout = timeout
        self.last_provider = None

    @property  # type: ignore[override]
    def providers(self) -> list[ProviderType]:
        """The providers to try (assignable, as in g4f)."""
        return self._providers

    @providers.setter
    def providers(self, value: Sequence[ProviderType]) -> None:
        for provider in value:
            _check_provider(provider)
        self._providers = list(value)

    def __repr__(self) -> str:
        names = ", ".join(provider_name(p) for p in self.providers)
        return f"{type(self).__name__}([{names}])"

    def _attempts(self) -> int:
        return 1

    def candidates(self, model: str, ignore_working: bool | None = None) -> list[Candidate]:
        """The providers a call for ``model`` would try, in order (shuffled if ``shuffle``).

        Raises:
            RetryNoProviderError: The provider list is empty.
            NoProviderError: No provider is working (the message names them and the fix).
        """
        providers = list(self.providers)
        if not providers:
            raise errors.RetryNoProviderError(f"{self!r} has no providers to try")
        ignore = self.ignore_working if ignore_working is None else ignore_working
        usable = providers if ignore else [p for p in providers if is_working(p)]
        if not usable:
            names = ", ".join(provider_name(p) for p in providers)
            raise errors.NoProviderError(
                f"None of the providers is marked working ({names}); pass "
                "ignore_working=True to try them anyway, or use fastg4f.emulators.offline()"
            )
        if self.shuffle:
            random.shuffle(usable)
        return [Candidate(p, model) for p in usable]

    def _note(self, on_start: OnStart | None) -> OnStart:
        def note(candidate: Candidate) -> None:
            self.last_provider = candidate.provider  # type: ignore[assignment]
            if on_start is not None:
                on_start(candidate)

        return note

    def create_async_generator(
        self,
        model: str,
        messages: Messages,
        stream: bool = True,
        *,
        on_start: OnStart | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        """Yields the answer of the first provider that produces text.

        Raises:
            RetryProviderError: Every provider failed before producing text.
            NoProviderError: No provider is working.
        """
        ignore = kwargs.pop("ignore_working", None)
        candidates = self.candidates(model, ignore)
        return failover(
            candidates,
            messages,
            stream=stream,
            timeout=self.timeout,
            attempts=self._attempts() if len(candidates) == 1 else 1,
            on_start=self._note(on_start),
            provider_kwargs=kwargs,
        )

    def create_completion(  # type: ignore[override]
        self, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> CreateResult:
        """Sync :meth:`create_async_generator` (also inside a running event loop)."""
        return to_sync_iter(self.create_async_generator(model, messages, stream, **kwargs))

    async def create_async(  # type: ignore[override]
        self, model: str, messages: Messages, **kwargs: Any
    ) -> str:
        """The whole answer of the first provider that produces text (``stream=False``)."""
        kwargs.pop("stream", None)
        return await async_concat_chunks(
            self.create_async_generator(model, messages, stream=False, **kwargs)
        )

    def get_dict(self) -> dict[str, str | None]:  # type: ignore[override]
        """``{"name", "url", "label"}`` of the retry provider (g4f's shape)."""
        return {"name": type(self).__name__, "url": None, "label": type(self).__name__}


class RetryProvider(IterListProvider):
    """:class:`IterListProvider` that can retry a lone provider (g4f's ``RetryProvider``).

    Args:
        providers: Provider classes to try.
        shuffle: Try them in a random order on every call.
        single_provider_retry: When only one provider is usable, try it up to ``max_retries``
            times (as g4f; a list of several providers is tried once each).
        max_retries: Attempts for a lone provider (1 or more).
        ignore_working: Also try providers marked ``working = False``.
        timeout: Seconds each attempt may take to produce its first text.
    """

    __name__ = "RetryProvider"

    def __init__(
        self,
        providers: Sequence[ProviderType],
        shuffle: bool = True,
        single_provider_retry: bool = False,
        max_retries: int = 3,
        *,
        ignore_working: bool = False,
        timeout: float | None = None,
    ) -> None:
        if max_retries < 1:
            raise ValueError(f"max_retries must be 1 or more, got {max_retries}")
        super().__init__(providers, shuffle, ignore_working=ignore_working, timeout=timeout)
        self.single_provider_retry = single_provider_retry
        self.max_retries = max_retries

    def _attempts(self) -> int:
        return self.max_retries if self.single_provider_retry else 1


def _check_provider(provider: object) -> None:
    if not (isinstance(provider, type) and issubclass(provider, BaseProvider)) and not isinstance(
        provider, BaseRetryProvider
    ):
        raise TypeError(f"expected a provider class, got {provider!r}")
