"""Proof-of-work throughput, measured against g4f's pure-Python loops and the SHA3 bound.

Shared by ``fastg4f bench pow`` and ``benches/bench_pow.py``. Every path hashes the same seed,
config and message length. Throughput uses a difficulty no nonce satisfies in practice
(:data:`THROUGHPUT_DIFFICULTY`) and a fixed attempt count; each path is measured ``repeat``
times, interleaved with the others, and the median is reported.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fastg4f import _native
from fastg4f.pow import DEFAULT_SOLVE_ATTEMPTS, config_pieces

__all__ = [
    "BENCH_SEED",
    "DEFAULT_DIFFICULTIES",
    "THROUGHPUT_DIFFICULTY",
    "PowBenchmark",
    "Ratio",
    "Row",
    "SolveTime",
    "bench_config",
    "format_report",
    "python_generate_answer_loop",
    "python_proof_token_loop",
    "render_svg",
    "run_pow_benchmark",
    "sha3_block_seconds",
]

BENCH_SEED = "0.8167434693358286"
"""Seed of every measurement."""
BENCH_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36"
)
THROUGHPUT_DIFFICULTY = "0" * 16
"""16 hex zeros: 2**-64 per attempt under either rule, so a fixed attempt count always runs out."""
DEFAULT_DIFFICULTIES = ("0fffff", "00a3ff", "0003a1", "000032")
"""Difficulties of the expected-solve-time table."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called before each measurement and once at the end."""


def bench_config() -> list[Any]:
    """A fixed 18-element config in g4f's layout (deterministic, so runs compare)."""
    return [
        4016,
        "Sat Nov 21 2026 16:00:00 GMT+0200 (Central European Summer Time)",
        None,
        0.5476208345,
        BENCH_USER_AGENT,
        None,
        "prod-3d7b2fb1b86bb1c3b0fdbd6f2ef1e8fbb4cd8c0e",
        "en-US",
        "en-US,es-US,en,es",
        0,
        "webdriver−false",
        "location",
        "ontransitionend",
        12873.40000000596,
        "0b9f3c8e-6a51-4a3d-9d7e-5c2e1f4a7b60",
        "",
        8,
        1_790_000_000,
    ]


def python_generate_answer_loop(
    seed: str, config: list[Any], attempts: int, diff: str = "000000"
) -> int:
    """g4f ``new.py``'s ``generate_answer`` loop in pure Python; returns the attempts made.

    Pre-split JSON, ``str(i).encode()``, bytes concatenation, ``base64.b64encode`` and
    ``hashlib.new("sha3_512", ...)`` per attempt, compared as bytes (``"000000"`` never passes).
    """
    seed_encoded = seed.encode()
    p1 = (json.dumps(config[:3], separators=(",", ":"), ensure_ascii=False)[:-1] + ",").encode()
    p2 = (
        "," + json.dumps(config[4:9], separators=(",", ":"), ensure_ascii=False)[1:-1] + ","
    ).encode()
    p3 = ("," + json.dumps(config[10:], separators=(",", ":"), ensure_ascii=False)[1:]).encode()
    diff_len = len(diff)
    target = bytes.fromhex(diff)
    for i in range(attempts):
        string = p1 + str(i).encode() + p2 + str(i >> 1).encode() + p3
        encoded = base64.b64encode(string)
        if hashlib.new("sha3_512", seed_encoded + encoded).digest()[:diff_len] <= target:
            return i + 1
    return attempts


def python_proof_token_loop(
    seed: str, config: list[Any], attempts: int, difficulty: str = THROUGHPUT_DIFFICULTY
) -> int:
    """g4f ``proofofwork.py``'s loop in pure Python on ``config``; returns the attempts made.

    ``json.dumps`` of the whole config per attempt (only index 3 changes), ``base64``, SHA3-512
    of ``(seed + base).encode()``, hex string comparison.
    """
    token = list(config)
    diff_len = len(difficulty)
    for i in range(attempts):
        token[3] = i
        base = base64.b64encode(json.dumps(token).encode()).decode()
        digest = hashlib.sha3_512((seed + base).encode()).digest()
        if digest.hex()[:diff_len] <= difficulty:
            return i + 1
    return attempts


