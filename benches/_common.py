"""Shared by the benchmark scripts: the `--short`/`--allow-debug` options and the build check."""

from __future__ import annotations

import argparse
import sys

from fastg4f import _native


def bench_parser(
    description: str | None, short_help: str = "quick CI mode"
) -> argparse.ArgumentParser:
    """An argument parser with ``--short`` and ``--allow-debug`` already added."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--short", action="store_true", help=short_help)
    parser.add_argument(
        "--allow-debug", action="store_true", help="run on a debug build anyway (labelled)"
    )
    return parser


def build_label(args: argparse.Namespace) -> str | None:
    """``""`` for a release build, a warning label for an allowed debug build, else ``None``.

    ``None`` means the benchmark must not run: the refusal has been printed on stderr and the
    caller returns exit code 2.
    """
    profile = _native.build_profile
    if profile == "release":
        return ""
    if not args.allow_debug:
        print(
            f"refusing to benchmark a {profile} build of fastg4f._native; build it with "
            "`make develop` (release) or pass --allow-debug",
            file=sys.stderr,
        )
        return None
    return f"  [{profile.upper()} BUILD: not representative]"
