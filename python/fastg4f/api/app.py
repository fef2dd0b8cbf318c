"""The FastAPI application behind ``fastg4f api`` (see :mod:`fastg4f.api` for the contract).

``create_app`` is a small factory: the handlers live at module level and read the app's
:class:`~fastg4f.api.generate.Settings` from ``request.app.state.fastg4f``; request bodies are
parsed and validated by :mod:`fastg4f.api.schemas`; answers are the client's result objects
(:mod:`fastg4f.client.stubs`) serialised. More routers can be added to the returned app with
``app.include_router`` (the 404 message lists every ``/v1`` route the app has).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import os
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastg4f import __version__, trace
from fastg4f.api import gui
from fastg4f.api.errors import APIError, error_response, to_api_error, unsupported
from fastg4f.api.generate import (
    Generation,
    Settings,
    aclose,
    complete_unless_disconnected,
    dumps,
    event_stream,
    first_unless_disconnected,
    generation_endpoint,
    read_body,
    sampling_options,
    settings_of,
    sse,
)
from fastg4f.api.limits import LOOPBACK_HOSTS, Limits
from fastg4f.api.responses import completions, responses
from fastg4f.api.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    ResponsesRequest,
    render_messages,
)
from fastg4f.client.stubs import ChatCompletion, ChatCompletionChunk, ModelList, routable_models
from fastg4f.models import ModelTable
from fastg4f.providers.types import ProviderType

__all__ = ["LOOPBACK_HOSTS", "Limits", "create_app", "create_app_from_env"]

# ---------------------------------------------------------------- the guard in front of the app


class _Guard:
    """Host check, authentication, body size and body time limits, before any handler runs.

    The order is what a client can rely on: a bad ``Host`` is refused (400) before anything
    else, a missing key (401) before the body is read, so an unauthenticated request never
    learns what is wrong with its body.
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: Limits,
        api_key: str | None,
        allowed_hosts: Sequence[str] | None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.key = None if api_key is None else api_key.encode("utf-8")
        any_host = allowed_hosts is None or "*" in allowed_hosts
        self.hosts = None if any_host else {h.lower() for h in allowed_hosts or ()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> APIError | None:
        if self.hosts is not None and _host_name(headers.get(b"host", b"")) not in self.hosts:
            return APIError(
                400,
                "Invalid Host header: this server answers "
                + ", ".join(sorted(self.hosts))
                + " (fastg4f api --allowed-hosts adds names)",
                code="invalid_host",
            )
        if self.key is not None and str(scope.get("path", "")).startswith("/v1"):
            scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.key):
                return APIError(
                    401,
                    "Invalid or missing API key; send 'Authorization: Bearer <key>'",
                    code="invalid_api_key",
                )
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return APIError(400, "Invalid Content-Length header", code="bad_request")
            if int(length) > self.limits.max_body_bytes:
                return self._too_large()
        return None

    def _limited(self, receive: Receive) -> Receive:
        limit, budget = self.limits.max_body_bytes, self.limits.body_timeout
        received = 0
        deadline: float | None = None
        more = True

        async def limited() -> Message:
            nonlocal received, deadline, more
            if not more:  # the body is complete: waiting for a disconnect has no deadline
                return await receive()
            loop = asyncio.get_running_loop()
            if deadline is None:
                deadline = loop.time() + budget
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise APIError(
                    408,
                    f"The request body was not received within {budget:g} s",
                    code="request_timeout",
                    headers={"connection": "close"},
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more = bool(message.get("more_body", False))
                if received > limit:
                    raise self._too_large()
            return message

        return limited

    def _too_large(self) -> APIError:
        return APIError(
            413,
            f"Request body is larger than the limit of {self.limits.max_body_bytes} bytes",
            code="request_too_large",
        )


def _host_name(host: bytes) -> str:
    """The name of a ``Host`` header without its port (``[::1]`` keeps its brackets)."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[: text.find("]") + 1] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


# ---------------------------------------------------------------- handlers


_SCHEMA_REF = "#/components/schemas/{model}"


@functools.cache
def _body_schemas() -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """Each request body's ``$ref`` and the shared definitions, all under ``components.schemas``.

    The bodies are read by the handlers themselves (bounded, with the API's errors), so FastAPI
    does not see their models; their JSON Schema is generated here with references that resolve
    from the OpenAPI document's root, as Swagger UI and ReDoc require (no nested ``$defs``).
    """
    keys, definitions = models_json_schema(
        [(body, "validation") for _, _, body in _POSTS], ref_template=_SCHEMA_REF
    )
    refs = {body: keys[(body, "validation")] for _, _, body in _POSTS}
    return refs, definitions.get("$defs", {})


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = _body_schemas()[0][model]
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _install_body_definitions(app: FastAPI) -> None:
    """Adds the request bodies' definitions to the ``components.schemas`` of ``/openapi.json``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = app.openapi_schema
        if document is None:
            document = build()  # FastAPI caches it in app.openapi_schema
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in _body_schemas()[1].items():
                schemas.setdefault(name, schema)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def health(request: Request) -> dict[str, Any]:
    """Liveness: always ``{"status": "ok"}`` with the version and counts."""
    settings = settings_of(request)
    models = routable_models(settings.table, settings.ignore_working)
    return {"status": "ok", "version": __version__, "models": len(models)}


async def list_models(request: Request) -> dict[str, Any]:
    """The model ids a request can be routed to (OpenAI's list shape)."""
    settings = settings_of(request)
    return ModelList.of(routable_models(settings.table, settings.ignore_working)).model_dump()


async def get_model(model: str, request: Request) -> dict[str, Any]:
    """One model id (404 if no provider routes it)."""
    settings = settings_of(request)
    models = ModelList.of(routable_models(settings.table, settings.ignore_working))
    for info in models:
        if info.id == model:
            return info.model_dump()
    raise APIError(
        404,
        f"Model {model!r} not found. GET /v1/models lists the models this server routes",
        param="model",
        code="model_not_found",
    )


_PASSED = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "seed")


def _check_chat(body: ChatCompletionRequest) -> None:
    """Rejects what no provider can honour (tools are fine when ``tool_choice`` is ``"none"``)."""
    if body.n not in (None, 1):
        raise unsupported("n", "Only n=1 is supported")
    for tools, choice in (("tools", "tool_choice"), ("functions", "function_call")):
        value = getattr(body, choice)
        if value is not None and value not in ("none", "auto"):
            raise unsupported(
                choice, f"{choice} {value!r} needs tool calling, which is unsupported"
            )
        if getattr(body, tools) and value != "none":
            raise unsupported(
                tools,
                f'Tool calling is not supported by the providers; send {choice} "none" to '
                "keep the tools in the request unused",
            )
    if body.logprobs or body.top_logprobs:
        param = "logprobs" if body.logprobs else "top_logprobs"
        raise unsupported(param, "logprobs are not available from the providers")
    if body.logit_bias:
        raise unsupported("logit_bias", "logit_bias is not supported by the providers")
    if body.response_format is not None and body.response_format.get("type") != "text":
        raise unsupported(
            "response_format", "Only response_format {'type': 'text'} is supported (no JSON mode)"
        )
    for name in ("audio", "prediction", "web_search_options"):
        if getattr(body, name) is not None:
            raise unsupported(name, f"{name} is not supported by the providers")
    if body.modalities is not None and body.modalities != ["text"]:
        raise unsupported("modalities", "Only the text modality is supported")


@generation_endpoint
async def chat_completions(request: Request) -> Response | dict[str, Any]:
    """A chat completion (``stream: true``: server-sent ``chat.completion.chunk`` events)."""
    settings = settings_of(request)
    body = await read_body(request, ChatCompletionRequest)
    _check_chat(body)
    limits = settings.limits
    timing = trace.begin()
    generation = Generation(
        settings,
        body.model,
        render_messages(body.messages, limits.max_messages, limits.max_message_chars),
        bool(body.stream),
        provider=body.provider,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stop=body.stop,
        options=sampling_options(body, _PASSED),
    )
    if not body.stream:
        text = await complete_unless_disconnected(generation, request)
        answer = ChatCompletion.build(
            text,
            model=generation.model_label,
            provider=generation.provider_label,
            usage=generation.usage(),
            finish_reason=generation.finish_reason,
        ).model_dump()
        return {**answer, "fastg4f": timing.summary(generation.provider_label)}
    deltas, first = await first_unless_disconnected(generation, request)
    timing.mark_first_text()
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return event_stream(_chat_events(generation, deltas, first, include_usage, timing))


def chunk_data(chunk: ChatCompletionChunk) -> dict[str, Any]:
    """``chunk`` as OpenAI sends it: a delta holds only what it carries (``{}`` at the end)."""
    data = chunk.model_dump()
    for choice in data["choices"]:
        choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
    return data


def content_frame(chunk: ChatCompletionChunk) -> tuple[str, str]:
    """The text around the content of ``chunk``'s ``_sse`` event (constant per stream).

    ``head + dumps(text) + tail`` is the event of ``chunk`` with ``text`` as its content; the
    content is replaced by a placeholder that no other string of the chunk can hold, so each
    content chunk of a stream costs one ``json.dumps`` of its text.
    """
    chunk.choices[0].delta.content = "\0"
    head, _, tail = sse(chunk_data(chunk)).rpartition(dumps("\0"))
    return head, tail


async def _chat_events(
    generation: Generation,
    deltas: AsyncIterator[str],
    first: str | None,
    include_usage: bool,
    timing: trace.CompletionTrace,
) -> AsyncIterator[str]:
    # The provider is known once the first text arrived: the envelope is built once.
    cid, created = ChatCompletion.build("", model="", provider=None).id, int(time.time())

    def chunk(content: str | None, **kw: Any) -> ChatCompletionChunk:
        return ChatCompletionChunk.build(
            content,
            completion_id=cid,
            model=generation.model_label,
            provider=generation.provider_label,
            created=created,
            **kw,
        )

    head, tail = content_frame(chunk(""))
    try:
        yield sse(chunk_data(chunk(first or "", role="assistant")))
        async for text in deltas:
            yield head + dumps(text) + tail
    except Exception as exc:
        yield sse({"error": to_api_error(exc).body})
        return
    finally:
        await aclose(deltas)
    last = chunk_data(chunk(None, finish_reason=generation.finish_reason))
    yield sse({**last, "fastg4f": timing.summary(generation.provider_label)})
    if include_usage:
        final = chunk(None)
        final.choices = []
        final.usage = generation.usage()
        yield sse(chunk_data(final))
    yield "data: [DONE]\n\n"


# ---------------------------------------------------------------- errors


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return error_response(exc)


def v1_routes(app: Any) -> list[str]:
    """``METHOD /v1/...`` of every route the app has, for the 404 message."""
    found: list[str] = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/v1"):
            methods = sorted((route.methods or set()) - {"HEAD"})
            found.extend(f"{m} {route.path}" for m in methods)
    return found


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
    message = str(exc.detail)
    if exc.status_code in (404, 405):
        routes = ", ".join(v1_routes(request.app))
        message = (
            f"Unknown route {request.method} {request.url.path}. This server has: {routes}"
            if exc.status_code == 404
            else f"{request.method} is not allowed on {request.url.path}. This server has: {routes}"
        )
    error = APIError(exc.status_code, message, code=codes.get(exc.status_code))
    return error_response(error)


# ---------------------------------------------------------------- the factory

_POSTS: tuple[tuple[str, Any, type[BaseModel]], ...] = (
    ("/v1/chat/completions", chat_completions, ChatCompletionRequest),
    ("/v1/responses", responses, ResponsesRequest),
    ("/v1/completions", completions, CompletionRequest),
)


def create_app(
    providers: Sequence[ProviderType] | None = None,
    *,
    api_key: str | None = None,
    offline: bool = False,
    ignore_working: bool = False,
    route_timeout: float | None = None,
    limits: Limits | None = None,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
) -> FastAPI:
    """Builds the OpenAI-compatible application.

    Args:
        providers: Provider classes to route to (default: the registered providers, read on
            every request).
        api_key: If set, every ``/v1`` request must send ``Authorization: Bearer <api_key>``
            (the UTF-8 bytes are compared in constant time, before the body is read).
        offline: Run ``fastg4f.emulators.offline()`` for the app's lifetime (the providers talk
            to local emulators; no network needed).
        ignore_working: Route to providers not marked ``working`` too.
        route_timeout: Seconds each provider may take to produce its first text.
        limits: Request limits (default :class:`Limits`).
        allowed_hosts: Host names (``Host`` header, any port) the app answers; others get 400,
            which stops DNS rebinding. Default: the loopback names :data:`LOOPBACK_HOSTS`;
            ``None`` or ``["*"]``: any.
    """
    limits = limits or Limits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with _offline_context() if offline else contextlib.nullcontext():
            yield

    app = FastAPI(
        title="fastg4f",
        version=__version__,
        description="OpenAI-compatible chat completions routed to gpt4free-style providers.",
        lifespan=lifespan,
    )
    app.state.fastg4f = Settings(ModelTable(providers), limits, ignore_working, route_timeout)
    app.add_middleware(_Guard, limits=limits, api_key=api_key, allowed_hosts=allowed_hosts)
    app.add_exception_handler(APIError, _on_api_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.get("/health")(health)
    app.get("/v1/models")(list_models)
    app.get("/v1/models/{model:path}")(get_model)
    gui.install(app, app.state.fastg4f.table, ignore_working=ignore_working)
    for path, handler, body in _POSTS:
        app.post(path, openapi_extra=_body_schema(body), response_model=None)(handler)
    _install_body_definitions(app)
    return app


def _offline_context() -> contextlib.AbstractContextManager[Any]:
    from fastg4f.emulators import offline

    return offline()


_ENV_PREFIX = "FASTG4F_API_"


def create_app_from_env() -> FastAPI:
    """App factory for running under your own ``uvicorn --factory``; reads ``FASTG4F_API_*``.

    ``FASTG4F_API_KEY`` (API key), ``FASTG4F_API_OFFLINE`` (``1``: offline),
    ``FASTG4F_API_IGNORE_WORKING`` (``1``), ``FASTG4F_API_ROUTE_TIMEOUT`` (seconds),
    ``FASTG4F_API_ALLOWED_HOSTS`` (comma-separated; ``*``: any; default the loopback names).
    ``fastg4f api`` does not use it (its workers get their settings from the parent directly).
    """
    env = os.environ
    timeout = env.get(_ENV_PREFIX + "ROUTE_TIMEOUT")
    hosts = env.get(_ENV_PREFIX + "ALLOWED_HOSTS")
    return create_app(
        api_key=env.get(_ENV_PREFIX + "KEY") or None,
        offline=env.get(_ENV_PREFIX + "OFFLINE") == "1",
        ignore_working=env.get(_ENV_PREFIX + "IGNORE_WORKING") == "1",
        route_timeout=float(timeout) if timeout else None,
        allowed_hosts=hosts.split(",") if hosts else LOOPBACK_HOSTS,
    )