def sha3_block_seconds(blocks: int = 256, calls: int = 40) -> float:
    """CPU seconds ``hashlib.sha3_512`` spends per 72-byte block of a long message (one sample).

    CPU time rather than wall time, so other processes on the machine do not inflate it.
    """
    message = b"\x5a" * (72 * blocks - 1)
    start = time.process_time()
    for _ in range(calls):
        hashlib.sha3_512(message).digest()
    return max(time.process_time() - start, 1e-9) / (calls * blocks)


def blocks_per_attempt(seed: str, config: list[Any], nonce: int = 100_000) -> int:
    """SHA3-512 blocks of one attempt's padded message ``seed + base64(json)``."""
    head, middle, tail = config_pieces(config)
    data = head + str(nonce).encode() + middle + str(nonce >> 1).encode() + tail
    return (len(seed.encode()) + len(base64.b64encode(data))) // 72 + 1


@dataclass
class Row:
    """One measured (or derived) path."""

    key: str
    label: str
    rate: float
    """Median attempts per wall-clock second."""
    cpu_rate: float
    """Median attempts per CPU second (robust to other load on the machine)."""
    samples: list[float] = field(default_factory=list)

    @property
    def effective_rate(self) -> float:
        """The rate the ratios use: wall time for the all-threads row, CPU time otherwise."""
        return self.rate if self.key == "all_threads" else self.cpu_rate


@dataclass
class Ratio:
    """A ratio of issue 3's targets, measured."""

    label: str
    value: float
    target: float | None

    @property
    def ok(self) -> bool | None:
        """Whether the target is met (``None`` when there is no target)."""
        return None if self.target is None else self.value >= self.target


@dataclass
class SolveTime:
    """Expected solve time of one difficulty."""

    difficulty: str
    expected_attempts: float
    fastg4f_seconds: float
    g4f_python_seconds: float
    g4f_fail_100k: float
    """Probability that g4f's rule needs more than 100 000 attempts."""
    g4f_fail_500k: float
    fastg4f_fail: float
    """Probability that :func:`fastg4f.pow.solve`'s default budget runs out."""


