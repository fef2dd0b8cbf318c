"""``Session`` (sync) and ``StreamSession`` (async): one interface over curl_cffi or httpx."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType, TracebackType
from typing import Any, Literal

from fastg4f.errors import FastG4FError, MissingRequirementsError
from fastg4f.requests._base import (
    DEFAULT_IMPERSONATE,
    DEFAULT_TIMEOUT,
    RequestSpec,
    Response,
    StreamResponse,
    check_timeout,
    normalize_proxies,
)

__all__ = ["Backend", "Session", "StreamSession", "available_backends", "default_backend"]

Backend = Literal["curl_cffi", "httpx"]

_MODULES: dict[str, str] = {
    "curl_cffi": "fastg4f.requests._curl",
    "httpx": "fastg4f.requests._httpx",
}

# Sentinel for "use the session's timeout" (``None`` means "no timeout").
_UNSET: Any = ...


def available_backends() -> list[str]:
    """The transports whose library is installed, preferred first (nothing is imported)."""
    return [name for name in _MODULES if importlib.util.find_spec(name) is not None]


def default_backend() -> str:
    """``"curl_cffi"`` when it is installed, else ``"httpx"`` (what ``backend=None`` tries first).

    Raises:
        MissingRequirementsError: neither library is installed.
    """
    found = available_backends()
    if not found:
        raise MissingRequirementsError(
            "no HTTP transport is installed: pip install curl_cffi (preferred) or httpx"
        )
    return found[0]


def _load(backend: str | None) -> ModuleType:
    if backend is None:
        failures = []
        for name, module in _MODULES.items():
            try:
                return importlib.import_module(module)
            except ImportError as exc:  # not installed, or installed but broken
                failures.append(f"{name}: {exc}")
        raise MissingRequirementsError(
            "no HTTP transport could be imported (" + "; ".join(failures) + "): "
            "pip install curl_cffi (preferred) or httpx"
        )
    if backend not in _MODULES:
        raise ValueError(f"backend must be 'curl_cffi', 'httpx' or None (auto), got {backend!r}")
    try:
        return importlib.import_module(_MODULES[backend])
    except ImportError as exc:
        raise MissingRequirementsError(
            f"the {backend} backend could not be imported ({exc}): pip install {backend}"
        ) from exc


class _SessionBase:
    _TRANSPORT: str  # the transport class each backend module defines for this session kind

    def __init__(
        self,
        *,
        impersonate: str | None = DEFAULT_IMPERSONATE,
        proxy: str | None = None,
        proxies: Mapping[str, str] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        verify: bool = True,
        backend: Backend | None = None,
        name: str | None = None,
    ) -> None:
        single, per_scheme = normalize_proxies(proxy, proxies)
        module = _load(backend)
        self.backend: str = module.NAME
        self.impersonate = impersonate
        self.timeout = check_timeout(timeout)
        self._transport = getattr(module, self._TRANSPORT)(
            impersonate=impersonate,
            proxy=single,
            proxies=per_scheme,
            timeout=self.timeout,
            headers=dict(headers or {}),
            cookies=dict(cookies or {}),
            verify=verify,
        )
        self.name = name
        self._closed = False

    @property
    def cookies(self) -> dict[str, str]:
        """A snapshot of the session's cookie jar as ``{name: value}``."""
        return dict(self._transport.cookies())

    def _request_timeout(self, timeout: Any) -> float | None:
        return self.timeout if timeout is _UNSET else check_timeout(timeout)

    def _spec(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Any,
        json: Any,
        headers: Mapping[str, str] | None,
        cookies: Mapping[str, str] | None,
        timeout: Any,
        allow_redirects: bool,
        stream: bool,
    ) -> RequestSpec:
        return RequestSpec(
            method.upper(),
            url,
            params,
            data,
            json,
            dict(headers) if headers else None,
            dict(cookies) if cookies else None,
            self._request_timeout(timeout),
            allow_redirects,
            stream,
        )

    @contextmanager
    def _naming_errors(self) -> Iterator[None]:
        """Puts the session's :attr:`name` in front of the message of a fastg4f error raised
        inside (as is without a name)."""
        try:
            yield
        except FastG4FError as exc:
            if not self.name:
                raise
            raise type(exc)(f"{self.name}: {exc}") from exc.__cause__


