"""Benchmark: native ``format_prompt``/``format_conversation`` vs the plain-Python reference.

Medians of repeated timings, the reference measured in the same run, ratios side by side.
``--short`` is the CI mode (a few seconds). Exits non-zero if the native code is slower than the
reference in any case, and refuses to run on a debug build (``--allow-debug`` overrides, labelled).
"""

from __future__ import annotations

import functools
import pathlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.reference import format_reference as reference

from _common import bench_parser, build_label
from fastg4f import _native

SIZES = (1, 10, 1000)


def conversation(size: int) -> list[dict[str, Any]]:
    """A realistic history: a system prompt, then user/assistant turns, some multimodal parts."""
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "the",
        "lazy",
        "dog",
        "—",
        "schnell",
        "über",
        "Straße",
        "速い",
        "🦊",
    ]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a helpful assistant."}]
    for i in range(1, size):
        text = " ".join(words[(i + j) % len(words)] for j in range(20 + i % 30))
        role = "user" if i % 2 else "assistant"
        content: Any = text
        if i % 10 == 3:
            content = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {}}]
        messages.append({"role": role, "content": content})
    return messages[:size]


def median_seconds(func: Callable[[], Any], repeats: int, min_time: float) -> float:
    """Median seconds per call over ``repeats`` runs of a calibrated number of calls."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        if time.perf_counter() - start >= min_time:
            break
        loops *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            func()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    args = bench_parser(__doc__.splitlines()[0]).parse_args(argv)
    label = build_label(args)
    if label is None:
        return 2
    profile = _native.build_profile
    repeats, min_time = (5, 0.01) if args.short else (15, 0.05)

    print(f"format benchmark ({'short' if args.short else 'full'} mode, {profile} build){label}")
    header = f"{'function':<22}{'messages':>9}{'python µs':>13}{'native µs':>13}{'speed-up':>10}"
    print(header)
    print("-" * len(header))
    slower = []
    for name in ("format_prompt", "format_conversation"):
        native, python = getattr(_native, name), getattr(reference, name)
        for size in SIZES:
            messages = conversation(size)
            baseline = median_seconds(functools.partial(python, messages), repeats, min_time)
            ours = median_seconds(functools.partial(native, messages), repeats, min_time)
            ratio = baseline / ours
            flag = "" if ratio >= 1.0 else "  SLOWER"
            print(
                f"{name:<22}{size:>9}{baseline * 1e6:>13.2f}{ours * 1e6:>13.2f}{ratio:>9.1f}x{flag}"
            )
            if ratio < 1.0:
                slower.append(f"{name}({size})")
    if slower:
        print(f"native slower than the reference: {', '.join(slower)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
