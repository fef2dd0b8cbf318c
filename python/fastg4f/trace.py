"""What happened while one completion was produced: timings and the facts providers record.

The API server opens a :class:`CompletionTrace` per request with :func:`begin` (a context
variable, so each request task sees its own, and tasks it starts share it); providers call
:func:`record` with what they did (ChatGpt: the proof-of-work difficulty and solve time, whether a
turnstile program ran). Outside a traced request :func:`record` does nothing, so the library and
the client pay nothing for it.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

__all__ = ["MAX_FACTS", "CompletionTrace", "Fact", "begin", "current", "record"]

Fact = str | int | float | bool | None
"""A recorded value: a scalar, so a trace is flat and its size bounded."""

MAX_FACTS = 32
"""Facts kept per provider and trace; later ones are dropped (a provider records a handful)."""

_MAX_TEXT = 200

_current: ContextVar[CompletionTrace | None] = ContextVar("fastg4f_completion_trace", default=None)


class CompletionTrace:
    """One completion's clock and the facts each provider recorded while producing it.

    Attributes:
        started: ``time.perf_counter()`` when the trace began.
        first_text: When the first text arrived (``None`` until :meth:`mark_first_text`).
    """

    __slots__ = ("_facts", "first_text", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_text: float | None = None
        self._facts: dict[str, dict[str, Fact]] = {}

    def record(self, provider: str, **facts: Fact) -> None:
        """Stores ``facts`` for ``provider`` (strings cut to 200 characters, at most 32 each)."""
        kept = self._facts.setdefault(provider, {})
        for key, value in facts.items():
            if key not in kept and len(kept) >= MAX_FACTS:
                continue
            kept[key] = value[:_MAX_TEXT] if isinstance(value, str) else value

    def facts(self, provider: str) -> dict[str, Fact]:
        """What ``provider`` recorded (a copy; empty if nothing)."""
        return dict(self._facts.get(provider, {}))

    def mark_first_text(self) -> None:
        """Notes the arrival of the first text (only the first call counts)."""
        if self.first_text is None:
            self.first_text = time.perf_counter()

    def summary(self, provider: str | None) -> dict[str, Any]:
        """The timing labels of the answer ``provider`` gave, in milliseconds.

        Returns:
            ``{"provider", "first_token_ms", "total_ms", **facts}``; ``first_token_ms`` is
            ``None`` when no first text was marked (a non-streamed answer).
        """
        now = time.perf_counter()
        first = None if self.first_text is None else _ms(self.first_text - self.started)
        out: dict[str, Any] = {
            "provider": provider,
            "first_token_ms": first,
            "total_ms": _ms(now - self.started),
        }
        if provider is not None:
            out.update(self.facts(provider))
        return out


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def begin() -> CompletionTrace:
    """Starts a trace for the current task (and the tasks it starts from now on)."""
    trace = CompletionTrace()
    _current.set(trace)
    return trace


def current() -> CompletionTrace | None:
    """The trace of the current task, if one was begun."""
    return _current.get()


def record(provider: str, **facts: Fact) -> None:
    """Records facts into the current trace; a no-op outside a traced request."""
    trace = _current.get()
    if trace is not None:
        trace.record(provider, **facts)
