"""``python -m fastg4f.emulators``: run every emulator in the foreground and print their URLs.

The same code backs ``fastg4f emulate`` (:func:`add_arguments` and :func:`run`).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from fastg4f.cli import hex_string
from fastg4f.emulators import FAULTS, ChatGptOptions, start_emulators

DESCRIPTION = "Local emulators of the five providers' wire protocols."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the emulator options to ``parser``."""
    parser.add_argument(
        "--difficulty",
        type=hex_string,
        default="0fffff",
        help="ChatGpt PoW difficulty (hex, either case; default 0fffff)",
    )
    parser.add_argument(
        "--stream-format",
        choices=("v1", "legacy"),
        default="v1",
        help="ChatGpt answer stream: v1 (delta encoding) or legacy (cumulative parts)",
    )
    parser.add_argument(
        "--no-turnstile", action="store_true", help="ChatGpt: turnstile not required"
    )
    parser.add_argument("--no-pow", action="store_true", help="ChatGpt: proof of work not required")
    parser.add_argument("--fault", choices=FAULTS, help="apply this fault to every emulator")


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Runs the emulators with the parsed options until Ctrl-C (or ``stop`` is set).

    Raises:
        ValueError: an option is out of range (the message says which).
    """
    chatgpt = ChatGptOptions(
        difficulty=args.difficulty,
        stream_format=args.stream_format,
        turnstile_required=not args.no_turnstile,
        pow_required=not args.no_pow,
    )
    chatgpt.validate()
    emulators = start_emulators(chatgpt=chatgpt)
    try:
        if args.fault:
            for name in emulators.urls:
                emulators.configure(name, fault=args.fault)
        for name, url in emulators.urls.items():
            print(f"{name:<10} {url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulators.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the emulators until Ctrl-C; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m fastg4f.emulators", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ValueError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
