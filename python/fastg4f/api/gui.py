"""The browser chat page of the API server, the provider list it needs, and offline API docs.

:func:`install` adds to an app:

* ``GET /`` and ``GET /chat/`` — the chat page (plain HTML, CSS and ES modules shipped in the
  package under ``fastg4f/api/static``; no build step, no third-party request);
* ``GET /static/{file}`` — its assets;
* ``GET /v1/providers`` — the providers with their flags and models (behind the API key like
  ``/v1/models``);
* ``GET /docs`` and ``GET /redoc`` — Swagger UI and ReDoc served from the assets of the
  ``fastapi-offline`` package instead of a CDN (when it is installed; FastAPI's CDN pages stay
  otherwise).

Every page and asset is sent with a Content-Security-Policy (:data:`PAGE_CSP`: scripts, styles
and connections only from the server itself, no inline script), ``X-Content-Type-Options:
nosniff`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastg4f.models import ModelTable, served_models
from fastg4f.routing import is_working, provider_name

__all__ = ["DOCS_CSP", "PAGE_CSP", "SECURITY_HEADERS", "install", "provider_list"]

STATIC_DIR = Path(str(resources.files("fastg4f.api") / "static"))
"""The page's files inside the installed package."""

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""Content-Security-Policy of the chat page and its assets."""

DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Content-Security-Policy of ``/docs`` and ``/redoc`` (their HTML, from FastAPI, has an inline
start-up script; every resource still comes from the server itself)."""

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Headers sent with every page and asset (besides the CSP)."""

_DOCS_ASSETS = "/static-docs"


def _headers(csp: str) -> dict[str, str]:
    return {"Content-Security-Policy": csp, **SECURITY_HEADERS}


class _WithHeaders:
    """Adds headers to every response of an ASGI app (the static files)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.raw]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def provider_list(table: ModelTable, *, ignore_working: bool = False) -> list[dict[str, Any]]:
    """The entries of ``GET /v1/providers``: one per provider of ``table``, in routing order.

    Each entry: ``id`` (the name to send as ``provider``), ``object`` ``"provider"``, ``url``,
    ``working`` (the class's own flag), ``emulated`` (served by a local emulator right now),
    ``usable`` (the server routes to it: working, emulated, or the server ignores the flag),
    ``supports_stream``, ``needs_auth``, ``default_model`` and ``models`` (the public names it
    serves).
    """
    from fastg4f.emulators import is_emulated

    entries = []
    for provider in table.providers:
        models = list(served_models(provider))
        entries.append(
            {
                "id": provider_name(provider),
                "object": "provider",
                "url": getattr(provider, "url", None),
                "working": bool(getattr(provider, "working", False)),
                "emulated": is_emulated(provider),
                "usable": ignore_working or is_working(provider),
                "supports_stream": bool(getattr(provider, "supports_stream", False)),
                "needs_auth": bool(getattr(provider, "needs_auth", False)),
                "default_model": getattr(provider, "default_model", None) or None,
                "models": models,
            }
        )
    return entries


def install(
    app: FastAPI,
    table: ModelTable,
    *,
    ignore_working: bool = False,
    dependencies: Sequence[Depends] = (),
) -> None:
    """Adds the chat page, its assets, ``/v1/providers`` and the offline docs to ``app``.

    Args:
        app: The API application.
        table: The model table the server routes through (its providers are listed).
        ignore_working: The server routes to providers not marked working too.
        dependencies: Dependencies of ``/v1/providers`` (the API-key check).
    """
    index = (STATIC_DIR / "index.html").read_bytes()
    page_headers = {**_headers(PAGE_CSP), "Cache-Control": "no-cache"}

    async def page() -> Response:
        return Response(index, media_type="text/html; charset=utf-8", headers=page_headers)

    for path in ("/", "/chat/", "/chat"):
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    static = StaticFiles(directory=STATIC_DIR)
    app.mount("/static", _WithHeaders(static, _headers(PAGE_CSP)), name="gui-static")

    async def list_providers() -> dict[str, Any]:
        """The providers, whether each works or is emulated, and the models each serves."""
        return {
            "object": "list",
            "data": provider_list(table, ignore_working=ignore_working),
        }

    app.add_api_route(
        "/v1/providers",
        list_providers,
        methods=["GET"],
        dependencies=list(dependencies),
        summary="List providers",
    )
    _offline_docs(app)


def _offline_docs(app: FastAPI) -> None:
    """Serves ``/docs`` and ``/redoc`` from ``fastapi-offline``'s assets (if it is installed)."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return
    assets = Path(next(iter(spec.submodule_search_locations))) / "static"
    if not (assets / "swagger-ui-bundle.js").is_file():
        return
    docs_url, redoc_url, openapi_url = app.docs_url, app.redoc_url, app.openapi_url
    if openapi_url is None:
        return
    replaced = {docs_url, redoc_url}
    routes = app.router.routes
    routes[:] = [r for r in routes if getattr(r, "path", None) not in replaced]
    app.mount(_DOCS_ASSETS, _WithHeaders(StaticFiles(directory=assets), _headers(DOCS_CSP)))

    def swagger(root: str) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_js_url=f"{root}{_DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{_DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    def redoc(root: str) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{_DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{_DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    for url, render in ((docs_url, swagger), (redoc_url, redoc)):
        if url is not None:
            app.add_api_route(url, _docs_endpoint(render), methods=["GET"], include_in_schema=False)


def _docs_endpoint(render: Callable[[str], HTMLResponse]) -> Callable[..., Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        page = render(request.scope.get("root_path", ""))
        page.headers.update(_headers(DOCS_CSP))
        return page

    return endpoint
