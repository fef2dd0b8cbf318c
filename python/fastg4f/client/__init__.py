"""OpenAI-style clients: ``Client`` (sync) and ``AsyncClient``, plus their result objects.

::

    from fastg4f.client import Client

    client = Client()
    response = client.chat.completions.create(model="gpt-4o-mini", messages=[...])
    print(response.choices[0].message.content)

The sync client also works inside a running event loop (Jupyter), without patching asyncio.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Generator, Iterator, Mapping, Sequence
from contextlib import aclosing
from types import TracebackType
from typing import Any

from fastg4f.client.service import apply_stop, get_model_and_provider, stream_text
from fastg4f.client.stubs import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionDeltaChoice,
    ChatCompletionMessage,
    Choice,
    ChunkChoice,
    ModelInfo,
    ModelList,
    Usage,
    UsageModel,
    completion_id,
    routable_models,
    stop_list,
)
from fastg4f.models import Model, ModelTable, default_table
from fastg4f.providers.asyncio import run_sync, to_sync_iter
from fastg4f.providers.types import ProviderType
from fastg4f.routing import Candidate, provider_name
from fastg4f.typing import Messages

__all__ = [
    "AsyncChatCompletionResponse",
    "AsyncClient",
    "ChatCompletion",
    "ChatCompletionChoice",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionDeltaChoice",
    "ChatCompletionMessage",
    "Choice",
    "ChunkChoice",
    "Client",
    "ModelInfo",
    "ModelList",
    "Usage",
    "UsageModel",
]


class _Job:
    """One chat completion request, resolved; produces chunks or a whole completion."""

    def __init__(
        self,
        client: _BaseClient,
        model: str | Model | None,
        messages: Messages,
        *,
        stream: bool,
        provider: ProviderType | str | None,
        timeout: float | None,
        stop: str | Sequence[str] | None,
        ignore_working: bool | None,
        ignore_stream: bool,
        kwargs: dict[str, Any],
    ) -> None:
        if not isinstance(messages, list):
            raise TypeError(f"messages must be a list of message dicts, got {type(messages)!r}")
        self.ignore_working = client.ignore_working if ignore_working is None else ignore_working
        chosen = provider if provider is not None else client.provider
        # Resolved now, so a bad model or provider fails at the call, not at the first chunk.
        self.model, self.provider = get_model_and_provider(
            model,
            chosen,
            stream,
            self.ignore_working,
            ignore_stream,
            table=client.table,
            timeout=timeout,
        )
        self.table = client.table
        self.messages = messages
        self.stream = stream
        self.timeout = timeout if timeout is not None else client.timeout
        self.stop = stop_list(stop)
        self.kwargs = {**client.kwargs, **kwargs}
        if self.timeout is not None:
            self.kwargs.setdefault("timeout", self.timeout)
        self.answered_by: Candidate | None = None
        self.id = completion_id()

    def _started(self, candidate: Candidate) -> None:
        self.answered_by = candidate

    @property
    def provider_label(self) -> str | None:
        return None if self.answered_by is None else provider_name(self.answered_by.provider)

    @property
    def model_label(self) -> str:
        if self.model or self.answered_by is None:
            return self.model
        return self.answered_by.model

    def deltas(self) -> AsyncIterator[str]:
        deltas = stream_text(
            self.model,
            self.messages,
            provider=self.provider,
            stream=self.stream,
            table=self.table,
            ignore_working=self.ignore_working,
            on_start=self._started,
            **self.kwargs,
        )
        return apply_stop(deltas, self.stop) if self.stop else deltas

    async def chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        created = int(time.time())
        first = True
        async with aclosing(self.deltas()) as deltas:  # type: ignore[type-var]
            async for delta in deltas:
                yield ChatCompletionChunk.build(
                    delta,
                    completion_id=self.id,
                    model=self.model_label,
                    provider=self.provider_label,
                    created=created,
                    role="assistant" if first else None,
                )
                first = False
        yield ChatCompletionChunk.build(
            None,
            completion_id=self.id,
            model=self.model_label,
            provider=self.provider_label,
            created=created,
            role="assistant" if first else None,
            finish_reason="stop",
        )

    async def complete(self) -> ChatCompletion:
        async with aclosing(self.deltas()) as deltas:  # type: ignore[type-var]
            text = "".join([delta async for delta in deltas])
        usage = Usage.of_messages(self.messages, text)
        return ChatCompletion.build(
            text,
            model=self.model_label,
            provider=self.provider_label,
            usage=usage,
            completion_id=self.id,
        )


class _BaseClient:
    def __init__(
        self,
        provider: ProviderType | str | None = None,
        api_key: str | None = None,
        proxies: Mapping[str, str] | str | None = None,
        proxy: str | None = None,
        timeout: float | None = None,
        ignore_working: bool = False,
        table: ModelTable | None = None,
        **kwargs: Any,
    ) -> None:
        self.provider = provider
        self.api_key = api_key
        if proxy is None and proxies is not None:
            proxy = (
                proxies
                if isinstance(proxies, str)
                else (proxies.get("all") or proxies.get("https"))
            )
        self.proxy = proxy
        self.timeout = timeout
        self.ignore_working = ignore_working
        self.table = default_table if table is None else table
        self.kwargs: dict[str, Any] = {k: v for k, v in kwargs.items() if v is not None}
        if api_key is not None:
            self.kwargs["api_key"] = api_key
        if proxy is not None:
            self.kwargs["proxy"] = proxy

    def _job(
        self,
        model: str | Model | None,
        messages: Messages,
        stream: bool,
        provider: ProviderType | str | None,
        timeout: float | None,
        stop: str | Sequence[str] | None,
        ignore_working: bool | None,
        ignore_stream: bool,
        kwargs: dict[str, Any],
    ) -> _Job:
        return _Job(
            self,
            model,
            messages,
            stream=stream,
            provider=provider,
            timeout=timeout,
            stop=stop,
            ignore_working=ignore_working,
            ignore_stream=ignore_stream,
            kwargs={k: v for k, v in kwargs.items() if v is not None},
        )

    def _model_list(self) -> ModelList:
        return ModelList.of(routable_models(self.table, self.ignore_working))


class Completions:
    """``client.chat.completions`` of the sync :class:`Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        model: str | Model | None,
        messages: Messages,
        stream: bool = False,
        provider: ProviderType | str | None = None,
        timeout: float | None = None,
        stop: str | Sequence[str] | None = None,
        ignore_working: bool | None = None,
        ignore_stream: bool = True,
        **kwargs: Any,
    ) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        """A :class:`ChatCompletion`, or an iterator of :class:`ChatCompletionChunk` if ``stream``.

        Args:
            model: Model name or :class:`~fastg4f.models.Model` (``None``/``""``: default).
            messages: The conversation (``[{"role": ..., "content": ...}, ...]``).
            stream: Yield chunks as the answer arrives (the role in the first chunk's delta,
                ``finish_reason="stop"`` in the last one). A provider that cannot stream gives
                its answer as one chunk.
            provider: Provider class, name or retry provider; overrides the client's default.
            timeout: Passed to the provider as its ``timeout``; when routing by model, also the
                seconds each provider may take to produce its first text.
            stop: A string or up to any number of strings; the answer is cut before the first one.
            ignore_working: Allow providers marked ``working = False`` (default: the client's).
            ignore_stream: Accepted for g4f compatibility (the client always allows it).
            **kwargs: Passed to the provider (``proxy``, ``temperature``, ``max_tokens`` ...).

        Raises:
            ModelNotFoundError, ProviderNotFoundError, ProviderNotWorkingError, NoProviderError,
            RetryProviderError: As their names say (see :mod:`fastg4f.errors`).
        """
        job = self._client._job(
            model, messages, stream, provider, timeout, stop, ignore_working, True, kwargs
        )
        if stream:
            return to_sync_iter(job.chunks())
        return run_sync(job.complete())

    def stream(
        self, model: str | Model | None, messages: Messages, **kwargs: Any
    ) -> Iterator[ChatCompletionChunk]:
        """``create(..., stream=True)`` (g4f's name)."""
        kwargs.pop("stream", None)
        result = self.create(model, messages, stream=True, **kwargs)
        assert not isinstance(result, ChatCompletion)
        return result


class Chat:
    """``client.chat``."""

    def __init__(self, completions: Any) -> None:
        self.completions = completions


class Models:
    """``client.models`` of the sync :class:`Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> ModelList:
        """The model names a request can be routed to (a working provider serves them)."""
        return self._client._model_list()


