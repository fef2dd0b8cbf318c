"""httpx transport (pure-Python fallback); imported only when a session uses it."""

from __future__ import annotations

import importlib.util
from typing import Any

import httpx

from fastg4f import errors
from fastg4f.requests._base import (
    MAX_REDIRECTS,
    RequestSpec,
    Response,
    StreamResponse,
    jar_dict,
    raise_translated,
    response_fields,
)

NAME = "httpx"


def translate(exc: BaseException) -> BaseException | None:
    """Map an httpx exception to a fastg4f error (``None``: not a transport error)."""
    if isinstance(exc, httpx.TimeoutException):
        return errors.TimeoutError(
            f"HTTP request timed out ({type(exc).__name__}: {exc}); raise timeout= or check "
            "the server"
        )
    if isinstance(
        exc,
        (httpx.ConnectError, httpx.ProxyError, httpx.NetworkError, httpx.RemoteProtocolError),
    ):
        return errors.ConnectionError(
            f"HTTP connection failed ({type(exc).__name__}: {exc}); check the URL, your "
            "network and proxy settings"
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return errors.ResponseError(f"too many redirects (limit {MAX_REDIRECTS}): {exc}")
    if isinstance(exc, httpx.HTTPError):
        return errors.ResponseError(f"HTTP transfer failed ({type(exc).__name__}: {exc})")
    return None


def _client_options(
    proxy: str | None,
    proxies: dict[str, str],
    timeout: float | None,
    headers: dict[str, str],
    cookies: dict[str, str],
    verify: bool,
    transport_class: type[Any],
) -> dict[str, Any]:
    for url in [proxy, *proxies.values()]:
        if url and url.lower().startswith("socks"):
            if not url.lower().startswith(("socks5://", "socks5h://")):
                raise ValueError(
                    f"the httpx backend supports socks5/socks5h proxies only, not {url!r}; "
                    "use the curl_cffi backend for socks4"
                )
            if importlib.util.find_spec("socksio") is None:
                raise errors.MissingRequirementsError(
                    "a socks proxy with the httpx backend needs socksio: "
                    "pip install 'httpx[socks]' (or install curl_cffi)"
                )
    options: dict[str, Any] = {
        "timeout": httpx.Timeout(timeout),
        "headers": headers,
        "cookies": cookies,
        "verify": verify,
        "follow_redirects": True,
        "max_redirects": MAX_REDIRECTS,
    }
    if proxy:
        options["proxy"] = proxy
    elif proxies:
        options["mounts"] = {
            f"{scheme}://": transport_class(proxy=url, verify=verify)
            for scheme, url in proxies.items()
        }
    return options


def _build(client: httpx.Client | httpx.AsyncClient, request: RequestSpec) -> httpx.Request:
    kwargs: dict[str, Any] = {
        "params": request.params,
        "json": request.json,
        "headers": request.headers,
        "cookies": request.cookies,
        "timeout": request.timeout,
    }
    data = request.data
    if isinstance(data, (bytes, str)):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    return client.build_request(request.method, request.url, **kwargs)


class SyncTransport:
    """An ``httpx.Client`` behind fastg4f's sync interface (``impersonate`` is ignored)."""

    def __init__(self, *, impersonate: str | None, **options: Any) -> None:
        del impersonate  # httpx cannot impersonate a browser's TLS/HTTP2 fingerprint
        self._client = httpx.Client(
            **_client_options(**options, transport_class=httpx.HTTPTransport)
        )

    def cookies(self) -> dict[str, str]:
        return jar_dict(self._client.cookies)

    def send(self, request: RequestSpec) -> Response:
        try:
            raw = self._client.send(
                _build(self._client, request),
                stream=request.stream,
                follow_redirects=request.allow_redirects,
            )
        except Exception as exc:
            raise_translated(exc, translate, request)
        fields = response_fields(raw, NAME, translate)
        return Response(chunks=raw.iter_bytes(), closer=raw.close, **fields)

    def close(self) -> None:
        self._client.close()


class AsyncTransport:
    """An ``httpx.AsyncClient`` behind fastg4f's async interface (``impersonate`` is ignored)."""

    def __init__(self, *, impersonate: str | None, **options: Any) -> None:
        del impersonate
        self._client = httpx.AsyncClient(
            **_client_options(**options, transport_class=httpx.AsyncHTTPTransport)
        )

    def cookies(self) -> dict[str, str]:
        return jar_dict(self._client.cookies)

    async def send(self, request: RequestSpec) -> StreamResponse:
        try:
            raw = await self._client.send(
                _build(self._client, request),
                stream=request.stream,
                follow_redirects=request.allow_redirects,
            )
        except Exception as exc:
            raise_translated(exc, translate, request)
        fields = response_fields(raw, NAME, translate)
        return StreamResponse(chunks=raw.aiter_bytes(), closer=raw.aclose, **fields)

    async def close(self) -> None:
        await self._client.aclose()
