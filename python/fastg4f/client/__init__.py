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
from typing import Any, Generic, TypeVar

from fastg4f.client.service import (
    AnswerInfo,
    apply_stop,
    get_model_and_provider,
    limit_chunks,
    stream_text,
)
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


def _call_kwargs(
    proxy: str | None,
    image: Any,
    image_name: str | None,
    response_format: dict[str, Any] | None,
    raw: bool,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The provider keyword arguments of one ``create`` call (g4f's named parameters folded in,
    ``None`` values left out)."""
    if raw:
        raise ValueError(
            "raw=True (the provider's raw events) is not reproduced by fastg4f; "
            "use stream=True for the answer as it arrives"
        )
    named = {
        "proxy": proxy,
        "image": image,
        "image_name": image_name,
        "response_format": response_format,
    }
    return {k: v for k, v in {**kwargs, **named}.items() if v is not None}


_Result = TypeVar("_Result")


class _Job:
    """One chat completion request, resolved; produces chunks or a whole completion."""

    def __init__(
        self,
        client: _BaseClient,
        model: str | Model | None,
        messages: Messages | str,
        *,
        stream: bool,
        provider: ProviderType | str | None,
        timeout: float | None,
        stop: str | Sequence[str] | None,
        max_tokens: int | None,
        ignore_working: bool | None,
        ignore_stream: bool,
        kwargs: dict[str, Any],
    ) -> None:
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if not isinstance(messages, list):
            raise TypeError(f"messages must be a list of message dicts, got {type(messages)!r}")
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 0
        ):
            raise ValueError(f"max_tokens must be an integer >= 0, got {max_tokens!r}")
        chosen = provider if provider is not None else client.provider
        # An explicit provider runs whatever its ``working`` flag (as g4f's client) unless the
        # caller set ``ignore_working=False``; routing by model skips providers not working
        # unless ``ignore_working=True``.
        setting = client.ignore_working if ignore_working is None else ignore_working
        self.ignore_working = (chosen is not None) if setting is None else setting
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
        self.max_tokens = max_tokens
        self.info = AnswerInfo()
        self.kwargs = {**client.kwargs, **kwargs}
        if max_tokens is not None:
            self.kwargs["max_tokens"] = max_tokens
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
        # max_tokens counts the provider's chunks: a provider is asked to stream then, so the
        # limit cuts the same text whether or not the caller streams.
        deltas = stream_text(
            self.model,
            self.messages,
            provider=self.provider,
            stream=self.stream or self.max_tokens is not None,
            table=self.table,
            ignore_working=self.ignore_working,
            on_start=self._started,
            info=self.info,
            **self.kwargs,
        )
        if self.max_tokens is not None:
            deltas = limit_chunks(deltas, self.max_tokens, self.info)
        return apply_stop(deltas, self.stop) if self.stop else deltas

    @property
    def finish_reason(self) -> str:
        """The provider's finish reason, ``"length"`` when ``max_tokens`` cut, else ``"stop"``."""
        return self.info.finish_reason or "stop"

    def usage(self, text: str) -> Usage:
        """The provider's usage if it reported one, else an estimate."""
        return self.info.usage_of(self.messages, text)

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
        last = ChatCompletionChunk.build(
            None,
            completion_id=self.id,
            model=self.model_label,
            provider=self.provider_label,
            created=created,
            role="assistant" if first else None,
            finish_reason=self.finish_reason,
        )
        if self.info.usage is not None:  # as g4f's client: the provider's usage, never a guess
            last.usage = self.info.usage_of(self.messages, "")
        yield last

    async def complete(self) -> ChatCompletion:
        async with aclosing(self.deltas()) as deltas:  # type: ignore[type-var]
            text = "".join([delta async for delta in deltas])
        return ChatCompletion.build(
            text,
            model=self.model_label,
            provider=self.provider_label,
            usage=self.usage(text),
            completion_id=self.id,
            finish_reason=self.finish_reason,
        )


class _BaseClient:
    def __init__(
        self,
        provider: ProviderType | str | None = None,
        media_provider: ProviderType | str | None = None,
        *,
        api_key: str | None = None,
        proxies: Mapping[str, str] | str | None = None,
        proxy: str | None = None,
        timeout: float | None = None,
        ignore_working: bool | None = None,
        table: ModelTable | None = None,
        **kwargs: Any,
    ) -> None:
        self.provider = provider
        self.media_provider = media_provider
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
        self._attach()

    def _attach(self) -> None:
        """Creates ``chat`` and ``models`` (each client kind its own)."""

    def _model_list(self) -> ModelList:
        return ModelList.of(routable_models(self.table, bool(self.ignore_working)))


class _Completions(Generic[_Result]):
    """``client.chat.completions``: g4f's ``create`` signature, once for both clients."""

    def __init__(self, client: _BaseClient) -> None:
        self._client = client

    def create(
        self,
        messages: Messages | str,
        model: str | Model | None = "",
        provider: ProviderType | str | None = None,
        stream: bool = False,
        proxy: str | None = None,
        image: Any = None,
        image_name: str | None = None,
        response_format: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        stop: str | Sequence[str] | None = None,
        ignore_stream: bool = False,
        raw: bool = False,
        *,
        timeout: float | None = None,
        ignore_working: bool | None = None,
        **kwargs: Any,
    ) -> _Result:
        """A :class:`ChatCompletion`, or an iterator of :class:`ChatCompletionChunk` if ``stream``
        (:class:`AsyncClient`: an :class:`AsyncChatCompletionResponse` to await or iterate).

        The positional order is g4f's (``create(messages, model, provider, stream, ...)``); the
        OpenAI SDK's keyword calls (``create(model=..., messages=...)``) work the same.

        Args:
            messages: The conversation (``[{"role": ..., "content": ...}, ...]``); a string is
                one user message.
            model: Model name or :class:`~fastg4f.models.Model` (``None``/``""``: default).
            provider: Provider class, name or retry provider; overrides the client's default.
                An explicit provider runs even when it is marked ``working = False``.
            stream: Yield chunks as the answer arrives (the role in the first chunk's delta,
                the finish reason in the last one). A provider that cannot stream gives its
                answer as one chunk.
            proxy: Proxy URL for this request (default: the client's).
            image: Passed to the provider as ``image`` (none of fastg4f's providers reads it).
            image_name: Passed to the provider as ``image_name``.
            response_format: Passed to the provider (fastg4f does not post-process JSON).
            max_tokens: Passed to the provider, and the answer ends after that many text
                chunks from the provider (g4f's rule; at least one), with
                ``finish_reason="length"``. ``None``: no limit.
            stop: A string or any number of strings; the answer is cut before the first one.
            ignore_stream: Accepted for g4f compatibility (the client always allows it).
            raw: g4f's raw provider events; not reproduced, only ``False`` is accepted.
            timeout: Passed to the provider as its ``timeout``; when routing by model, also the
                seconds each provider may take to produce its first text.
            ignore_working: ``True``: also use providers marked ``working = False`` when routing
                by model; ``False``: refuse an explicit provider that is not working too;
                ``None`` (default: the client's setting, itself ``None`` by default): explicit
                providers run, routing skips providers that are not working.
            **kwargs: Passed to the provider (``temperature`` ...).

        Raises:
            ModelNotFoundError, ProviderNotFoundError, ValueError (``raw=True``, a negative
                ``max_tokens``): At the call.
            NoProviderError, RetryProviderError: As their names say (see :mod:`fastg4f.errors`);
                with :class:`AsyncClient`, when awaited or iterated.
        """
        job = _Job(
            self._client,
            model,
            messages,
            stream=stream,
            provider=provider,
            timeout=timeout,
            stop=stop,
            max_tokens=max_tokens,
            ignore_working=ignore_working,
            ignore_stream=True,
            kwargs=_call_kwargs(proxy, image, image_name, response_format, raw, kwargs),
        )
        return self._result(job)

    def _result(self, job: _Job) -> _Result:
        raise NotImplementedError


class Completions(_Completions[ChatCompletion | Iterator[ChatCompletionChunk]]):
    """``client.chat.completions`` of the sync :class:`Client`."""

    def _result(self, job: _Job) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        if job.stream:
            return to_sync_iter(job.chunks())
        return run_sync(job.complete())

    def stream(
        self, messages: Messages | str, model: str | Model | None = "", **kwargs: Any
    ) -> Iterator[ChatCompletionChunk]:
        """``create(messages, model, stream=True, ...)`` (g4f's name)."""
        kwargs.pop("stream", None)
        result = self.create(messages, model, stream=True, **kwargs)
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
            routes by model through the model table. An explicit provider runs even when it is
            marked ``working = False`` (as in g4f's client).
        media_provider: g4f's image provider; kept as ``media_provider`` (fastg4f has no image
            API).
        api_key: Passed to providers as ``api_key``.
        proxies: g4f style: ``{"all": url}`` / ``{"https": url}`` or a URL.
        proxy: Proxy URL passed to providers.
        timeout: Default ``timeout`` of a request (see ``chat.completions.create``).
        ignore_working: ``None`` (default): an explicit provider runs whatever its ``working``
            flag, routing by model skips providers not working; ``True``: routing uses them
            too; ``False``: an explicit provider that is not working is refused as well.
        table: Model table to route through (default: the registered providers').
        **kwargs: Passed to every provider call.
    """

    def _attach(self) -> None:
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


class AsyncCompletions(_Completions[AsyncChatCompletionResponse]):
    """``client.chat.completions`` of :class:`AsyncClient`: ``create`` (same arguments as the
    sync client's, in g4f's order) returns an :class:`AsyncChatCompletionResponse`."""

    def _result(self, job: _Job) -> AsyncChatCompletionResponse:
        return AsyncChatCompletionResponse(job)

    def stream(
        self, messages: Messages | str, model: str | Model | None = "", **kwargs: Any
    ) -> AsyncChatCompletionResponse:
        """``create(messages, model, stream=True, ...)`` (g4f's name); iterate it with
        ``async for``."""
        kwargs.pop("stream", None)
        return self.create(messages, model, stream=True, **kwargs)


class AsyncModels:
    """``client.models`` of :class:`AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> ModelList:
        """The model names a request can be routed to (a working provider serves them)."""
        return self._client._model_list()


class AsyncClient(_BaseClient):
    """Async OpenAI-style client (g4f's ``AsyncClient``); same arguments as :class:`Client`."""

    def _attach(self) -> None:
        self.chat = Chat(AsyncCompletions(self))
        self.models = AsyncModels(self)
