"""Response objects, headers and option checks shared by both HTTP transports."""

from __future__ import annotations

import json as _json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

if TYPE_CHECKING:  # pragma: no cover - names for type checkers only
    from fastg4f._native import ServerSentEvent

__all__ = [
    "DEFAULT_IMPERSONATE",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "MAX_REDIRECTS",
    "Headers",
    "RequestSpec",
    "Response",
    "StreamResponse",
    "normalize_proxies",
]

DEFAULT_IMPERSONATE = "chrome"
"""curl_cffi's alias for the newest Chrome target the installed curl_cffi supports."""

DEFAULT_TIMEOUT = 120.0
"""Seconds allowed to connect, and the longest wait without receiving any data."""

MAX_REDIRECTS = 20
"""Redirects followed per request before the request fails."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""Methods a transport may re-send on a fresh connection (RFC 9110 §9.2.2). Any other request
(``POST``, ``PATCH``, …) is never sent twice: with curl_cffi it goes out on a new connection."""

PROXY_SCHEMES = frozenset({"http", "https", "socks5", "socks5h", "socks4", "socks4a"})

Translate = Callable[[BaseException], BaseException | None]


@dataclass(frozen=True)
class RequestSpec:
    """One request as a session hands it to its transport (options already checked)."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    data: Any = None
    json: Any = None
    headers: dict[str, str] | None = None
    cookies: dict[str, str] | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    allow_redirects: bool = True
    stream: bool = False


def raise_translated(
    exc: Exception, translate: Translate, request: RequestSpec | None = None
) -> NoReturn:
    """Raise ``translate(exc)`` chained to ``exc``, or ``exc`` if it is no transport error.

    With ``request`` (a failure before the response headers) the message names the request
    and, for a non-idempotent method, says that it was not re-sent.
    """
    mapped = translate(exc)
    if mapped is None:
        raise exc
    if request is not None:
        method = request.method
        note = "" if method in IDEMPOTENT_METHODS else " (not re-sent: it may have been acted on)"
        mapped = type(mapped)(f"{method} {request.url}{note}: {mapped}")
    raise mapped from exc


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only response headers.

    Repeated headers are joined with ``", "`` when read by key; :meth:`get_list` returns each
    value separately (use it for ``set-cookie``).
    """

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = [(k.lower(), v) for k, v in items]

    def get_list(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in received order."""
        key = name.lower()
        return [v for k, v in self._items if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """All ``(lower-case name, value)`` pairs, repeated headers included."""
        return list(self._items)

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._items))

    def __len__(self) -> int:
        return len(dict.fromkeys(k for k, _ in self._items))

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def charset_of(headers: Headers) -> str:
    """The charset named by ``content-type``, or ``utf-8``."""
    for part in headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"').strip()
            try:
                "".encode(charset)
            except LookupError:
                return "utf-8"
            return charset
    return "utf-8"


def normalize_proxies(
    proxy: str | None, proxies: Mapping[str, str] | None
) -> tuple[str | None, dict[str, str]]:
    """Check the proxy options and return ``(proxy for every scheme, {"http"/"https": url})``.

    Raises:
        ValueError: both options were given, a key is not ``http``/``https``/``all``, or a URL has
            no host or a scheme other than http, https, socks5, socks5h, socks4, socks4a.
    """
    if proxy is not None and proxies:
        raise ValueError("pass either proxy= (one proxy for every URL) or proxies=, not both")
    checked: dict[str, str] = {}
    if proxies:
        for key, url in proxies.items():
            if key not in ("http", "https", "all"):
                raise ValueError(
                    f"proxies key {key!r} is not supported; use 'http', 'https' or 'all'"
                )
            checked[key] = _check_proxy_url(url)
        if "all" in checked:
            everything = checked.pop("all")
            checked.setdefault("http", everything)
            checked.setdefault("https", everything)
    return (_check_proxy_url(proxy) if proxy else None), checked


def _check_proxy_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname:
        raise ValueError(
            f"proxy URL {url!r} is not valid; expected scheme://host:port with a scheme among "
            f"{', '.join(sorted(PROXY_SCHEMES))} (e.g. 'socks5://127.0.0.1:1080')"
        )
    return url


def check_timeout(timeout: float | None) -> float | None:
    """Return ``timeout`` as a float, or ``None`` (wait forever).

    Raises:
        ValueError: the timeout is not a positive number.
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    return float(timeout)


def response_fields(raw: Any, backend: str, translate: Translate) -> dict[str, Any]:
    """The keyword arguments of :class:`Response`/:class:`StreamResponse` but the body.

    ``raw`` is a curl_cffi or httpx response: both have ``status_code``, ``url``,
    ``headers.multi_items()`` and a ``cookies.jar`` (a :class:`http.cookiejar.CookieJar`).
    """
    return {
        "status": raw.status_code,
        "url": str(raw.url),
        "headers": Headers(list(raw.headers.multi_items())),
        "cookies": jar_dict(raw.cookies),
        "backend": backend,
        "translate": translate,
    }


def jar_dict(cookies: Any) -> dict[str, str]:
    """``{name: value}`` of a curl_cffi or httpx ``Cookies`` object (its ``jar``)."""
    return {c.name: c.value or "" for c in cookies.jar}


class _ResponseBase:
    """Fields common to sync and async responses.

    ``chunks`` is the body (an iterator for :class:`Response`, an async iterator for
    :class:`StreamResponse`), ``closer`` closes the HTTP stream (it may return an awaitable
    for :class:`StreamResponse`), ``translate`` maps the transport's exceptions.
    """

    _chunks: Any

    def __init__(
        self,
        *,
        status: int,
        url: str,
        headers: Headers,
        cookies: dict[str, str],
        backend: str,
        chunks: Iterator[bytes] | AsyncIterator[bytes],
        closer: Callable[[], Any],
        translate: Translate,
    ) -> None:
        self.status = status
        self.url = url
        self.headers = headers
        self.cookies = cookies
        self.backend = backend
        self.encoding = charset_of(headers)
        self._chunks = chunks
        self._closer = closer
        self._translate = translate
        self._closed = False
        self._content: bytes | None = None
        self._consumed = False

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status` (requests/curl_cffi name)."""
        return self.status

    @property
    def ok(self) -> bool:
        """``True`` when the status is below 400."""
        return self.status < 400

    def _start_consuming(self) -> None:
        if self._consumed:
            raise RuntimeError(
                "the response body was already read; a body can be iterated only once "
                "(use text()/json() after reading it fully, they reuse the buffered body)"
            )
        self._consumed = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status}] {self.url}>"


class Response(_ResponseBase):
    """A sync HTTP response whose body is streamed from the network on demand.

    The body is read lazily: :meth:`iter_content`/:meth:`iter_lines` yield it as it arrives, once;
    :meth:`read`/:meth:`text`/:meth:`json` read the whole body into memory (no size limit: do not
    use them on unbounded streams) and may be called again afterwards. Closing the response (or
    leaving its ``with`` block, or closing a body iterator early) closes the HTTP stream.
    """

    _chunks: Iterator[bytes]

    def iter_content(self) -> Generator[bytes, None, None]:
        """Yield the body as byte chunks as they arrive (empty chunks are skipped).

        Raises:
            RuntimeError: the body was already read.
            fastg4f.errors.TimeoutError: no data arrived within the timeout.
            fastg4f.errors.ConnectionError: the connection broke.
        """
        self._start_consuming()
        try:
            while True:
                try:
                    chunk = next(self._chunks)
                except StopIteration:
                    break
                except Exception as exc:
                    raise_translated(exc, self._translate)
                if chunk:
                    yield chunk
        finally:
            self.close()

    def iter_lines(self, **limits: int) -> Generator[bytes, None, None]:
        """Yield the body line by line as bytes (:func:`fastg4f.stream.iter_lines`: split on
        LF, CR or CRLF, terminators removed, an unterminated last line yielded at the end).

        Args:
            **limits: ``max_line_bytes`` (default 16 MiB), as for :func:`fastg4f.stream.iter_lines`.

        Raises:
            fastg4f.errors.StreamDecodeError: a line exceeded the limit.
        """
        from fastg4f.stream import iter_lines

        with closing(self.iter_content()) as chunks:
            yield from iter_lines(chunks, **limits)

    def iter_sse(self, **limits: int) -> Generator[ServerSentEvent, None, None]:
        """Yield the body's server-sent events as they arrive (:func:`fastg4f.stream.iter_sse`).

        Args:
            **limits: ``max_event_bytes`` (default 16 MiB), as for :func:`fastg4f.stream.iter_sse`.

        Raises:
            fastg4f.errors.StreamDecodeError: an event exceeded the limit.
        """
        from fastg4f.stream import iter_sse

        with closing(self.iter_content()) as chunks:
            yield from iter_sse(chunks, **limits)

    def read(self) -> bytes:
        """The whole body (read once, then buffered)."""
        if self._content is None:
            self._content = b"".join(self.iter_content())
        return self._content

    @property
    def content(self) -> bytes:
        """The whole body (see :meth:`read`)."""
        return self.read()

    def text(self) -> str:
        """The body decoded with the ``content-type`` charset (default UTF-8, errors replaced)."""
        return self.read().decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (``kwargs`` go to :func:`json.loads`)."""
        return _json.loads(self.read(), **kwargs)

    def close(self) -> None:
        """Close the HTTP stream (idempotent); unread body data is discarded."""
        if not self._closed:
            self._closed = True
            self._closer()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class StreamResponse(_ResponseBase):
    """An async HTTP response whose body is streamed from the network on demand.

    Same contract as :class:`Response`, with awaitable body methods: ``await resp.text()``,
    ``await resp.json()``, ``async for chunk in resp.iter_content()``,
    ``async for line in resp.iter_lines()``; ``async with`` or ``await resp.close()`` closes
    the HTTP stream.
    """

    _chunks: AsyncIterator[bytes]

    async def iter_content(self) -> AsyncGenerator[bytes, None]:
        """Yield the body as byte chunks as they arrive (see :meth:`Response.iter_content`)."""
        self._start_consuming()
        try:
            while True:
                try:
                    chunk = await self._chunks.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise_translated(exc, self._translate)
                if chunk:
                    yield chunk
        finally:
            await self.close()

    async def iter_lines(self, **limits: int) -> AsyncGenerator[bytes, None]:
        """Yield the body line by line as bytes (see :meth:`Response.iter_lines`)."""
        from fastg4f.stream import aiter_lines

        chunks = self.iter_content()
        try:
            async for line in aiter_lines(chunks, **limits):
                yield line
        finally:
            await chunks.aclose()

    async def iter_sse(self, **limits: int) -> AsyncGenerator[ServerSentEvent, None]:
        """Yield the body's server-sent events as they arrive (see :meth:`Response.iter_sse`)."""
        from fastg4f.stream import aiter_sse

        chunks = self.iter_content()
        try:
            async for event in aiter_sse(chunks, **limits):
                yield event
        finally:
            await chunks.aclose()

    async def read(self) -> bytes:
        """The whole body (read once, then buffered; no size limit)."""
        if self._content is None:
            self._content = b"".join([c async for c in self.iter_content()])
        return self._content

    async def text(self) -> str:
        """The body decoded with the ``content-type`` charset (default UTF-8, errors replaced)."""
        return (await self.read()).decode(self.encoding, errors="replace")

    async def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (``kwargs`` go to :func:`json.loads`)."""
        return _json.loads(await self.read(), **kwargs)

    async def close(self) -> None:
        """Close the HTTP stream (idempotent); unread body data is discarded."""
        if not self._closed:
            self._closed = True
            result = self._closer()
            if result is not None:
                await result

    async def __aenter__(self) -> StreamResponse:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