class Session(_SessionBase):
    """A sync HTTP session with a persistent cookie jar, usable as a context manager.

    Args:
        impersonate: browser fingerprint for curl_cffi (default ``"chrome"``: the newest Chrome
            target of the installed curl_cffi); ignored by the httpx backend.
        proxy: one proxy URL for every request (``http``, ``https``, ``socks5``/``socks5h``;
            ``socks4`` with curl_cffi only; socks with httpx needs ``httpx[socks]``).
        proxies: per-scheme proxies ``{"http": url, "https": url}`` (``"all"`` sets both);
            exclusive with ``proxy``.
        timeout: seconds allowed to connect and to wait for the response headers, and the
            longest wait without receiving body data, for every method (with curl_cffi,
            connecting and the headers share one ``timeout``, and an unstreamed request must
            complete within it); ``None`` waits forever.
        headers: headers sent with every request (per-request headers override them).
        cookies: initial cookies; cookies set by responses are kept for later requests.
        verify: verify TLS certificates.
        backend: ``"curl_cffi"``, ``"httpx"`` or ``None`` (curl_cffi if installed, else httpx).
        name: who uses the session (e.g. a provider name); it starts the message of every
            error raised while sending a request.

    Redirects are followed (at most :data:`~fastg4f.requests.MAX_REDIRECTS`) unless
    ``allow_redirects=False``. With ``stream=True`` the body is read on demand: read it or close
    the response (``with`` does) to release the connection.
    Closing a streamed curl_cffi response (or giving up on a server that does not answer)
    returns at once; curl drops the connection when the next data arrives, or when its
    low-speed check trips on a silent server (about ``timeout`` plus a few seconds; never with
    ``timeout=None``), so keep a timeout for silent servers.

    Raises:
        ValueError: an option is invalid (the message says which and why).
        MissingRequirementsError: the requested backend is not installed.
    """

    _TRANSPORT = "SyncTransport"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        timeout: float | None = _UNSET,
        allow_redirects: bool = True,
        stream: bool = False,
    ) -> Response:
        """Send a request and return once the response headers have arrived.

        Args:
            method: HTTP method, e.g. ``"GET"``.
            url: absolute ``http``/``https`` URL.
            params: query parameters added to the URL.
            data: form fields (a mapping) or a raw body (``bytes``/``str``).
            json: a body serialized as JSON (sets ``content-type``).
            headers: extra headers for this request.
            cookies: extra cookies for this request (not stored in the jar).
            timeout: overrides the session timeout for this request.
            allow_redirects: follow redirects.
            stream: ``False`` (default, as in requests/curl_cffi): the body is read before
                this returns (with curl_cffi, ``timeout`` then limits the whole transfer).
                ``True``: return at the headers; the body arrives as it is read
                (``iter_content``/``iter_lines``), and ``timeout`` limits each wait for data.

        Raises:
            RuntimeError: the session is closed.
            fastg4f.errors.TimeoutError: the server did not answer in time.
            fastg4f.errors.ConnectionError: the connection (or the proxy) failed.
            fastg4f.errors.ResponseError: another transfer failure (e.g. too many redirects).
        """
        if self._closed:
            raise RuntimeError("the session is closed; create a new Session")
        spec = self._spec(
            method, url, params, data, json, headers, cookies, timeout, allow_redirects, stream
        )
        with self._naming_errors():
            response: Response = self._transport.send(spec)
        return response

    def get(self, url: str, **kwargs: Any) -> Response:
        """``request("GET", url, **kwargs)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """``request("POST", url, **kwargs)``."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        """``request("PUT", url, **kwargs)``."""
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """``request("DELETE", url, **kwargs)``."""
        return self.request("DELETE", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        """``request("HEAD", url, **kwargs)``."""
        return self.request("HEAD", url, **kwargs)

    def close(self) -> None:
        """Close the session and its connections (idempotent)."""
        if not self._closed:
            self._closed = True
            self._transport.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _PendingResponse:
    """What :meth:`StreamSession.request` returns: ``await`` it or use it with ``async with``."""

    __slots__ = ("_coro_factory", "_response")

    def __init__(self, coro_factory: Any) -> None:
        self._coro_factory = coro_factory
        self._response: StreamResponse | None = None

    def __await__(self) -> Generator[Any, None, StreamResponse]:
        response: StreamResponse = yield from self._coro_factory().__await__()
        return response

    async def __aenter__(self) -> StreamResponse:
        self._response = await self._coro_factory()
        return self._response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


class StreamSession(_SessionBase):
    """An async HTTP session (g4f's name) with a persistent cookie jar; ``async with`` it.

    Takes the same arguments as :class:`Session`. Request methods return an object that can be
    awaited (``resp = await s.get(url)``) or entered (``async with s.get(url) as resp:``, which
    closes the response on exit). Responses are :class:`StreamResponse` objects.
    """

    _TRANSPORT = "AsyncTransport"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        timeout: float | None = _UNSET,
        allow_redirects: bool = True,
        stream: bool = True,
    ) -> _PendingResponse:
        """Send a request; see :meth:`Session.request` for the arguments and errors.

        Unlike :meth:`Session.request`, ``stream`` defaults to ``True`` (g4f's StreamSession).
        """

        async def send() -> StreamResponse:
            if self._closed:
                raise RuntimeError("the session is closed; create a new StreamSession")
            spec = self._spec(
                method, url, params, data, json, headers, cookies, timeout, allow_redirects, stream
            )
            with self._naming_errors():
                response: StreamResponse = await self._transport.send(spec)
            return response

        return _PendingResponse(send)

    def get(self, url: str, **kwargs: Any) -> _PendingResponse:
        """``request("GET", url, **kwargs)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> _PendingResponse:
        """``request("POST", url, **kwargs)``."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> _PendingResponse:
        """``request("PUT", url, **kwargs)``."""
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> _PendingResponse:
        """``request("DELETE", url, **kwargs)``."""
        return self.request("DELETE", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> _PendingResponse:
        """``request("HEAD", url, **kwargs)``."""
        return self.request("HEAD", url, **kwargs)

    async def close(self) -> None:
        """Close the session and its connections (idempotent)."""
        if not self._closed:
            self._closed = True
            await self._transport.close()

    async def __aenter__(self) -> StreamSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
