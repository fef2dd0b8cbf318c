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
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


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
