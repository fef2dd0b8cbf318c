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
    """A measured ratio and the figure it should reach (the kernels' design targets)."""

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


@dataclass
class _NativePath:
    key: str
    label: str
    threads: int
    level: str


@dataclass
class _PythonPath:
    key: str
    label: str
    loop: Callable[[str, list[Any], int], int]


@dataclass
class _Samples:
    """Per-path samples: attempts per wall and per CPU second, and each native sample's adjacent
    hashlib seconds per SHA3 block."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]
    adjacent: dict[str, list[float]]


class _Steps:
    """Counts the measurements and reports each to ``progress`` as it starts."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, label: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, label)
        self.done += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total, "done")


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
    """Measures every path, the ratios to their targets and the expected solve times.

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
    level = _simd_level(simd)
    blocks = blocks_per_attempt(BENCH_SEED, bench_config())
    native_paths, python_paths = _native_paths(level, threads), _python_paths()
    steps = _Steps((len(native_paths) + len(python_paths) + 1) * (repeat + 1), progress)
    counts = _calibrate(native_paths, python_paths, attempts, 0.03 if short else 0.25, steps)
    samples = _measure(native_paths, python_paths, counts, repeat, 8 if short else 24, steps)
    steps.finish()

    med = statistics.median
    every: list[_NativePath | _PythonPath] = [*native_paths, *python_paths]
    labels = {path.key: path.label for path in every}
    rows = [
        Row(key, labels[key], med(w), med(samples.cpu[key]), w) for key, w in samples.wall.items()
    ]
    block_samples = [b for values in samples.adjacent.values() for b in values]
    bound_samples = [1.0 / (b * blocks) for b in block_samples]
    bound_label = f"scalar SHA3 bound (hashlib, {blocks} blocks/attempt)"
    rows.append(Row("sha3_bound", bound_label, med(bound_samples), med(bound_samples)))
    # CPU seconds per wall second of the all-threads run: below `threads` when other processes
    # held the cores, which caps the thread speed-up whatever the code does.
    all_wall, all_cpu = samples.wall["all_threads"], samples.cpu["all_threads"]
    cores_used = med(w / c for w, c in zip(all_wall, all_cpu, strict=True))
    python_rate = med(samples.cpu["python_generate_answer"])
    return PowBenchmark(
        build_profile=_native.build_profile,
        load_average=os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0,
        simd=level,
        threads=threads,
        repeat=repeat,
        blocks_per_attempt=blocks,
        sha3_block_ns=med(block_samples) * 1e9,
        cores_used=cores_used,
        rows=rows,
        ratios=_ratios(samples, level, threads, blocks, cores_used),
        solve_times=[_solve_time(d, med(all_wall), python_rate) for d in difficulties],
    )


def _simd_level(simd: str) -> str:
    """The SIMD level ``simd`` asks for (``auto``: the best this CPU and ``FASTG4F_SIMD`` allow)."""
    if simd == "auto":
        return _native.simd_level
    if simd in _native.available_simd_levels():
        return simd
    raise ValueError(
        f"simd={simd!r} is not 'auto' or one of {', '.join(_native.available_simd_levels())}"
    )


def _native_paths(level: str, threads: int) -> list[_NativePath]:
    """The portable kernel, ``level``'s kernel, AVX2 beside AVX-512, and all threads."""
    paths = [_NativePath("portable_1t", "portable, 1 thread", 1, "portable")]
    if level != "portable":
        paths.append(_NativePath("simd_1t", f"{level} ({_lanes(level)} lanes), 1 thread", 1, level))
    if level == "avx512" and "avx2" in _native.available_simd_levels():
        paths.append(_NativePath("avx2_1t", "avx2 (4 lanes), 1 thread", 1, "avx2"))
    paths.append(_NativePath("all_threads", f"{level}, {threads} threads", threads, level))
    return paths


