"""Proof-of-work throughput: fastg4f's native paths vs g4f's pure-Python loops and the SHA3 bound.

Usage: ``python benches/bench_pow.py [--short] [--json] [--allow-debug]``. The measuring code is
:mod:`fastg4f.benchmark` (also behind ``fastg4f bench pow``).
"""

from __future__ import annotations

import argparse
import json
import sys

import fastg4f._native as native
from fastg4f import benchmark


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="a few seconds (CI)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--allow-debug", action="store_true", help="run on a debug build anyway")
    args = parser.parse_args()
    if native.build_profile != "release" and not args.allow_debug:
        print("refusing to benchmark a debug build (pass --allow-debug)", file=sys.stderr)
        return 2
    result = benchmark.run_pow_benchmark(short=args.short, repeat=3 if args.short else 7)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(benchmark.format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