@dataclass
class PowBenchmark:
    """Everything one run measured."""

    build_profile: str
    load_average: float
    """1-minute load average when the run ended (other work on the machine skews wall times)."""
    simd: str
    threads: int
    repeat: int
    blocks_per_attempt: int
    sha3_block_ns: float
    cores_used: float
    """CPU seconds per wall second during the all-threads run (at most ``threads``)."""
    rows: list[Row]
    ratios: list[Ratio]
    solve_times: list[SolveTime]

    def row(self, key: str) -> Row | None:
        """The row with ``key``, if measured."""
        return next((r for r in self.rows if r.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = asdict(self)
        for ratio, data in zip(self.ratios, out["ratios"], strict=True):
            data["ok"] = ratio.ok
        for row, data in zip(self.rows, out["rows"], strict=True):
            data["effective_rate"] = row.effective_rate
        return out


def _native_rate(attempts: int, threads: int, simd: str) -> tuple[float, float]:
    """(attempts per wall second, attempts per CPU second of the whole process)."""
    cpu = time.process_time()
    result = _native.pow_search(
        BENCH_SEED.encode(),
        config_pieces(bench_config()),
        "hex",
        THROUGHPUT_DIFFICULTY.encode(),
        len(THROUGHPUT_DIFFICULTY),
        limit=attempts,
        threads=threads,
        simd=simd,
    )
    cpu = max(time.process_time() - cpu, 1e-9)
    return result.attempts / max(result.elapsed, 1e-9), result.attempts / cpu


def _python_rate(loop: Callable[[str, list[Any], int], int], attempts: int) -> tuple[float, float]:
    config = bench_config()
    cpu, start = time.process_time(), time.perf_counter()
    done = loop(BENCH_SEED, config, attempts)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return done / max(wall, 1e-9), done / max(cpu, 1e-9)


def _miss(p: float, attempts: int) -> float:
    """Probability that ``attempts`` independent tries of success probability ``p`` all fail."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    return math.exp(attempts * math.log1p(-p))


def run_pow_benchmark(
    *,
    threads: int | None = None,
    simd: str = "auto",
    attempts: int | None = None,
    repeat: int = 5,
    short: bool = False,
    difficulties: Sequence[str] = DEFAULT_DIFFICULTIES,
    progress: Progress | None = None,
) -> PowBenchmark:
    """Measures every path and derives issue 3's ratios and the expected solve times.

    Args:
        threads: Threads of the all-threads row (default: every core).
        simd: ``"auto"`` (best level, capped by ``FASTG4F_SIMD``) or ``"portable"`` (every native
            row uses the portable kernel), or a level name.
        attempts: Attempts per native measurement and per Python loop; by default calibrated to
            about 0.25 s per measurement (0.03 s with ``short``).
        repeat: Samples per path (medians are reported; ratios are medians of
            per-sample ratios, each native sample paired with an adjacent hashlib sample).
        short: CI mode: short measurements.
        difficulties: Hex difficulties of the solve-time table.
        progress: Called as measurements start.

    Returns:
        The measured :class:`PowBenchmark`.
    """
    repeat = max(1, repeat)
    threads = threads or os.cpu_count() or 1
    if simd == "auto":
        level = _native.simd_level
    elif simd in _native.available_simd_levels():
        level = simd
    else:
        raise ValueError(
            f"simd={simd!r} is not 'auto' or one of {', '.join(_native.available_simd_levels())}"
        )
    seconds = 0.03 if short else 0.25
    config = bench_config()
    blocks = blocks_per_attempt(BENCH_SEED, config)

    native_paths: list[tuple[str, str, int, str]] = [
        ("portable_1t", "portable, 1 thread", 1, "portable")
    ]
    if level != "portable":
        native_paths.append(("simd_1t", f"{level} ({_lanes(level)} lanes), 1 thread", 1, level))
    if level == "avx512" and "avx2" in _native.available_simd_levels():
        native_paths.append(("avx2_1t", "avx2 (4 lanes), 1 thread", 1, "avx2"))
    native_paths.append(("all_threads", f"{level}, {threads} threads", threads, level))
    python_paths: list[tuple[str, str, Callable[[str, list[Any], int], int]]] = [
        (
            "python_generate_answer",
            "g4f generate_answer loop (Python)",
            python_generate_answer_loop,
        ),
        ("python_proof_token", "g4f generate_proof_token loop (Python)", python_proof_token_loop),
    ]

    total = (len(native_paths) + len(python_paths) + 1) * (repeat + 1)
    step = 0

    def tick(label: str) -> None:
        nonlocal step
        if progress is not None:
            progress(step, total, label)
        step += 1

    # Calibration run (also the warm-up): attempts per measurement for each path.
    counts: dict[str, int] = {}
    for key, label, n_threads, path_level in native_paths:
        tick(f"calibrating {label}")
        rate, _ = _native_rate(4096 * n_threads, n_threads, path_level)
        counts[key] = attempts or max(4096, int(rate * seconds))
    for key, label, loop in python_paths:
        tick(f"calibrating {label}")
        rate, _ = _python_rate(loop, 500)
        counts[key] = attempts or max(200, int(rate * seconds))
    tick("calibrating hashlib.sha3_512")
    sha3_block_seconds(calls=4)

    # Each native sample is followed by a hashlib sample. Single-thread rates and the SHA3 bound
    # are compared in CPU time, so load from other processes does not skew those ratios; the
    # all-threads rate is wall time (it is what parallelism buys) and is compared with the
    # single-thread CPU-time rates, i.e. with what one undisturbed core does.
    wall: dict[str, list[float]] = {key: [] for key, *_ in native_paths + python_paths}
    cpu: dict[str, list[float]] = {key: [] for key, *_ in native_paths + python_paths}
    adjacent: dict[str, list[float]] = {key: [] for key, *_ in native_paths}
    calls = 8 if short else 24
    for _ in range(repeat):
        for key, label, n_threads, path_level in native_paths:
            tick(label)
            w, c = _native_rate(counts[key], n_threads, path_level)
            wall[key].append(w)
            cpu[key].append(c)
            adjacent[key].append(sha3_block_seconds(calls=calls))
        for key, label, loop in python_paths:
            tick(label)
            w, c = _python_rate(loop, counts[key])
            wall[key].append(w)
            cpu[key].append(c)
        tick("hashlib.sha3_512 per block")
    if progress is not None:
        progress(total, total, "done")

    labels = {key: label for key, label, *_ in native_paths + python_paths}
    med = statistics.median
    rows = [Row(key, labels[key], med(wall[key]), med(cpu[key]), wall[key]) for key in wall]
    block_samples = [b for values in adjacent.values() for b in values]
    block_s = med(block_samples)
    bound_samples = [1.0 / (b * blocks) for b in block_samples]
    bound_label = f"scalar SHA3 bound (hashlib, {blocks} blocks/attempt)"
    rows.append(Row("sha3_bound", bound_label, med(bound_samples), med(bound_samples)))

    def vs_bound(key: str) -> float:
        return med(r * b * blocks for r, b in zip(cpu[key], adjacent[key], strict=True))

    def vs_one_core(key: str) -> float:
        return med(wall["all_threads"]) / med(cpu[key])

    best_key = "simd_1t" if "simd_1t" in cpu else "portable_1t"
    # CPU seconds per wall second of the all-threads run: below `threads` when other processes
    # held the cores, which caps the thread speed-up whatever the code does.
    cores_used = med(w / c for w, c in zip(wall["all_threads"], cpu["all_threads"], strict=True))
    ratios = [Ratio("portable 1T / SHA3 bound", vs_bound("portable_1t"), 0.95)]
    if "simd_1t" in cpu:
        target = 2.5 if level == "avx512" else 1.5 if level == "avx2" else None
        ratios.append(Ratio(f"{level} 1T / SHA3 bound", vs_bound("simd_1t"), target))
    if "avx2_1t" in cpu:
        ratios.append(Ratio("avx2 1T / SHA3 bound (AVX2-only CPUs)", vs_bound("avx2_1t"), 1.5))
    ratios += [
        Ratio(
            f"all threads ({threads}) / best 1T [got {cores_used:.2f} cores]",
            vs_one_core(best_key),
            1.8 if threads == 2 else None,
        ),
        Ratio(
            "all threads / Python generate_answer",
            vs_one_core("python_generate_answer"),
            8.0,
        ),
        Ratio(
            "all threads / Python generate_proof_token",
            vs_one_core("python_proof_token"),
            12.0,
        ),
    ]
    solve_times = [
        _solve_time(d, med(wall["all_threads"]), med(cpu["python_generate_answer"]))
        for d in difficulties
    ]
    return PowBenchmark(
        build_profile=_native.build_profile,
        load_average=os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0,
        simd=level,
        threads=threads,
        repeat=repeat,
        blocks_per_attempt=blocks,
        sha3_block_ns=block_s * 1e9,
        cores_used=cores_used,
        rows=rows,
        ratios=ratios,
        solve_times=solve_times,
    )


def _lanes(level: str) -> int:
    return {"portable": 1, "avx2": 4, "avx512": 8}.get(level, 1)


def _solve_time(difficulty: str, ours: float, python: float) -> SolveTime:
    value, space = int(difficulty, 16), 16 ** len(difficulty)
    p_web = (value + 1) / space
    p_g4f = value / space
    expected = 1 / p_web
    return SolveTime(
        difficulty=difficulty,
        expected_attempts=expected,
        fastg4f_seconds=expected / ours,
        g4f_python_seconds=(1 / p_g4f if p_g4f else math.inf) / python,
        g4f_fail_100k=_miss(p_g4f, 100_000),
        g4f_fail_500k=_miss(p_g4f, 500_000),
        fastg4f_fail=_miss(p_web, DEFAULT_SOLVE_ATTEMPTS),
    )


def _si(value: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.2f}{unit}"
    return f"{value:.0f}"


def _duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def format_report(bench: PowBenchmark) -> str:
    """The benchmark as plain-text tables."""
    lines: list[str] = []
    if bench.build_profile != "release":
        lines.append("WARNING: debug build of fastg4f._native; these numbers are meaningless.")
    lines.append(
        f"fastg4f proof-of-work benchmark: simd={bench.simd}, threads={bench.threads}, "
        f"median of {bench.repeat}, {bench.blocks_per_attempt} SHA3-512 blocks/attempt, "
        f"hashlib {bench.sha3_block_ns:.0f} ns/block, load average {bench.load_average:.2f}"
    )
    base = bench.row("python_generate_answer")
    lines.append("")
    lines.append(f"{'path':<46} {'attempts/s':>11} {'per CPU-s':>10} {'vs g4f loop':>12}")
    for row in bench.rows:
        vs = f"{row.effective_rate / base.effective_rate:.2f}x" if base else "-"
        lines.append(f"{row.label:<46} {_si(row.rate):>11} {_si(row.cpu_rate):>10} {vs:>12}")
    lines.append(
        "(ratios use CPU time for single-thread paths and the SHA3 bound, wall time for the "
        "all-threads row)"
    )
    lines.append("")
    lines.append(f"{'ratio (issue 3 targets)':<46} {'measured':>9} {'target':>8} {'':>5}")
    for ratio in bench.ratios:
        target = f">={ratio.target:g}" if ratio.target is not None else "-"
        verdict = {True: "ok", False: "MISS", None: ""}[ratio.ok]
        lines.append(f"{ratio.label:<46} {ratio.value:>8.2f}x {target:>8} {verdict:>5}")
    lines.append("")
    lines.append(
        f"{'difficulty':<10} {'E[attempts]':>12} {'fastg4f':>10} {'g4f Python':>11} "
        f"{'g4f fail@100k':>14} {'@500k':>7} {'fastg4f fail':>13}"
    )
    for st in bench.solve_times:
        lines.append(
            f"{st.difficulty:<10} {st.expected_attempts:>12,.0f} "
            f"{_duration(st.fastg4f_seconds):>10} "
            f"{_duration(st.g4f_python_seconds):>11} {st.g4f_fail_100k:>14.1%} "
            f"{st.g4f_fail_500k:>7.1%} {st.fastg4f_fail:>13.1e}"
        )
    return "\n".join(lines)


def render_svg(bench: PowBenchmark) -> str:
    """An SVG bar chart of attempts/s per path, labelled with the ratio to g4f's loop."""
    rows = bench.rows
    base = bench.row("python_generate_answer")
    width, bar_x, bar_w, row_h, top = 980, 360, 440, 28, 50
    height = top + row_h * len(rows) + 30
    peak = max(r.effective_rate for r in rows) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="24" font-size="16" font-weight="bold">{html.escape(_title(bench))}'
        "</text>",
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        length = max(1.0, bar_w * row.effective_rate / peak)
        colour = (
            "#9e9e9e"
            if row.key.startswith("python")
            else "#607d8b"
            if row.key == "sha3_bound"
            else "#1e88e5"
        )
        ratio = f" ({row.effective_rate / base.effective_rate:.1f}x g4f)" if base else ""
        parts += [
            f'<text x="{bar_x - 8}" y="{y + 17}" text-anchor="end">{html.escape(row.label)}</text>',
            f'<rect x="{bar_x}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>',
            f'<text x="{bar_x + length + 6:.1f}" y="{y + 17}">'
            f"{html.escape(_si(row.effective_rate))}/s{html.escape(ratio)}</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _title(bench: PowBenchmark) -> str:
    debug = " [DEBUG BUILD]" if bench.build_profile != "release" else ""
    return f"fastg4f proof of work: attempts/s ({bench.simd}, {bench.threads} threads){debug}"
