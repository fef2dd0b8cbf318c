"""curl_cffi transport (browser impersonation); imported only when a session uses it."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from curl_cffi import CurlError, CurlOpt
from curl_cffi.requests import AsyncSession as _CurlAsyncSession
from curl_cffi.requests import Session as _CurlSession
from curl_cffi.requests import exceptions as _exc
from curl_cffi.requests import impersonate as _impersonate
from curl_cffi.requests.streams import STREAM_END

from fastg4f import errors
from fastg4f.requests._base import (
    IDEMPOTENT_METHODS,
    MAX_REDIRECTS,
    RequestSpec,
    Response,
    StreamResponse,
    jar_dict,
    raise_translated,
    response_fields,
)

NAME = "curl_cffi"

# libcurl re-sends a request whose reused keep-alive connection closes without an answer.
# That is harmless for an idempotent method and wrong for any other (the server may act on it
# twice), so the others go out on a fresh connection, where libcurl never retries.
_FRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("fastg4f_curl_fresh", default=False)


def _fresh_connection(method: str) -> bool:
    """Whether ``method`` must not be sent on a reused connection (not idempotent)."""
    return method not in IDEMPOTENT_METHODS


class _FreshOptions:
    """``curl_options`` that curl_cffi reads for each request: the session's, plus
    ``FRESH_CONNECT`` set from the request's context (an explicit 0 or 1, as curl handles are
    reused)."""

    _base: dict[Any, Any]

    @property
    def curl_options(self) -> dict[Any, Any]:
        return {**self._base, CurlOpt.FRESH_CONNECT: int(_FRESH.get())}

    @curl_options.setter
    def curl_options(self, value: dict[Any, Any] | None) -> None:
        self._base = dict(value or {})


class _SyncCurl(_FreshOptions, _CurlSession[Any]):
    pass


class _AsyncCurl(_FreshOptions, _CurlAsyncSession[Any]):
    pass


def translate(exc: BaseException) -> BaseException | None:
    """Map a curl_cffi exception to a fastg4f error (``None``: not a transport error)."""
    if isinstance(exc, _exc.Timeout):
        return errors.TimeoutError(
            f"HTTP request timed out ({exc}); raise timeout= or check the server"
        )
    if isinstance(exc, (_exc.ConnectionError, _exc.ProxyError)):
        return errors.ConnectionError(
            f"HTTP connection failed ({exc}); check the URL, your network and proxy settings"
        )
    if isinstance(exc, _exc.TooManyRedirects):
        return errors.ResponseError(f"too many redirects (limit {MAX_REDIRECTS}): {exc}")
    if isinstance(exc, (_exc.RequestException, CurlError)):
        return errors.ResponseError(f"HTTP transfer failed: {exc}")
    return None


def _stall(timeout: float) -> errors.TimeoutError:
    return errors.TimeoutError(
        f"no response data arrived for {timeout:g} s; raise timeout= or check the server"
    )


def _sync_chunks(raw: Any, timeout: float | None) -> Iterator[bytes]:
    # curl's own read limit is an average speed over several seconds; waiting on curl_cffi's
    # chunk queue gives the documented "longest wait without data" exactly.
    if timeout is None or raw.queue is None:
        yield from raw.iter_content()
        return
    while True:
        try:
            chunk = raw.queue.get(timeout=timeout)
        except queue.Empty:
            raise _stall(timeout) from None
        if isinstance(chunk, BaseException):
            raise chunk
        if chunk is STREAM_END:
            return
        yield chunk


async def _async_chunks(raw: Any, timeout: float | None) -> AsyncIterator[bytes]:
    if timeout is None or raw.queue is None:
        async for chunk in raw.aiter_content():
            yield chunk
        return
    while True:
        try:
            chunk = await asyncio.wait_for(raw.queue.get(), timeout)
        except asyncio.TimeoutError:
            raise _stall(timeout) from None
        if isinstance(chunk, BaseException):
            raise chunk
        if chunk is STREAM_END:
            return
        yield chunk


def known_targets() -> set[str]:
    """Impersonation targets the installed curl_cffi accepts (aliases such as ``chrome`` too)."""
    targets = {b.value for b in _impersonate.BrowserType}
    targets.update(getattr(_impersonate, "REAL_TARGET_MAP", {}))
    return targets


def _options(
    impersonate: str | None,
    proxy: str | None,
    proxies: dict[str, str],
    timeout: float | None,
    headers: dict[str, str],
    cookies: dict[str, str],
    verify: bool,
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "timeout": timeout,
        "headers": headers,
        "cookies": cookies,
        "verify": verify,
        "max_redirects": MAX_REDIRECTS,
        "allow_redirects": True,
    }
    if impersonate:
        if impersonate not in known_targets():
            raise ValueError(
                f"impersonate={impersonate!r} is not supported by the installed curl_cffi; "
                "use 'chrome' (its newest Chrome), or one of: " + ", ".join(sorted(known_targets()))
            )
        options["impersonate"] = impersonate
    if proxy:
        options["proxy"] = proxy
    elif proxies:
        options["proxies"] = proxies
    return options


def _request_kwargs(request: RequestSpec) -> dict[str, Any]:
    return {
        "params": request.params,
        "data": request.data,
        "json": request.json,
        "headers": request.headers,
        "cookies": request.cookies,
        "timeout": request.timeout,
        "allow_redirects": request.allow_redirects,
        "stream": request.stream,
    }


def _no_answer(timeout: float) -> errors.TimeoutError:
    return errors.TimeoutError(
        f"no response arrived within {timeout:g} s; raise timeout= or check the server"
    )


def _close_sync(raw: Any) -> None:
    """Stop a streamed curl_cffi response without blocking the caller."""

    def finalize(_: object = None) -> None:
        with contextlib.suppress(_exc.RequestException, CurlError):
            raw.close()

    task = raw.stream_task
    if task is None or task.done():
        finalize()
        return
    # Refuse further data: curl aborts the transfer at the next chunk it receives (or when its
    # low-speed limit trips on a silent server). Release the handle then, without waiting.
    if raw.quit_now is not None:
        raw.quit_now.set()
    task.add_done_callback(finalize)


async def _close_async(raw: Any, session: Any) -> None:
    """Stop a streamed curl_cffi response now (``aclose()`` would wait for the whole body)."""
    task = raw.astream_task
    if task is None or (isinstance(task, asyncio.Future) and task.done()):
        return
    # Refuse further data and detach the handle so the connection is dropped now.
    if raw.quit_now is not None:
        raw.quit_now.set()
    with contextlib.suppress(Exception):
        session.acurl.remove_handle(raw.curl)
    await asyncio.wait([task])


def _sync_headers(request: Callable[[], Any], timeout: float | None) -> Any:
    """``request()`` (which returns at the response headers), waiting at most ``timeout`` s.

    curl's own limit for a streamed request is a low-speed check averaged over several
    seconds that the uploaded body keeps satisfied, so the wait is bounded here instead. A
    request given up on finishes in the background and its response is closed when it comes.
    """
    if timeout is None:
        return request()
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(request())
        except BaseException as exc:  # handed to the waiting caller
            future.set_exception(exc)

    def discard(done: Future[Any]) -> None:
        if done.exception() is None:
            _close_sync(done.result())

    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(run,), name="fastg4f-curl-request", daemon=True
    ).start()
    try:
        return future.result(timeout=timeout)
    except FutureTimeoutError:
        future.add_done_callback(discard)
        raise _no_answer(timeout) from None
    except BaseException:
        if not future.done():  # interrupted while waiting (e.g. Ctrl-C)
            future.add_done_callback(discard)
        raise


async def _finish_abandoned(request: asyncio.Future[Any], session: Any) -> None:
    """Wait for a request given up on and close its response as soon as it answers."""
    try:
        raw = await request
    except BaseException:  # its failure has no one to go to; cancellation ends it too
        return
    await _close_async(raw, session)


async def _async_headers(
    request: Awaitable[Any], timeout: float | None, session: Any, abandoned: set[Any]
) -> Any:
    """Await ``request`` (it returns at the response headers) for at most ``timeout`` s.

    See :func:`_sync_headers`. A request given up on goes on in a task kept in ``abandoned``
    that closes its response when it answers; the transport's ``close()`` ends those tasks on
    the loop that owns the session, so none is left pending when that loop closes.
    """
    if timeout is None:
        return await request
    task = asyncio.ensure_future(request)

    def abandon() -> None:
        cleanup = asyncio.ensure_future(_finish_abandoned(task, session))
        abandoned.add(cleanup)
        cleanup.add_done_callback(abandoned.discard)

    try:
        finished, _ = await asyncio.wait([task], timeout=timeout)
    except BaseException:  # cancelled while waiting
        abandon()
        raise
    if not finished:
        abandon()
        raise _no_answer(timeout)
    return task.result()


class SyncTransport:
    """A curl_cffi ``Session`` behind fastg4f's sync interface."""

    def __init__(self, **options: Any) -> None:
        self._session = _SyncCurl(**_options(**options))

    def cookies(self) -> dict[str, str]:
        return jar_dict(self._session.cookies)

    def send(self, request: RequestSpec) -> Response:
        method, url, timeout, stream = request.method, request.url, request.timeout, request.stream
        kwargs = _request_kwargs(request)
        # Unstreamed: curl's own limit on the whole transfer (the fast path, ~0.5 ms less per
        # request than streaming). Streamed: the wait for the headers is bounded here.
        wait = timeout if stream else None
        fresh = _FRESH.set(_fresh_connection(method))
        try:
            raw = _sync_headers(
                lambda: self._session.request(method, url, **kwargs),  # type: ignore[arg-type]
                wait,
            )
        except Exception as exc:
            raise_translated(exc, translate, request)
        finally:
            _FRESH.reset(fresh)
        fields = response_fields(raw, NAME, translate)
        if not stream:
            return Response(chunks=iter([raw.content]), closer=lambda: None, **fields)
        return Response(
            chunks=_sync_chunks(raw, timeout), closer=lambda: _close_sync(raw), **fields
        )

    def close(self) -> None:
        self._session.close()


