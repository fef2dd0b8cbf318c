"""The FastAPI application behind ``fastg4f api`` (see :mod:`fastg4f.api` for the contract)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastg4f import __version__, errors, trace
from fastg4f.api import gui
from fastg4f.client.service import apply_stop, stream_text
from fastg4f.client.stubs import ModelList, Usage, completion_id
from fastg4f.models import ModelTable
from fastg4f.providers.types import ProviderType
from fastg4f.routing import Candidate, is_working, provider_name

__all__ = ["Limits", "create_app", "create_app_from_env", "run_api"]


@dataclass(frozen=True)
class Limits:
    """Request limits of the server; a request over one is rejected (413 or 400).

    Attributes:
        max_body_bytes: Request body size in bytes (413 beyond).
        max_messages: Messages per request.
        max_message_chars: Characters of text per message.
    """

    max_body_bytes: int = 4 * 1024 * 1024
    max_messages: int = 1024
    max_message_chars: int = 256_000

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_messages", "max_message_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be 1 or more, got {getattr(self, name)}")


class APIError(Exception):
    """An error answered as an OpenAI error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "type": type, "param": param, "code": code}


class _BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body is larger than the limit of {limit} bytes")


def _error_response(error: APIError) -> JSONResponse:
    return JSONResponse({"error": error.body}, status_code=error.status)


# ---------------------------------------------------------------- request schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentPart(BaseModel):
    """A message content part; only ``{"type": "text", "text": ...}`` is supported."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message; unknown keys (``name`` ...) are ignored."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    """``stream_options``; ``include_usage`` adds a last chunk with (estimated) usage."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(_Strict):
    """The body of ``POST /v1/chat/completions`` (OpenAI's fields + ``provider``)."""

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    provider: str | None = Field(default=None, description="fastg4f: provider name(s)")
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    seed: int | None = None
    stop: str | list[str] | None = None
    n: int | None = Field(default=None, ge=1)
    user: str | None = None
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    service_tier: str | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: str | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    verbosity: str | None = None
    modalities: list[str] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0)
    logit_bias: dict[str, float] | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None


def _unsupported(param: str, message: str) -> APIError:
    return APIError(400, message, param=param, code="unsupported_parameter")


def _check_request(body: ChatCompletionRequest, limits: Limits) -> list[dict[str, str]]:
    """Rejects what cannot be honoured; returns the messages for the providers."""
    if body.n not in (None, 1):
        raise _unsupported("n", "Only n=1 is supported")
    if body.tools or body.functions:
        param = "tools" if body.tools else "functions"
        raise _unsupported(param, "Tool and function calling is not supported by the providers")
    for name in ("tool_choice", "function_call"):
        value = getattr(body, name)
        if value is not None and value not in ("none", "auto"):
            raise _unsupported(name, f"{name} {value!r} needs tool calling, which is unsupported")
    if body.logprobs:
        raise _unsupported("logprobs", "logprobs are not available from the providers")
    if body.top_logprobs:
        raise _unsupported("top_logprobs", "logprobs are not available from the providers")
    if body.logit_bias:
        raise _unsupported("logit_bias", "logit_bias is not supported by the providers")
    if body.response_format is not None and body.response_format.get("type") != "text":
        raise _unsupported(
            "response_format", "Only response_format {'type': 'text'} is supported (no JSON mode)"
        )
    for name in ("audio", "prediction", "web_search_options"):
        if getattr(body, name) is not None:
            raise _unsupported(name, f"{name} is not supported by the providers")
    if body.modalities is not None and body.modalities != ["text"]:
        raise _unsupported("modalities", "Only the text modality is supported")
    if len(body.messages) > limits.max_messages:
        raise APIError(
            400,
            f"Too many messages: {len(body.messages)} (the limit is {limits.max_messages})",
            param="messages",
            code="too_many_messages",
        )
    messages: list[dict[str, str]] = []
    for i, message in enumerate(body.messages):
        if message.role in ("tool", "function"):
            raise _unsupported(f"messages[{i}].role", "Tool messages need tool calling")
        content = message.content
        if isinstance(content, list):
            texts = []
            for j, part in enumerate(content):
                if part.type != "text" or part.text is None:
                    raise _unsupported(
                        f"messages[{i}].content[{j}]",
                        f"Content part type {part.type!r} is not supported; send text parts",
                    )
                texts.append(part.text)
            text = "\n".join(texts)
        else:
            text = content or ""
        if len(text) > limits.max_message_chars:
            raise APIError(
                400,
                f"messages[{i}] has {len(text)} characters "
                f"(the limit is {limits.max_message_chars})",
                param=f"messages[{i}].content",
                code="message_too_long",
            )
        role = "system" if message.role == "developer" else message.role
        messages.append({"role": role, "content": text})
    return messages


