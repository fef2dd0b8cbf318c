"""Calls a provider in each of the three call styles and collects what it yields."""

from __future__ import annotations

import asyncio
from typing import Any

from fastg4f.typing import Messages

STYLES = ("sync", "async", "async_gen")
"""``create_completion`` (sync generator), ``create_async``, ``create_async_generator``."""

DEADLINE = 30.0
"""Upper bound of one call; the providers' own ``timeout`` is much shorter."""


def call(
    provider: Any,
    style: str,
    messages: Messages,
    *,
    model: str = "",
    stream: bool = True,
    **kwargs: Any,
) -> list[str]:
    """Runs ``provider`` in ``style`` (from sync code) and returns the chunks it produced."""
    kwargs.setdefault("timeout", 10)
    if style == "sync":
        return list(provider.create_completion(model, messages, stream, **kwargs))

    async def run() -> list[str]:
        if style == "async":
            return [await provider.create_async(model, messages, **kwargs)]
        gen = provider.create_async_generator(model, messages, stream=stream, **kwargs)
        return [chunk async for chunk in gen]

    return asyncio.run(asyncio.wait_for(run(), DEADLINE))
