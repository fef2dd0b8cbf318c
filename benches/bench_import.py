"""Benchmark: import cost of ``import fastg4f`` and ``from fastg4f.client import Client``.

Each statement runs in a fresh interpreter (``python -c``), many times; the medians of wall time
and of the child's peak RSS (``ru_maxrss`` from ``wait4``) are printed next to ``python -c pass``
measured in the same run, with the difference and ratio. For scale, ``import g4f`` 8.8.6 takes
about 0.29 s and 43 MiB on a 2-core machine; ``--g4f-python`` measures it in the same run.
``--short`` is the CI mode.
Also checks that neither import pulls in the optional server dependencies (FastAPI, uvicorn).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from _common import bench_parser, build_label

CASES = {
    "python -c pass": "pass",
    "import fastg4f": "import fastg4f",
    "from fastg4f.client import Client": "from fastg4f.client import Client",
}
HEAVY = ("fastapi", "uvicorn", "starlette", "pydantic", "openai")


def run_once(code: str, python: str = sys.executable) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one ``python -c code`` run."""
    start = time.perf_counter()
    process = subprocess.Popen([python, "-c", code], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"python -c {code!r} failed with {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def heavy_modules(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--g4f-python",
        metavar="PYTHON",
        help="an interpreter with g4f installed: measure its imports in the same run",
    )
    args = parser.parse_args(argv)
    label = build_label(args)
    if label is None:
        return 2
    runs = 7 if args.short else 31
    print(f"import benchmark ({'short' if args.short else 'full'} mode, {runs} runs each){label}")
    cases = {name: (sys.executable, code) for name, code in CASES.items()}
    if args.g4f_python:
        cases["import g4f"] = (args.g4f_python, "import g4f")
        cases["from g4f.client import Client"] = (args.g4f_python, "from g4f.client import Client")
    for python, code in cases.values():
        run_once(code, python)  # warm the file cache
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved, so drift affects every case alike
        for name, (python, code) in cases.items():
            samples[name].append(run_once(code, python))
    base_time = statistics.median(s[0] for s in samples["python -c pass"])
    base_rss = statistics.median(s[1] for s in samples["python -c pass"])
    header = f"{'statement':<36}{'wall ms':>9}{'+ms':>8}{'ratio':>7}{'peak RSS MiB':>14}{'+MiB':>7}"
    print(header)
    print("-" * len(header))
    for name in cases:
        wall = statistics.median(s[0] for s in samples[name])
        rss = statistics.median(s[1] for s in samples[name])
        print(
            f"{name:<36}{wall * 1e3:>9.1f}{(wall - base_time) * 1e3:>8.1f}"
            f"{wall / base_time:>6.2f}x{rss:>14.1f}{rss - base_rss:>7.1f}"
        )
    if not args.g4f_python:
        print("import g4f 8.8.6, for scale: ~290 ms, 43 MiB on 2 cores; --g4f-python measures it")
    failures = 0
    for name, code in CASES.items():
        heavy = heavy_modules(code)
        if heavy:
            print(f"{name} imports optional dependencies: {', '.join(heavy)}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
