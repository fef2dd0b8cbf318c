"""Benchmark: a full ChatGpt round trip against its emulator, native vs pure-Python PoW solver.

Each round trip is the provider's whole flow (``ChatGpt.create_async``): page, requirements
token, chat-requirements, proof of work at the emulator's difficulty, turnstile VM, conversation
stream decoded to text; ``pause=0``. The two variants differ only in the proof-of-work solver:
fastg4f's native one (``fastg4f.pow.solve_async``) and a g4f-style ``hashlib`` loop run in a
worker thread (the same rule and config layout). Runs alternate between the two so both see the
same conditions; medians and the ratio are printed. The number of attempts a challenge needs is
random (random seed and fingerprint), so the spread of single runs is wide: use the full mode.

Run: ``python benches/bench_roundtrip.py [--short] [--difficulty HEX ...]``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import statistics
import sys
import time
from typing import Any

import fastg4f._native as native
from _common import bench_parser, build_label
from fastg4f.emulators import expected_answer, offline
from fastg4f.errors import ProofOfWorkError
from fastg4f.providers import ChatGpt

MESSAGES = [{"role": "user", "content": "Wie weit ist der Mond entfernt? 🌙"}]
PYTHON_MAX_ATTEMPTS = 50_000_000


def python_solve(seed: str, difficulty: str, config: list[Any], max_attempts: int) -> str:
    """g4f-style pure-Python solver: JSON, base64 and hashlib SHA3-512 per attempt (web rule)."""
    config = list(config)
    prefix = seed.encode()
    for i in range(max_attempts):
        config[3], config[9] = i, i >> 1
        answer = base64.b64encode(
            json.dumps(config, separators=(",", ":"), ensure_ascii=False).encode()
        )
        if hashlib.sha3_512(prefix + answer).hexdigest()[: len(difficulty)] <= difficulty:
            return "gAAAAAB" + answer.decode()
    raise ProofOfWorkError(f"pure-Python solver gave up after {max_attempts} attempts")


class PythonSolverChatGpt(ChatGpt):
    """ChatGpt with the pure-Python solver (run in a worker thread, as the native one is)."""

    @classmethod
    async def solve_proof(
        cls,
        seed: str,
        difficulty: str,
        config: list[Any],
        *,
        max_attempts: int | None,
        timeout: float | None,
        threads: int | None,
    ) -> str:
        return await asyncio.to_thread(
            python_solve, seed, difficulty, config, max_attempts or PYTHON_MAX_ATTEMPTS
        )


def _round_trip(provider: type[ChatGpt]) -> float:
    start = time.perf_counter()
    answer = asyncio.run(provider.create_async("", MESSAGES, pause=0, timeout=60))
    elapsed = time.perf_counter() - start
    if answer != expected_answer("ChatGpt", MESSAGES):
        raise SystemExit(f"wrong answer from {provider.__name__}: {answer!r}")
    return elapsed


def measure(difficulty: str, runs: int) -> tuple[float, float]:
    """Median seconds of ``runs`` round trips with each solver at ``difficulty``."""
    native_times: list[float] = []
    python_times: list[float] = []
    with offline(chatgpt={"difficulty": difficulty}) as urls:
        PythonSolverChatGpt.url = urls["ChatGpt"]
        _round_trip(ChatGpt)  # warm-up: imports, thread pools, first connections
        for i in range(runs):
            order = (ChatGpt, PythonSolverChatGpt) if i % 2 == 0 else (PythonSolverChatGpt, ChatGpt)
            for provider in order:
                t = _round_trip(provider)
                (native_times if provider is ChatGpt else python_times).append(t)
    return statistics.median(native_times), statistics.median(python_times)


def main() -> int:
    parser = bench_parser(__doc__.splitlines()[0], short_help="a few seconds, for CI")
    parser.add_argument(
        "--difficulty",
        action="append",
        metavar="HEX",
        help="emulator PoW difficulty (repeatable; default 0fffff and 0003a1, plus 0000ff in "
        "the full mode)",
    )
    parser.add_argument("--runs", type=int, help="round trips per solver and difficulty")
    args = parser.parse_args()
    label = build_label(args)
    if label is None:
        return 2
    profile = native.build_profile
    difficulties = args.difficulty or (
        ["0fffff", "0003a1"] if args.short else ["0fffff", "0003a1", "0000ff"]
    )
    runs = args.runs or (3 if args.short else 15)
    print(f"ChatGpt round trip against the emulator (PoW + turnstile + stream), {runs} runs each")
    print(f"native build: {profile}, SIMD: {native.simd_level}{label}")
    print(f"{'difficulty':<12}{'native (ms)':>14}{'pure Python (ms)':>19}{'ratio':>9}")
    for difficulty in difficulties:
        fast, slow = measure(difficulty, runs)
        print(f"{difficulty:<12}{fast * 1e3:>14.1f}{slow * 1e3:>19.1f}{slow / fast:>8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