class AsyncTransport:
    """A curl_cffi ``AsyncSession`` behind fastg4f's async interface."""

    def __init__(self, **options: Any) -> None:
        self._session = _AsyncCurl(**_options(**options))
        self._abandoned: set[asyncio.Future[Any]] = set()

    def cookies(self) -> dict[str, str]:
        return jar_dict(self._session.cookies)

    async def send(self, request: RequestSpec) -> StreamResponse:
        method, url, timeout, stream = request.method, request.url, request.timeout, request.stream
        kwargs = _request_kwargs(request)
        session = self._session
        fresh = _FRESH.set(_fresh_connection(method))
        try:
            sent = session.request(method, url, **kwargs)  # type: ignore[arg-type]
            raw = await _async_headers(sent, timeout if stream else None, session, self._abandoned)
        except Exception as exc:
            raise_translated(exc, translate, request)
        finally:
            _FRESH.reset(fresh)
        fields = response_fields(raw, NAME, translate)
        if stream:
            return StreamResponse(
                chunks=_async_chunks(raw, timeout),
                closer=lambda: _close_async(raw, session),
                **fields,
            )
        body: bytes = raw.content

        async def once() -> AsyncIterator[bytes]:
            yield body

        return StreamResponse(chunks=once(), closer=lambda: None, **fields)

    async def close(self) -> None:
        # Requests given up on end here, on the loop that owns the session (not in callbacks
        # that a closing loop would destroy pending).
        pending = list(self._abandoned)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._session.close()