def _stop_list(stop: str | list[str] | None) -> list[str]:
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else list(stop)
    if len(stops) > 4:
        raise _unsupported("stop", f"At most 4 stop sequences, got {len(stops)}")
    if any(not s for s in stops):
        raise _unsupported("stop", "Stop sequences must not be empty")
    return stops


# ---------------------------------------------------------------- error mapping


def _leaf_errors(exc: BaseException) -> list[BaseException]:
    nested = getattr(exc, "exceptions", None)
    if isinstance(nested, dict) and nested:
        return [leaf for inner in nested.values() for leaf in _leaf_errors(inner)]
    return [exc]


def _upstream_status(exc: BaseException) -> tuple[int, str]:
    leaves = _leaf_errors(exc)
    if all(isinstance(e, errors.RateLimitError) for e in leaves):
        return 429, "rate_limit_exceeded"
    if all(isinstance(e, TimeoutError) for e in leaves):
        return 504, "upstream_timeout"
    return 502, "upstream_error"


def to_api_error(exc: BaseException) -> APIError:
    """The OpenAI error (status, type, code) for an exception raised by routing or a provider."""
    if isinstance(exc, APIError):
        return exc
    message = str(exc) or type(exc).__name__
    if isinstance(exc, errors.ModelNotFoundError):
        return APIError(404, message, param="model", code="model_not_found")
    if isinstance(exc, errors.ProviderNotFoundError):
        return APIError(400, message, param="provider", code="provider_not_found")
    if isinstance(exc, errors.ProviderNotWorkingError):
        return APIError(400, message, param="provider", code="provider_not_working")
    if isinstance(exc, errors.NoProviderError | errors.RetryNoProviderError):
        return APIError(503, message, type="server_error", code="no_provider")
    status, code = _upstream_status(exc)
    if not isinstance(exc, errors.FastG4FError):
        message = f"{type(exc).__name__}: {message}"
    return APIError(status, message, type="upstream_error", code=code)


# ---------------------------------------------------------------- ASGI pieces


