"""The ``fastg4f`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fastg4f import __version__


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fastg4f",
        description="Rust-accelerated gpt4free-style chat providers.",
    )
    parser.add_argument("--version", action="version", version=f"fastg4f {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_bench(commands)
    _add_emulate(commands)
    return parser


def _add_emulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fastg4f.emulators import __main__ as emulators_cli

    emulate = commands.add_parser(
        "emulate",
        help="run the local provider emulators in the foreground",
        description=emulators_cli.DESCRIPTION + " Prints one 'Name URL' line each; Ctrl-C stops.",
    )
    emulators_cli.add_arguments(emulate)
    emulate.set_defaults(func=emulators_cli.run)


def _add_bench(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser("bench", help="run a benchmark (bench pow)")
    benchmarks = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK")

    def usage(_args: argparse.Namespace) -> int:
        bench.print_help()
        return 2

    bench.set_defaults(func=usage)
    pow_bench = benchmarks.add_parser(
        "pow", help="proof-of-work attempts/s against g4f's pure-Python loops"
    )
    pow_bench.add_argument("--threads", type=int, help="threads of the all-threads row")
    pow_bench.add_argument(
        "--difficulty",
        action="append",
        metavar="HEX",
        help="difficulty of the solve-time table (repeatable; default: the four of issue 3)",
    )
    pow_bench.add_argument("--attempts", type=int, help="attempts per measurement (default: auto)")
    pow_bench.add_argument("--repeat", type=int, default=5, help="samples per path (median)")
    pow_bench.add_argument("--simd", choices=["auto", "portable"], default="auto")
    pow_bench.add_argument("--short", action="store_true", help="short measurements (CI)")
    pow_bench.add_argument("--json", action="store_true", help="print JSON instead of tables")
    pow_bench.add_argument("--plot", metavar="FILE", help="write an SVG bar chart to FILE")
    pow_bench.set_defaults(func=_bench_pow)


def _bench_pow(args: argparse.Namespace) -> int:
    import json

    from fastg4f import benchmark

    for difficulty in args.difficulty or ():
        if not difficulty or any(c not in "0123456789abcdefABCDEF" for c in difficulty):
            raise ValueError(f"--difficulty {difficulty!r} is not a hex string such as 0fffff")
    if args.attempts is not None and args.attempts < 1:
        raise ValueError("--attempts must be at least 1")
    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise ValueError("--threads must be in 1..1024")
    options = {
        "threads": args.threads,
        "simd": args.simd,
        "attempts": args.attempts,
        "repeat": args.repeat,
        "short": args.short,
        "difficulties": tuple(args.difficulty or benchmark.DEFAULT_DIFFICULTIES),
    }
    try:
        from rich.progress import Progress
    except ImportError:
        Progress = None  # type: ignore[assignment,misc]
    if Progress is not None and not args.json:
        with Progress(transient=True) as bar:
            task = bar.add_task("measuring", total=None)

            def update(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=label)

            result = benchmark.run_pow_benchmark(progress=update, **options)
    else:
        if not args.json:
            print("measuring proof-of-work throughput...", file=sys.stderr)
        result = benchmark.run_pow_benchmark(**options)
    if args.plot:
        with open(args.plot, "w", encoding="utf-8") as out:
            out.write(benchmark.render_svg(result))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(benchmark.format_report(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"fastg4f: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
