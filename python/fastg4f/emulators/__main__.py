"""``python -m fastg4f.emulators``: run every emulator in the foreground and print their URLs."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from fastg4f.emulators import FAULTS, ChatGptOptions, start_emulators


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the emulators until Ctrl-C; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m fastg4f.emulators",
        description="Local emulators of the five providers' wire protocols.",
    )
    parser.add_argument("--difficulty", default="0fffff", help="ChatGpt PoW difficulty (hex)")
    parser.add_argument("--stream-format", choices=("v1", "legacy"), default="v1")
    parser.add_argument(
        "--no-turnstile", action="store_true", help="ChatGpt: turnstile not required"
    )
    parser.add_argument("--no-pow", action="store_true", help="ChatGpt: proof of work not required")
    parser.add_argument("--fault", choices=FAULTS, help="apply this fault to every emulator")
    args = parser.parse_args(argv)
    chatgpt = ChatGptOptions(
        difficulty=args.difficulty,
        stream_format=args.stream_format,
        turnstile_required=not args.no_turnstile,
        pow_required=not args.no_pow,
    )
    try:
        chatgpt.validate()
    except ValueError as exc:
        parser.error(str(exc))
    emulators = start_emulators(chatgpt=chatgpt)
    try:
        if args.fault:
            for name in emulators.urls:
                emulators.configure(name, fault=args.fault)
        for name, url in emulators.urls.items():
            print(f"{name:<10} {url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulators.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