def _python_paths() -> list[_PythonPath]:
    """g4f's two pure-Python proof-of-work loops."""
    return [
        _PythonPath(
            "python_generate_answer",
            "g4f generate_answer loop (Python)",
            python_generate_answer_loop,
        ),
        _PythonPath(
            "python_proof_token",
            "g4f generate_proof_token loop (Python)",
            python_proof_token_loop,
        ),
    ]


def _calibrate(
    native_paths: list[_NativePath],
    python_paths: list[_PythonPath],
    attempts: int | None,
    seconds: float,
    steps: _Steps,
) -> dict[str, int]:
    """Attempts per measurement for each path (``attempts``, or about ``seconds`` worth).

    Also the warm-up of every path and of hashlib.
    """
    counts: dict[str, int] = {}
    for native in native_paths:
        steps(f"calibrating {native.label}")
        rate, _ = _native_rate(4096 * native.threads, native.threads, native.level)
        counts[native.key] = attempts or max(4096, int(rate * seconds))
    for python in python_paths:
        steps(f"calibrating {python.label}")
        rate, _ = _python_rate(python.loop, 500)
        counts[python.key] = attempts or max(200, int(rate * seconds))
    steps("calibrating hashlib.sha3_512")
    sha3_block_seconds(calls=4)
    return counts


def _measure(
    native_paths: list[_NativePath],
    python_paths: list[_PythonPath],
    counts: dict[str, int],
    repeat: int,
    calls: int,
    steps: _Steps,
) -> _Samples:
    """``repeat`` rounds over every path, each native sample followed by a hashlib sample.

    Single-thread rates and the SHA3 bound are compared in CPU time, so load from other
    processes does not skew those ratios; the all-threads rate is wall time (it is what
    parallelism buys) and is compared with the single-thread CPU-time rates, i.e. with what one
    undisturbed core does.
    """
    every: list[_NativePath | _PythonPath] = [*native_paths, *python_paths]
    keys = [path.key for path in every]
    samples = _Samples(
        wall={key: [] for key in keys},
        cpu={key: [] for key in keys},
        adjacent={path.key: [] for path in native_paths},
    )
    for _ in range(repeat):
        for native in native_paths:
            steps(native.label)
            wall, cpu = _native_rate(counts[native.key], native.threads, native.level)
            samples.wall[native.key].append(wall)
            samples.cpu[native.key].append(cpu)
            samples.adjacent[native.key].append(sha3_block_seconds(calls=calls))
        for python in python_paths:
            steps(python.label)
            wall, cpu = _python_rate(python.loop, counts[python.key])
            samples.wall[python.key].append(wall)
            samples.cpu[python.key].append(cpu)
        steps("hashlib.sha3_512 per block")
    return samples


def _ratios(
    samples: _Samples, level: str, threads: int, blocks: int, cores_used: float
) -> list[Ratio]:
    """Each kernel against the SHA3 bound and the threads against one core and g4f's loops."""
    med = statistics.median
    cpu = samples.cpu

    def vs_bound(key: str) -> float:
        pairs = zip(cpu[key], samples.adjacent[key], strict=True)
        return med(rate * block * blocks for rate, block in pairs)

    def vs_one_core(key: str) -> float:
        return med(samples.wall["all_threads"]) / med(cpu[key])

    ratios = [Ratio("portable 1T / SHA3 bound", vs_bound("portable_1t"), 0.95)]
    if "simd_1t" in cpu:
        target = 2.5 if level == "avx512" else 1.5 if level == "avx2" else None
        ratios.append(Ratio(f"{level} 1T / SHA3 bound", vs_bound("simd_1t"), target))
    if "avx2_1t" in cpu:
        ratios.append(Ratio("avx2 1T / SHA3 bound (AVX2-only CPUs)", vs_bound("avx2_1t"), 1.5))
    best_key = "simd_1t" if "simd_1t" in cpu else "portable_1t"
    return [
        *ratios,
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
    lines.append(f"{'ratio (design target)':<46} {'measured':>9} {'target':>8} {'':>5}")
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
