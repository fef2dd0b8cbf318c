"""Bridges between the sync and async call styles, usable with or without a running event loop.

* :func:`to_sync_iter` — an async iterable consumed as a sync generator.
* :func:`to_async_iter` / :func:`iterate_in_thread` — a sync iterable consumed asynchronously.
* :func:`run_sync` — an awaitable run to completion from sync code.

Sync entry points work inside a running event loop too (Jupyter, an async web handler): the async
side then runs on a private event loop in its own thread while the caller's thread waits, so
nothing patches asyncio. Closing a bridged generator closes the underlying one (``aclose()`` on
its own loop, ``close()`` in its own thread), which is what closes an HTTP stream early.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import logging
import queue
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
)
from typing import Any, Generic, TypeVar, cast

__all__ = [
    "LoopThread",
    "get_running_loop",
    "iterate_in_thread",
    "run_sync",
    "to_async_iter",
    "to_async_iterator",
    "to_sync_generator",
    "to_sync_iter",
]

T = TypeVar("T")

logger = logging.getLogger("fastg4f.providers")


def get_running_loop() -> asyncio.AbstractEventLoop | None:
    """Returns the event loop running in the current thread, or ``None``."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _anext(iterator: AsyncIterator[T]) -> tuple[bool, T | None]:
    # A (done, item) pair: StopAsyncIteration does not cross task and thread boundaries cleanly.
    try:
        return False, await iterator.__anext__()
    except StopAsyncIteration:
        return True, None


async def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """Cancels what still runs on ``loop``, finalizes async generators, joins the executor."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


class LoopThread:
    """A private event loop running in a daemon thread, for sync callers inside a running loop.

    Use as a context manager; leaving it cancels what is still running on the loop, finalizes
    async generators, stops the thread and closes the loop.
    """

    def __init__(self, name: str = "fastg4f-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, awaitable: Awaitable[T]) -> T:
        """Runs ``awaitable`` on the loop and waits for its result in the calling thread.

        If the wait is interrupted (``KeyboardInterrupt``), the task is cancelled first.
        """
        future = asyncio.run_coroutine_threadsafe(_await(awaitable), self.loop)
        try:
            return future.result()
        except BaseException:
            if not future.done():
                future.cancel()
                concurrent.futures.wait([future])
            raise

    def close(self) -> None:
        """Cleans up and stops the loop thread (idempotent)."""
        if self.loop.is_closed():
            return
        if threading.current_thread() is self._thread:
            # Closed from a callback on its own loop: waiting for the loop here would deadlock.
            self.loop.call_soon(self.loop.stop)
            return
        try:
            if self._thread.is_alive():
                asyncio.run_coroutine_threadsafe(_shutdown(self.loop), self.loop).result()
        finally:
            if self._thread.is_alive():
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join()
            self.loop.close()

    def __enter__(self) -> LoopThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _OwnLoop:
    """An event loop driven step by step from the calling thread (no loop is running there)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, awaitable: Awaitable[T]) -> T:
        task = self.loop.create_task(_await(awaitable))
        try:
            return self.loop.run_until_complete(task)
        except BaseException:
            if not task.done():
                task.cancel()
                # The first error is the one to report.
                with contextlib.suppress(BaseException):
                    self.loop.run_until_complete(task)
            raise

    def close(self) -> None:
        try:
            self.loop.run_until_complete(_shutdown(self.loop))
        finally:
            self.loop.close()


def _runner() -> _OwnLoop | LoopThread:
    """This thread's own loop when none runs here, else a private loop thread."""
    return _OwnLoop() if get_running_loop() is None else LoopThread()


def run_sync(awaitable: Awaitable[T]) -> T:
    """Runs an awaitable to completion from sync code and returns its result.

    Without a running loop in this thread it runs there, on a private loop that is closed
    afterwards (no global event loop is set or cleared); inside a running loop
    (Jupyter, an async handler) it runs on a private loop thread while this thread waits — the
    caller's loop is blocked meanwhile, as with any sync call.

    Args:
        awaitable: A coroutine or other awaitable; exceptions it raises propagate unchanged.

    Returns:
        The awaitable's result.
    """
    runner = _runner()
    try:
        return runner.run(awaitable)
    finally:
        runner.close()


