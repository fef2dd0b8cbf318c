"""Model and provider resolution, g4f's ``ChatCompletion`` API, and the text-stream core.

``get_model_and_provider`` turns what a caller passed (a model name or :class:`Model`, a provider
class, name or retry provider) into what to run; :func:`stream_text` runs it and yields text
deltas. ``Client``/``AsyncClient``, the CLI and the API server are built on these two.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from fastg4f import debug
from fastg4f.client.stubs import UsageModel
from fastg4f.errors import (
    ProviderNotFoundError,
    ProviderNotWorkingError,
    StreamNotSupportedError,
)
from fastg4f.models import Model, ModelTable, ModelUtils, TableProvider, default_table
from fastg4f.providers.base_provider import concat_chunks
from fastg4f.providers.response import FinishReason, Usage, is_content
from fastg4f.providers.types import BaseProvider, BaseRetryProvider, ProviderType
from fastg4f.routing import (
    Candidate,
    IterListProvider,
    is_working,
    open_stream,
    provider_name,
)
from fastg4f.typing import AsyncResult, CreateResult, Messages

__all__ = [
    "AnswerInfo",
    "ChatCompletion",
    "apply_stop",
    "convert_to_provider",
    "get_model_and_provider",
    "limit_chunks",
    "stream_text",
]


def convert_to_provider(
    provider: str, *, providers: Sequence[ProviderType] | None = None
) -> ProviderType:
    """The provider class named ``provider`` (g4f's ``convert_to_provider``).

    A name with commas or spaces (``"ChatGptt, ChatGptEs"``) gives an :class:`IterListProvider`
    over those providers, in that order. Names match the class name exactly, else ignoring case.
    Only the given (default: registered) providers are considered; nothing is imported.

    Raises:
        ProviderNotFoundError: A name matches no provider (the message lists the known ones).
    """
    known = list(default_table.providers if providers is None else providers)
    names = [part for part in provider.replace(",", " ").split() if part]
    if len(names) > 1:
        return IterListProvider(
            [convert_to_provider(n, providers=known) for n in names], shuffle=False
        )
    wanted = names[0] if names else provider
    by_name = {provider_name(p): p for p in known}
    if wanted in by_name:
        return by_name[wanted]
    folded = {name.casefold(): p for name, p in by_name.items()}
    if wanted.casefold() in folded:
        return folded[wanted.casefold()]
    listing = ", ".join(sorted(by_name)) or "none (fastg4f.providers.__providers__ is empty)"
    raise ProviderNotFoundError(f"Provider {wanted!r} not found. Known providers: {listing}")


def get_model_and_provider(
    model: str | Model | None,
    provider: ProviderType | str | None,
    stream: bool = False,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    logging: bool = True,
    has_images: bool = False,
    *,
    table: ModelTable | None = None,
    timeout: float | None = None,
) -> tuple[str, ProviderType]:
    """What to run for a request: the model name to pass and the provider (g4f's function).

    Args:
        model: A model name, a :class:`Model`, or ``None``/``""`` for the default model. Without
            a provider, a name added to ``ModelUtils.convert`` routes to its ``best_provider``,
            and a provider's class name asks that provider for its default model (as g4f).
        provider: A provider class, a retry provider, a provider name, or ``None`` to route by
            model through the model table.
        stream: Whether the caller wants a stream.
        ignore_working: Allow a provider class marked ``working = False`` (otherwise
            ``ProviderNotWorkingError``; the client passes ``True`` for an explicit provider).
        ignore_stream: Allow ``stream=True`` with a provider that cannot stream (it then yields
            its whole answer at once).
        logging: Log the choice with :func:`fastg4f.debug.log` (printed when
            ``fastg4f.debug.logging`` is on).
        has_images: Accepted for g4f compatibility (fastg4f has no vision routing).
        table: The model table (default: the registered providers').
        timeout: Per-provider routing timeout for model routing (seconds to the first text).

    Returns:
        ``(model name, provider)``; without a provider the provider is a :class:`TableProvider`.

    Raises:
        ModelNotFoundError: Routing by model and the model is not in the table.
        ProviderNotFoundError: ``provider`` is a name no provider has.
        ProviderNotWorkingError: An explicit provider class is not working (and not emulated).
        StreamNotSupportedError: ``stream`` with a provider that cannot stream.
        TypeError: ``provider`` is not a provider.
    """
    table = default_table if table is None else table
    if isinstance(provider, str):
        provider = convert_to_provider(provider, providers=table.providers)
    if provider is None and isinstance(model, str):
        model = ModelUtils.convert.added(model) or model
        if isinstance(model, str) and model and model not in table:
            # g4f's "provider as model": a provider's name asks for its default model.
            by_name = {provider_name(p): p for p in table.providers}
            if model in by_name:
                provider = by_name[model]
                model = getattr(provider, "default_model", None) or ""
    name = model.name if isinstance(model, Model) else (model or "")
    if provider is None:
        if isinstance(model, Model) and model.best_provider is not None:
            best = model.best_provider
            if isinstance(best, TableProvider) and best.table is not table:
                best = TableProvider(best.model, table, timeout=timeout)
            provider = best
        else:
            table.candidates(name)  # raises ModelNotFoundError for an unknown model
            provider = TableProvider(name, table, timeout=timeout)
    if isinstance(provider, type):
        if not issubclass(provider, BaseProvider):
            raise TypeError(f"provider must be a provider class or name, got {provider!r}")
        if not ignore_working and not is_working(provider):
            raise ProviderNotWorkingError(
                f"{provider.__name__} is not working (working = False); "
                "pass ignore_working=True to use it anyway"
            )
        if not name:
            name = getattr(provider, "default_model", None) or ""
        if stream and not ignore_stream and not provider.supports_stream:
            raise StreamNotSupportedError(
                f"{provider.__name__} does not support streaming; "
                "pass ignore_stream=True to get its whole answer as one chunk"
            )
    elif not isinstance(provider, BaseRetryProvider):
        raise TypeError(f"provider must be a provider class or name, got {provider!r}")
    del has_images
    if logging:
        debug.log(
            f"Using {provider_name(provider)} provider" + (f" and {name} model" if name else "")
        )
    return name, provider


def _provider_kwargs(
    provider: ProviderType, ignore_working: bool, kwargs: dict[str, Any]
) -> dict[str, Any]:
    if isinstance(provider, BaseRetryProvider):
        return {**kwargs, "ignore_working": ignore_working}
    return kwargs


@dataclass
class AnswerInfo:
    """What a provider said about its answer besides the text (filled while it streams).

    Attributes:
        finish_reason: The provider's :class:`~fastg4f.providers.response.FinishReason`, or
            ``"length"`` when :func:`limit_chunks` cut the answer; ``None``: it just ended.
        usage: The provider's :class:`~fastg4f.providers.response.Usage` (``None``: not
            reported, estimate it).
    """

    finish_reason: str | None = None
    usage: Usage | None = None

    def note(self, chunk: Any) -> bool:
        """Records ``chunk`` if it is a finish reason or a usage; whether it was one."""
        if isinstance(chunk, FinishReason):
            self.finish_reason = chunk.reason
            return True
        if isinstance(chunk, Usage):
            self.usage = chunk
            return True
        return False

    def usage_of(self, messages: Messages, completion: str) -> UsageModel:
        """The answer's usage: the provider's counts if it reported them, else the estimate
        (:meth:`fastg4f.client.stubs.Usage.of_messages`)."""
        if self.usage is None:
            return UsageModel.of_messages(messages, completion)
        counts = self.usage.get_dict()
        names = ("prompt_tokens", "completion_tokens", "total_tokens")
        return UsageModel(**{name: int(counts.get(name) or 0) for name in names})


async def stream_text(
    model: str | Model | None,
    messages: Messages,
    *,
    provider: ProviderType | str | None = None,
    stream: bool = True,
    table: ModelTable | None = None,
    ignore_working: bool = False,
    route_timeout: float | None = None,
    on_start: Callable[[Candidate], None] | None = None,
    info: AnswerInfo | None = None,
    **kwargs: Any,
) -> AsyncResult:
    """Yields the text deltas of one request (the core of the client, CLI and API server).

    Resolution happens before the first delta is asked for; streaming providers are asked to
    stream, the others give their answer as one delta (the stream check is not applied here).
    Response objects (:mod:`fastg4f.providers.response`) are treated as g4f's client treats
    them: a finish reason and a usage go to ``info``, objects that add no text are skipped, the
    others are yielded as ``str(obj)``.

    Args:
        model: Model name or :class:`Model` (``None``/``""``: the default).
        messages: The conversation.
        provider: As in :func:`get_model_and_provider`.
        stream: Passed to the provider.
        table: Model table to route through.
        ignore_working: Allow providers not marked working.
        route_timeout: Per-provider routing timeout (seconds to the first text).
        on_start: Called with the provider and model that produce the answer, before its first
            delta.
        info: Receives the provider's finish reason and usage.
        **kwargs: Passed to the provider (``None`` values are dropped).

    Raises:
        See :func:`get_model_and_provider`; then whatever routing or the provider raises.
    """
    name, chosen = get_model_and_provider(
        model, provider, stream, ignore_working, True, table=table, timeout=route_timeout
    )
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    routed = isinstance(chosen, IterListProvider)
    if isinstance(chosen, IterListProvider):
        gen: AsyncResult = chosen.create_async_generator(
            name, messages, stream, on_start=on_start, ignore_working=ignore_working, **kwargs
        )
    else:
        gen = open_stream(Candidate(chosen, name), messages, stream, kwargs)
    async with aclosing(gen):  # type: ignore[type-var]
        started = False
        async for chunk in gen:
            if isinstance(chunk, str):
                text = chunk
            elif (info is not None and info.note(chunk)) or not is_content(chunk):
                continue
            else:
                text = str(chunk)
            if not text:
                continue
            if not started:
                started = True
                if on_start is not None and not routed:
                    on_start(Candidate(chosen, name))
            yield text


async def limit_chunks(
    deltas: AsyncIterator[str], max_tokens: int | None, info: AnswerInfo | None = None
) -> AsyncResult:
    """Yields ``deltas`` up to ``max_tokens`` of them (g4f's client rule), then closes them.

    g4f counts the provider's text chunks, not tokens: the answer ends after the chunk that
    brings the count to ``max_tokens`` (so at least one chunk is given, also for ``0``), and
    ``info.finish_reason`` becomes ``"length"``. ``None``: no limit.
    """
    count = 0
    try:
        async for delta in deltas:
            yield delta
            count += 1
            if max_tokens is not None and count >= max_tokens:
                if info is not None:
                    info.finish_reason = "length"
                return
    finally:
        aclose = getattr(deltas, "aclose", None)
        if aclose is not None:
            await aclose()


async def apply_stop(deltas: AsyncIterator[str], stop: Sequence[str]) -> AsyncResult:
    """Yields ``deltas`` up to (not including) the earliest position where a ``stop`` string starts.

    The result does not depend on how the text is split into deltas. Text that could be the
    start of a stop string is held back until it is decided; on a match,
    the upstream iterator is closed (``aclose``), which ends the provider's request.

    Raises:
        ValueError: A stop string is empty.
    """
    stops = [s for s in stop]
    if any(not s for s in stops):
        raise ValueError("stop strings must not be empty")
    if not stops:
        async for delta in deltas:
            yield delta
        return
    longest = max(len(s) for s in stops)
    pending = ""

    def earliest(text: str) -> int:
        return min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)

    try:
        async for delta in deltas:
            pending += delta
            cut = earliest(pending)
            # Decided once no stop string could still start before ``cut`` (all are complete).
            if cut >= 0 and cut + longest - 1 <= len(pending):
                if cut:
                    yield pending[:cut]
                return
            # Text before ``safe`` cannot be the start of a stop string any more.
            safe = len(pending) - longest + 1
            if cut >= 0:
                safe = min(safe, cut)
            if safe > 0:
                yield pending[:safe]
                pending = pending[safe:]
        cut = earliest(pending)
        if cut >= 0:
            pending = pending[:cut]
        if pending:
            yield pending
    finally:
        aclose = getattr(deltas, "aclose", None)
        if aclose is not None:
            await aclose()


class ChatCompletion:
    """g4f's legacy API: ``ChatCompletion.create(model, messages, ...)``."""

    @staticmethod
    def create(
        model: str | Model | None,
        messages: Messages,
        provider: ProviderType | str | None = None,
        stream: bool = False,
        image: Any = None,
        image_name: str | None = None,
        ignore_working: bool = False,
        ignore_stream: bool = False,
        **kwargs: Any,
    ) -> str | CreateResult:
        """The answer as a string, or a generator of text deltas when ``stream``.

        Works inside a running event loop too. Raises what :func:`get_model_and_provider` raises
        (``ProviderNotWorkingError``, ``StreamNotSupportedError`` ...), then the provider's errors.
        """
        name, chosen = get_model_and_provider(
            model, provider, stream, ignore_working, ignore_stream
        )
        if image is not None:
            kwargs["image"] = image
        if image_name is not None:
            kwargs["image_name"] = image_name
        kwargs = _provider_kwargs(chosen, ignore_working, kwargs)
        result = chosen.create_completion(name, messages, stream=stream, **kwargs)
        return result if stream else concat_chunks(result)

    @staticmethod
    def create_async(
        model: str | Model | None,
        messages: Messages,
        provider: ProviderType | str | None = None,
        stream: bool = False,
        image: Any = None,
        image_name: str | None = None,
        ignore_working: bool = False,
        ignore_stream: bool = False,
        **kwargs: Any,
    ) -> AsyncResult | Coroutine[Any, Any, str]:
        """A coroutine of the answer, or an async generator of text deltas when ``stream``.

        Raises:
            StreamNotSupportedError: ``stream`` with a provider that has no async generator
                style or cannot stream (unless ``ignore_stream``).
        """
        name, chosen = get_model_and_provider(
            model, provider, stream, ignore_working, ignore_stream
        )
        if image is not None:
            kwargs["image"] = image
        if image_name is not None:
            kwargs["image_name"] = image_name
        kwargs = _provider_kwargs(chosen, ignore_working, kwargs)
        if stream:
            create = getattr(chosen, "create_async_generator", None)
            if create is None:
                raise StreamNotSupportedError(
                    f"{provider_name(chosen)} has no async generator call style"
                )
            result: AsyncResult = create(name, messages, stream=True, **kwargs)
            return result
        coroutine: Coroutine[Any, Any, str] = chosen.create_async(name, messages, **kwargs)
        return coroutine
