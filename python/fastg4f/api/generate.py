"""One generation request, whatever the endpoint: routing, ``max_tokens``, stop sequences, the
answering provider's name, and the ASGI plumbing every endpoint streams or waits with."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from fastg4f.api.errors import APIError, error_response, to_api_error, unsupported
from fastg4f.api.schemas import parse_json, validate
from fastg4f.client.service import (
    AnswerInfo,
    apply_stop,
    convert_to_provider,
    limit_chunks,
    stream_text,
)
from fastg4f.client.stubs import Usage, stop_list
from fastg4f.models import ModelTable
from fastg4f.providers.types import ProviderType
from fastg4f.routing import Candidate, IterListProvider, provider_name

__all__ = [
    "ClientLeft",
    "Generation",
    "Settings",
    "complete_unless_disconnected",
    "dumps",
    "event_stream",
    "first_unless_disconnected",
    "generation_endpoint",
    "read_body",
    "settings_of",
    "sse",
    "unless_disconnected",
]


_Body = TypeVar("_Body", bound=BaseModel)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Settings:
    """What every handler of one app reads (``app.state.fastg4f``)."""

    table: ModelTable
    limits: Any  # fastg4f.api.app.Limits (no import cycle)
    ignore_working: bool = False
    route_timeout: float | None = None


def settings_of(request: Request) -> Settings:
    """The settings of the app serving ``request``."""
    settings: Settings = request.app.state.fastg4f
    return settings


async def read_body(request: Request, model: type[_Body]) -> _Body:
    """The request's JSON body validated as ``model`` (400 saying what is wrong)."""
    return validate(model, parse_json(await request.body()))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(data: Any) -> str:
    """Compact JSON with raw UTF-8 (one encoder for every call: ``json.dumps`` with options
    builds a new one each time, which was most of the cost of a streamed chunk's framing)."""
    return _ENCODER.encode(data)


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event carrying ``data`` as JSON."""
    head = "" if event is None else f"event: {event}\n"
    return f"{head}data: {dumps(data)}\n\n"


def resolve_providers(spec: str, settings: Settings) -> ProviderType:
    """The ``provider`` field as one provider or an ordered fail-over list.

    Names are separated by commas or spaces; a name given twice (in any case) is tried once;
    more than ``limits.max_providers`` distinct names are refused, so one request makes at most
    that many upstream attempts.

    Raises:
        APIError: 400 for too many names; ``ProviderNotFoundError`` for an unknown one.
    """
    limit = settings.limits.max_providers
    names: dict[str, str] = {}
    for name in spec.replace(",", " ").split():
        names.setdefault(name.casefold(), name)
        if len(names) > limit:
            raise APIError(
                400,
                f"'provider' names at most {limit} distinct providers (fail-over attempts per "
                "request); send fewer names",
                param="provider",
                code="too_many_providers",
            )
    known = settings.table.providers
    chosen: list[ProviderType] = []
    for name in names.values():
        provider = convert_to_provider(name, providers=known)
        if provider not in chosen:
            chosen.append(provider)
    if not chosen:
        raise APIError(400, "'provider' names no provider", param="provider")
    if len(chosen) == 1:
        return chosen[0]
    return IterListProvider(chosen, shuffle=False, timeout=settings.route_timeout)


@dataclass
class Generation:
    """One request's answer as text deltas, cut after ``max_tokens`` provider chunks and at the
    first stop sequence; ``finish_reason`` is ``"length"`` when ``max_tokens`` cut it."""

    settings: Settings
    model: str
    messages: list[dict[str, str]]
    stream: bool
    provider: str | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    answered: list[Candidate] = field(default_factory=list)
    info: AnswerInfo = field(default_factory=AnswerInfo)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            self.stops = stop_list(self.stop, 4)
        except ValueError as exc:
            raise unsupported("stop", str(exc)) from None
        self.chosen = (
            None if self.provider is None else resolve_providers(self.provider, self.settings)
        )

    @property
    def provider_label(self) -> str | None:
        return provider_name(self.answered[0].provider) if self.answered else None

    @property
    def model_label(self) -> str:
        return self.model or (self.answered[0].model if self.answered else "")

    @property
    def finish_reason(self) -> str:
        """The provider's finish reason, ``"length"`` when ``max_tokens`` cut, else ``"stop"``."""
        return self.info.finish_reason or "stop"

    def usage(self) -> Usage:
        """The provider's usage if it reported one, else the estimate of the text so far."""
        return self.info.usage_of(self.messages, "".join(self.text))

    def deltas(self) -> AsyncIterator[str]:
        """The answer's deltas (each is also kept in ``text``)."""
        deltas: AsyncIterator[str] = stream_text(
            self.model,
            self.messages,
            provider=self.chosen,
            # max_tokens counts the provider's chunks: ask for them, streamed or not.
            stream=self.stream or self.max_tokens is not None,
            table=self.settings.table,
            ignore_working=self.settings.ignore_working,
            route_timeout=self.settings.route_timeout,
            on_start=self.answered.append,
            info=self.info,
            max_tokens=self.max_tokens,
            **self.options,
        )
        if self.max_tokens is not None:
            deltas = limit_chunks(deltas, self.max_tokens, self.info)
        if self.stops:
            deltas = apply_stop(deltas, self.stops)
        return self._kept(deltas)

    async def _kept(self, deltas: AsyncIterator[str]) -> AsyncIterator[str]:
        try:
            async for delta in deltas:
                self.text.append(delta)
                yield delta
        finally:
            await aclose(deltas)

    async def first(self) -> tuple[AsyncIterator[str], str | None]:
        """Starts the answer and waits for its first delta (``None``: empty answer), so that a
        failure still gets a real HTTP status before a stream begins."""
        deltas = self.deltas()
        try:
            return deltas, await deltas.__anext__()
        except StopAsyncIteration:
            return deltas, None
        except BaseException:
            await aclose(deltas)
            raise