class _BodyLimitMiddleware:
    """Rejects bodies over the limit: at once by ``Content-Length``, else while reading."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    error = APIError(400, "Invalid Content-Length header", code="bad_request")
                    await _error_response(error)(scope, receive, send)
                    return
                if length > self.limit:
                    await _error_response(self._too_large())(scope, receive, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge(self.limit)
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> APIError:
        return APIError(
            413,
            f"Request body is larger than the limit of {self.limit} bytes",
            code="request_too_large",
        )


class _EventStream(StreamingResponse):
    """``text/event-stream`` that always closes its iterator (and so the upstream request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


async def _until_disconnect(receive: Callable[[], Awaitable[Message]]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _describe_problem(problem: Any) -> str:
    where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body") or "body"
    if problem.get("type") == "extra_forbidden":
        return f"Unrecognized request argument supplied: {where}"
    return f"{where}: {problem.get('msg')}"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _sse(data: Any) -> str:
    return f"data: {_json(data)}\n\n"


def _chunk(
    cid: str,
    created: int,
    model: str,
    provider: str | None,
    delta: dict[str, Any],
    finish_reason: str | None = None,
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "provider": provider,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }


def _content_frame(cid: str, created: int, model: str, provider: str | None) -> tuple[str, str]:
    """The text around the JSON string of a content chunk's ``_sse`` event (constant per stream).

    ``head + _json(text) + tail`` is ``_sse(_chunk(..., {"content": text}))``; the content is the
    last string of the chunk, so splitting at the last placeholder is unambiguous whatever the id,
    model or provider hold.
    """
    chunk = _chunk(cid, created, model, provider, {"content": "\0"})
    head, _, tail = _sse(chunk).rpartition(_json("\0"))
    return head, tail


# ---------------------------------------------------------------- the app


def create_app(
    providers: Sequence[ProviderType] | None = None,
    *,
    api_key: str | None = None,
    offline: bool = False,
    ignore_working: bool = False,
    route_timeout: float | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """Builds the OpenAI-compatible application.

    Args:
        providers: Provider classes to route to (default: the registered providers, read on
            every request).
        api_key: If set, every ``/v1`` request must send ``Authorization: Bearer <api_key>``
            (compared in constant time).
        offline: Run ``fastg4f.emulators.offline()`` for the app's lifetime (the providers talk
            to local emulators; no network needed).
        ignore_working: Route to providers not marked ``working`` too.
        route_timeout: Seconds each provider may take to produce its first text.
        limits: Request limits (default :class:`Limits`).

    Raises:
        MissingRequirementsError: ``offline`` but this build has no ``fastg4f.emulators.offline``.
    """
    limits = limits or Limits()
    table = ModelTable(providers)
    offline_cm = _offline_context() if offline else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if offline_cm is None:
            yield
            return
        with offline_cm():
            yield

    app = FastAPI(
        title="fastg4f",
        version=__version__,
        description="OpenAI-compatible chat completions routed to gpt4free-style providers.",
        lifespan=lifespan,
    )
    app.add_middleware(_BodyLimitMiddleware, limit=limits.max_body_bytes)

    async def check_key(request: Request) -> None:
        if api_key is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        expected = api_key.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise APIError(
                401,
                "Invalid or missing API key; send 'Authorization: Bearer <key>'",
                code="invalid_api_key",
            )

    @app.exception_handler(APIError)
    async def on_api_error(request: Request, exc: APIError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        param = ".".join(loc) or None
        message = "; ".join(_describe_problem(e) for e in problems[:5])
        return _error_response(APIError(400, message, param=param, code="invalid_request"))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
        return _error_response(
            APIError(exc.status_code, str(exc.detail), code=codes.get(exc.status_code))
        )

    gui.install(app, table, ignore_working=ignore_working, dependencies=[Depends(check_key)])

    def routable() -> list[str]:
        entries = table.entries()
        return [
            name
            for name in sorted(entries)
            if ignore_working or any(is_working(c.provider) for c in entries[name])
        ]

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness: always ``{"status": "ok"}`` with the version and counts."""
        return {"status": "ok", "version": __version__, "models": len(routable())}

    @app.get("/v1/models", dependencies=[Depends(check_key)])
    async def list_models() -> dict[str, Any]:
        """The model ids a request can be routed to (OpenAI's list shape)."""
        return ModelList.of(routable()).model_dump()

    @app.get("/v1/models/{model:path}", dependencies=[Depends(check_key)])
    async def get_model(model: str) -> dict[str, Any]:
        """One model id (404 if no provider routes it)."""
        if model not in routable():
            raise APIError(404, f"Model {model!r} not found", param="model", code="model_not_found")
        return {"id": model, "object": "model", "created": 0, "owned_by": "fastg4f"}

    @app.post("/v1/chat/completions", dependencies=[Depends(check_key)], response_model=None)
    async def chat_completions(
        body: ChatCompletionRequest, request: Request
    ) -> Response | dict[str, Any]:
        """A chat completion (``stream: true``: server-sent ``chat.completion.chunk`` events)."""
        try:
            return await answer(body, request)
        except Exception as exc:  # every failure becomes an OpenAI error object
            return _error_response(to_api_error(exc))

    async def answer(body: ChatCompletionRequest, request: Request) -> Response | dict[str, Any]:
        timing = trace.begin()
        messages = _check_request(body, limits)
        stops = _stop_list(body.stop)
        answered: list[Candidate] = []
        deltas: AsyncIterator[str] = stream_text(
            body.model,
            messages,
            provider=body.provider,
            stream=body.stream,
            table=table,
            ignore_working=ignore_working,
            route_timeout=route_timeout,
            on_start=answered.append,
            temperature=body.temperature,
            top_p=body.top_p,
            max_tokens=body.max_tokens or body.max_completion_tokens,
            presence_penalty=body.presence_penalty,
            frequency_penalty=body.frequency_penalty,
            seed=body.seed,
        )
        if stops:
            deltas = apply_stop(deltas, stops)
        cid, created = completion_id(), int(time.time())

        def provider_label() -> str | None:
            return provider_name(answered[0].provider) if answered else None

        def model_label() -> str:
            return body.model or (answered[0].model if answered else "")

        prompt_text = "\n".join(m["content"] for m in messages)
        if not body.stream:
            text = await _complete_unless_disconnected(deltas, request)
            if text is None:
                return Response(status_code=499)
            usage = Usage.estimate(prompt_text, text)
            return {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": model_label(),
                "provider": provider_label(),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage.model_dump(),
                "fastg4f": timing.summary(provider_label()),
            }
        # Wait for the first text before answering, so a failure still gets a real status.
        try:
            first: str | None = await deltas.__anext__()
            timing.mark_first_text()
        except StopAsyncIteration:
            first = None
        except BaseException:
            await _aclose(deltas)
            raise
        include_usage = bool(body.stream_options and body.stream_options.include_usage)

        async def events() -> AsyncIterator[str]:
            # The provider is known once the first text arrived: the labels and the envelope of
            # every content chunk are built once, not per chunk.
            model, provider = model_label(), provider_label()
            head, tail = _content_frame(cid, created, model, provider)
            parts = [] if first is None else [first]
            try:
                delta: dict[str, Any] = {"role": "assistant", "content": first or ""}
                yield _sse(_chunk(cid, created, model, provider, delta))
                async for text in deltas:
                    if include_usage:
                        parts.append(text)
                    yield head + _json(text) + tail
            except Exception as exc:
                yield _sse({"error": to_api_error(exc).body})
                return
            finally:
                await _aclose(deltas)
            last = _chunk(cid, created, model, provider, {}, "stop")
            yield _sse({**last, "fastg4f": timing.summary(provider)})
            if include_usage:
                usage = Usage.estimate(prompt_text, "".join(parts)).model_dump()
                final = _chunk(cid, created, model, provider, {})
                final["choices"] = []
                final["usage"] = usage
                yield _sse(final)
            yield "data: [DONE]\n\n"

        return _EventStream(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return app


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


async def _complete_unless_disconnected(deltas: AsyncIterator[str], request: Request) -> str | None:
    """The joined deltas, or ``None`` if the client went away first (the request is cancelled)."""

    async def collect() -> str:
        try:
            return "".join([text async for text in deltas])
        finally:
            await _aclose(deltas)

    answer = asyncio.ensure_future(collect())
    gone = asyncio.ensure_future(_until_disconnect(request.receive))
    try:
        await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (answer, gone):
            task.cancel()
        for task in (answer, gone):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(task, return_exceptions=True)
    if answer.done() and not answer.cancelled():
        return answer.result()
    return None


def _offline_context() -> Callable[[], contextlib.AbstractContextManager[Any]]:
    import fastg4f.emulators as emulators

    offline = getattr(emulators, "offline", None)
    if offline is None:
        raise errors.MissingRequirementsError(
            "offline mode needs fastg4f.emulators.offline(), which this build does not have yet"
        )
    factory: Callable[[], contextlib.AbstractContextManager[Any]] = offline
    return factory


_ENV_PREFIX = "FASTG4F_API_"


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` with several workers; reads ``FASTG4F_API_*``.

    ``FASTG4F_API_KEY`` (API key), ``FASTG4F_API_OFFLINE`` (``1``: offline),
    ``FASTG4F_API_IGNORE_WORKING`` (``1``), ``FASTG4F_API_ROUTE_TIMEOUT`` (seconds).
    """
    env = os.environ
    timeout = env.get(_ENV_PREFIX + "ROUTE_TIMEOUT")
    return create_app(
        api_key=env.get(_ENV_PREFIX + "KEY") or None,
        offline=env.get(_ENV_PREFIX + "OFFLINE") == "1",
        ignore_working=env.get(_ENV_PREFIX + "IGNORE_WORKING") == "1",
        route_timeout=float(timeout) if timeout else None,
    )


def run_api(
    host: str = "127.0.0.1",
    port: int = 1337,
    *,
    api_key: str | None = None,
    offline: bool = False,
    ignore_working: bool = False,
    route_timeout: float | None = None,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serves the app with uvicorn until interrupted (binds ``127.0.0.1`` unless told otherwise).

    Args:
        host: Interface to bind; ``0.0.0.0`` exposes the server to the network.
        port: TCP port.
        api_key: Require this bearer key on ``/v1`` requests.
        offline: Serve from the local emulators (each worker starts its own).
        ignore_working: Route to providers not marked ``working`` too.
        route_timeout: Seconds each provider may take to produce its first text.
        workers: Worker processes (1: in this process).
        log_level: uvicorn's log level.

    Raises:
        ValueError: ``workers`` or ``port`` out of range.
    """
    import uvicorn

    if workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0..65535, got {port}")
    if workers == 1:
        app = create_app(
            api_key=api_key,
            offline=offline,
            ignore_working=ignore_working,
            route_timeout=route_timeout,
        )
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    if offline:
        _offline_context()  # fail here, not in every worker
    os.environ[_ENV_PREFIX + "KEY"] = api_key or ""
    os.environ[_ENV_PREFIX + "OFFLINE"] = "1" if offline else "0"
    os.environ[_ENV_PREFIX + "IGNORE_WORKING"] = "1" if ignore_working else "0"
    os.environ[_ENV_PREFIX + "ROUTE_TIMEOUT"] = "" if route_timeout is None else str(route_timeout)
    uvicorn.run(
        "fastg4f.api.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
