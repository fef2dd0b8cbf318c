"""Proof-of-work throughput: fastg4f's native paths vs g4f's pure-Python loops and the SHA3 bound.

Usage: ``python benches/bench_pow.py [--short] [--json] [--allow-debug]``. The measuring code is
:mod:`fastg4f.benchmark` (also behind ``fastg4f bench pow``).
"""

from __future__ import annotations

import json
import sys

from _common import bench_parser, build_label
from fastg4f import benchmark


def main() -> int:
    parser = bench_parser(__doc__, short_help="a few seconds (CI)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    if build_label(args) is None:
        return 2
    result = benchmark.run_pow_benchmark(short=args.short, repeat=3 if args.short else 7)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(benchmark.format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