class Client(_BaseClient):
    """Sync OpenAI-style client (g4f's ``Client``).

    Args:
        provider: Default provider (class, name or retry provider) for every request; ``None``
            routes by model through the model table.
        api_key: Passed to providers as ``api_key``.
        proxies: g4f style: ``{"all": url}`` / ``{"https": url}`` or a URL.
        proxy: Proxy URL passed to providers.
        timeout: Default ``timeout`` of a request (see ``chat.completions.create``).
        ignore_working: Allow providers marked ``working = False``.
        table: Model table to route through (default: the registered providers').
        **kwargs: Passed to every provider call.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat = Chat(Completions(self))
        self.models = Models(self)


class AsyncChatCompletionResponse:
    """What ``AsyncClient.chat.completions.create`` returns: awaitable **and** async-iterable.

    * ``await response`` gives the :class:`ChatCompletion` (``stream=False``), or the stream
      itself (``stream=True``, OpenAI's style: ``stream = await create(..., stream=True)``).
    * ``async for chunk in response`` iterates the chunks (``stream=True``; g4f's style works
      without ``await``).

    Nothing runs until it is awaited or iterated. Close an unfinished stream with ``aclose()`` or
    ``async with``; that closes the provider's request.
    """

    def __init__(self, job: _Job) -> None:
        self._job = job
        self._iterator: AsyncIterator[ChatCompletionChunk] | None = None

    def __await__(self) -> Generator[Any, None, Any]:
        if self._job.stream:
            return self._self().__await__()
        return self._job.complete().__await__()

    async def _self(self) -> AsyncChatCompletionResponse:
        return self

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        if not self._job.stream:
            raise TypeError("this is not a stream (stream=False): await it for the completion")
        if self._iterator is None:
            self._iterator = self._job.chunks()
        return self._iterator

    async def __anext__(self) -> ChatCompletionChunk:
        return await self.__aiter__().__anext__()

    async def aclose(self) -> None:
        """Stops the stream and closes the provider's request (idempotent)."""
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncChatCompletionResponse:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncCompletions:
    """``client.chat.completions`` of :class:`AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def create(
        self,
        model: str | Model | None,
        messages: Messages,
        stream: bool = False,
        provider: ProviderType | str | None = None,
        timeout: float | None = None,
        stop: str | Sequence[str] | None = None,
        ignore_working: bool | None = None,
        ignore_stream: bool = True,
        **kwargs: Any,
    ) -> AsyncChatCompletionResponse:
        """Like :meth:`Completions.create`; returns an :class:`AsyncChatCompletionResponse`.

        Raises:
            ModelNotFoundError, ProviderNotFoundError, ProviderNotWorkingError: At the call.
            NoProviderError, RetryProviderError: When awaited or iterated.
        """
        job = self._client._job(
            model, messages, stream, provider, timeout, stop, ignore_working, True, kwargs
        )
        return AsyncChatCompletionResponse(job)

    def stream(
        self, model: str | Model | None, messages: Messages, **kwargs: Any
    ) -> AsyncChatCompletionResponse:
        """``create(..., stream=True)`` (g4f's name); iterate it with ``async for``."""
        kwargs.pop("stream", None)
        return self.create(model, messages, stream=True, **kwargs)


class AsyncModels:
    """``client.models`` of :class:`AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> ModelList:
        """The model names a request can be routed to (a working provider serves them)."""
        return self._client._model_list()


class AsyncClient(_BaseClient):
    """Async OpenAI-style client (g4f's ``AsyncClient``); same arguments as :class:`Client`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat = Chat(AsyncCompletions(self))
        self.models = AsyncModels(self)