async def aclose(iterator: AsyncIterator[Any]) -> None:
    """Closes an async iterator if it can be closed."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


class _EventStream(StreamingResponse):
    """``text/event-stream`` that always closes its iterator (and so the upstream request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await aclose(self.body_iterator)  # type: ignore[arg-type]


def event_stream(events: AsyncIterator[str]) -> StreamingResponse:
    """A server-sent event response of ``events`` (already formatted)."""
    return _EventStream(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _until_disconnect(receive: Callable[[], Awaitable[Message]]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class ClientLeft(Exception):
    """The client went away before its answer began (the upstream request was cancelled)."""


async def unless_disconnected(work: Coroutine[Any, Any, _T], request: Request) -> _T:
    """``work``'s result; if the client goes away first, ``work`` is cancelled.

    ``work``'s exception is raised as its own.

    Raises:
        ClientLeft: The client went away before ``work`` finished.
    """
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_until_disconnect(request.receive))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in (task, gone):
            waiting.cancel()
        for waiting in (task, gone):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(waiting, return_exceptions=True)
    if task.done() and not task.cancelled():
        return task.result()
    raise ClientLeft


async def complete_unless_disconnected(generation: Generation, request: Request) -> str:
    """The whole answer (:class:`ClientLeft` if the client went away first: the request is
    cancelled)."""

    async def collect() -> str:
        deltas = generation.deltas()
        try:
            return "".join([text async for text in deltas])
        finally:
            await aclose(deltas)

    return await unless_disconnected(collect(), request)


async def first_unless_disconnected(
    generation: Generation, request: Request
) -> tuple[AsyncIterator[str], str | None]:
    """:meth:`Generation.first` (:class:`ClientLeft` if the client went away before the first
    text: the provider is closed then, so a stream stopped while it waits ends upstream too)."""
    return await unless_disconnected(generation.first(), request)


_Endpoint = Callable[[Request], Awaitable[Response | dict[str, Any]]]


def generation_endpoint(handler: _Endpoint) -> _Endpoint:
    """``handler`` with its failures answered: 499 (no body) when the client left before the
    answer began, the OpenAI error object of any other exception."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response | dict[str, Any]:
        try:
            return await handler(request)
        except ClientLeft:
            return Response(status_code=499)
        except Exception as exc:  # every failure becomes an OpenAI error object
            return error_response(to_api_error(exc))

    return endpoint


def sampling_options(body: Any, names: Sequence[str]) -> dict[str, Any]:
    """The named fields of ``body`` that are set, for the provider."""
    return {name: getattr(body, name) for name in names if getattr(body, name, None) is not None}