def to_sync_iter(aiterable: AsyncIterable[T]) -> Generator[T, None, None]:
    """Consumes an async iterable as a sync generator.

    The choice of loop is made at the first ``next()``: without a running loop in this thread, a
    private loop is driven from this thread step by step; inside a running loop, the async side
    runs on a private loop thread. Exceptions propagate unchanged. Closing the generator
    (``close()``, leaving a ``with closing(...)`` block, garbage collection) calls ``aclose()`` on
    the async iterator on its loop, so its ``finally`` blocks run and its HTTP stream is closed.

    Args:
        aiterable: Any async iterable, typically an async generator.

    Yields:
        Its items, one per ``next()``; each item is fetched only when asked for.
    """
    iterator = aiterable.__aiter__()
    runner = _runner()
    try:
        while True:
            done, item = runner.run(_anext(iterator))
            if done:
                return
            yield cast(T, item)
    finally:
        try:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                runner.run(aclose())
        finally:
            runner.close()


_DONE: Any = object()


class _ThreadPump(Generic[T]):
    """Runs a sync iterator in one dedicated thread, one item per request from the event loop."""

    def __init__(self, factory: Callable[[], Iterable[T]], loop: asyncio.AbstractEventLoop) -> None:
        self._factory = factory
        self._loop = loop
        self._requests: queue.SimpleQueue[asyncio.Future[Any] | None] = queue.SimpleQueue()
        self._context = contextvars.copy_context()
        self._thread = threading.Thread(target=self._serve, name="fastg4f-sync-iter", daemon=True)
        self._thread.start()

    async def next(self) -> Any:
        future = self._loop.create_future()
        self._requests.put(future)
        return await future

    def close(self) -> None:
        self._requests.put(None)

    def _deliver(
        self, future: asyncio.Future[Any], value: Any, error: BaseException | None
    ) -> None:
        def settle() -> None:
            if future.done():
                return
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)

        # A closed consumer loop raises RuntimeError: nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(settle)

    def _serve(self) -> None:
        iterator: Any = None
        try:
            while (future := self._requests.get()) is not None:
                try:
                    if iterator is None:
                        iterator = iter(self._context.run(self._factory))
                    item = self._context.run(next, iterator, _DONE)
                except BaseException as exc:
                    self._deliver(future, None, exc)
                else:
                    self._deliver(future, item, None)
        finally:
            close = getattr(iterator, "close", None)
            try:
                if close is not None:
                    self._context.run(close)
            except Exception:
                logger.warning("closing a sync generator raised", exc_info=True)


async def iterate_in_thread(factory: Callable[[], Iterable[T]]) -> AsyncGenerator[T, None]:
    """Consumes a sync iterable as an async generator, without blocking the event loop.

    ``factory()`` (which creates the iterable, e.g. calls a provider's ``create_completion``) and
    every ``next()`` run in one dedicated thread, in a copy of the caller's context variables,
    one item at a time as the consumer asks. Exceptions propagate unchanged. When the consumer
    stops early (``aclose()``, cancellation), the sync generator is closed in its thread as soon
    as any ``next()`` in progress returns.

    Args:
        factory: A callable returning the sync iterable.

    Yields:
        The items of the iterable.
    """
    pump = _ThreadPump(factory, asyncio.get_running_loop())
    try:
        while True:
            item = await pump.next()
            if item is _DONE:
                return
            yield item
    finally:
        pump.close()


def to_async_iter(iterable: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """Consumes a sync or async iterable as an async iterator.

    A sync iterable is iterated in a dedicated thread (see :func:`iterate_in_thread`); an async
    iterable is returned as its own iterator (closing that closes it).

    Args:
        iterable: The items to yield.

    Returns:
        An async iterator over the items.
    """
    if isinstance(iterable, AsyncIterable):
        return iterable.__aiter__()
    return iterate_in_thread(lambda: iterable)


def to_sync_generator(gen: AsyncIterable[T], stream: bool = True) -> Generator[T, None, None]:
    """g4f's name for :func:`to_sync_iter` (``stream`` is accepted and ignored)."""
    del stream
    return to_sync_iter(gen)


def to_async_iterator(iterator: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """g4f's name for :func:`to_async_iter`."""
    return to_async_iter(iterator)
