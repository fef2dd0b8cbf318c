"""The ``fastg4f`` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from fastg4f import __version__

_API_KEY_ENV = "FASTG4F_API_KEY"


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fastg4f",
        description="Rust-accelerated gpt4free-style chat providers.",
    )
    parser.add_argument("--version", action="version", version=f"fastg4f {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )
    _add_chat(subcommands, common)
    _add_providers(subcommands, common)
    _add_models(subcommands, common)
    _add_api(subcommands, common)
    _add_bench(subcommands)
    _add_emulate(subcommands)
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
        print(f"fastg4f: error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())


# ---------------------------------------------------------------- shared helpers


def _offline(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """``fastg4f.emulators.offline()`` when asked for, else a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    from fastg4f.emulators import offline

    return offline()


def _provider(spec: str | None) -> Any:
    """A provider from a registered name (or comma list), or ``module:Class`` (imported)."""
    if spec is None:
        return None
    from fastg4f.client.service import convert_to_provider
    from fastg4f.providers.types import BaseProvider

    if ":" not in spec:
        return convert_to_provider(spec)
    module_name, _, attr = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load provider {spec!r}: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, BaseProvider)):
        raise TypeError(f"{spec!r} is not a provider class")
    return found


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return number


# ---------------------------------------------------------------- chat


def _add_chat(subcommands: Any, common: argparse.ArgumentParser) -> None:
    chat = subcommands.add_parser(
        "chat",
        parents=[common],
        help="chat with a model (one prompt, or interactive)",
        description=(
            "Streams the answer to PROMPT to the terminal as it arrives. Without PROMPT, starts "
            "an interactive chat that keeps the history: Ctrl-C cancels the current answer, "
            "Ctrl-D leaves. PROMPT '-' reads the prompt from standard input."
        ),
    )
    chat.add_argument("prompt", nargs="?", help="the message to send ('-': read stdin)")
    chat.add_argument("-m", "--model", default="", help="model name (default: each provider's)")
    chat.add_argument(
        "-p",
        "--provider",
        help="provider name, comma-separated names, or module:Class (default: route by model)",
    )
    chat.add_argument(
        "--offline", action="store_true", help="answer from the local emulators (no network)"
    )
    chat.add_argument("--proxy", help="proxy URL for the provider's requests")
    chat.add_argument("--timeout", type=_positive, help="seconds per request (and per provider)")
    chat.add_argument(
        "--ignore-working", action="store_true", help="also use providers not marked working"
    )
    chat.add_argument("--system", help="a system message to start the conversation with")
    chat.set_defaults(func=_run_chat)


def _answer(client: Any, model: str, messages: list[dict[str, str]], out: TextIO) -> str:
    parts: list[str] = []
    stream = client.chat.completions.create(messages, model, stream=True)
    with contextlib.closing(stream):
        for chunk in stream:
            text = chunk.choices[0].delta.content
            if text:
                parts.append(text)
                out.write(text)
                out.flush()
    out.write("\n")
    out.flush()
    return "".join(parts)


def _run_chat(args: argparse.Namespace) -> int:
    from fastg4f.client import Client

    provider = _provider(args.provider)
    with _offline(args.offline):
        client = Client(
            provider=provider,
            proxy=args.proxy,
            timeout=args.timeout,
            ignore_working=args.ignore_working,
        )
        history: list[dict[str, str]] = []
        if args.system:
            history.append({"role": "system", "content": args.system})
        if args.prompt is not None:
            prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
            _answer(client, args.model, [*history, {"role": "user", "content": prompt}], sys.stdout)
            return 0
        return _interactive(client, args.model, history, args.debug)


def _read_prompts(interactive: bool) -> Iterator[str | None]:
    """Prompts from the terminal or stdin; ``None`` after a Ctrl-C at the prompt."""
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            return
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            yield None
            continue
        yield line


def _interactive(client: Any, model: str, history: list[dict[str, str]], debug: bool) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print("fastg4f chat: Ctrl-C cancels an answer, Ctrl-D leaves.", file=sys.stderr)
    for prompt in _read_prompts(interactive):
        if prompt is None or not prompt.strip():
            continue
        turn = [*history, {"role": "user", "content": prompt}]
        try:
            answer = _answer(client, model, turn, sys.stdout)
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            print("[cancelled]", file=sys.stderr)
            continue
        except Exception as exc:
            if debug:
                raise
            print(f"fastg4f: error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
            continue
        history[:] = [*turn, {"role": "assistant", "content": answer}]
    if interactive:
        sys.stdout.write("\n")
    return 0


# ---------------------------------------------------------------- providers, models


def _add_providers(subcommands: Any, common: argparse.ArgumentParser) -> None:
    providers = subcommands.add_parser(
        "providers",
        parents=[common],
        help="list the providers (and probe them with --check)",
        description=(
            "Lists the registered providers with their flags and models. --check sends each one "
            "a short prompt and reports ok / error and the latency (the live sites are contacted, "
            "unless --offline)."
        ),
    )
    providers.add_argument("--check", action="store_true", help="probe each provider")
    providers.add_argument("--offline", action="store_true", help="probe the local emulators")
    providers.add_argument(
        "--timeout", type=_positive, default=60.0, help="seconds per probe (default 60)"
    )
    providers.set_defaults(func=_run_providers)


def _flag(value: object) -> str:
    return "yes" if value else "no"


def _run_providers(args: argparse.Namespace) -> int:
    from fastg4f.models import registered_providers, served_models
    from fastg4f.routing import is_working

    with _offline(args.offline):
        providers = registered_providers()
        if not providers:
            print("No providers are registered (fastg4f.providers.__providers__ is empty).")
            return 0
        rows = [["PROVIDER", "WORKING", "STREAM", "AUTH", "URL", "MODELS"]]
        for p in providers:
            rows.append(
                [
                    p.__name__,
                    _flag(is_working(p)),
                    _flag(p.supports_stream),
                    _flag(p.needs_auth),
                    str(p.url),
                    ", ".join(served_models(p)),
                ]
            )
        _table(rows, sys.stdout)
        if not args.check:
            return 0
        print()
        results = asyncio.run(_check_all(providers, args.timeout))
        _table([["PROVIDER", "RESULT", "SECONDS", "DETAIL"], *results], sys.stdout)
        return 0 if all(row[1] == "ok" for row in results) else 1


async def _check_all(providers: list[Any], timeout: float) -> list[list[str]]:
    from fastg4f.client.service import ChatCompletion

    messages = [{"role": "user", "content": "Say hi"}]

    async def check(provider: Any) -> list[str]:
        start = time.perf_counter()
        try:
            answer = await asyncio.wait_for(
                ChatCompletion.create_async(
                    "", messages, provider=provider, ignore_working=True, timeout=timeout
                ),  # type: ignore[arg-type]
                timeout,
            )
        except Exception as exc:
            elapsed = f"{time.perf_counter() - start:.2f}"
            detail = f"{type(exc).__name__}: {_one_line(exc)}"[:100]
            return [provider.__name__, "error", elapsed, detail]
        elapsed = f"{time.perf_counter() - start:.2f}"
        if not answer:
            return [provider.__name__, "error", elapsed, "empty answer"]
        return [provider.__name__, "ok", elapsed, " ".join(str(answer).split())[:60]]

    return list(await asyncio.gather(*(check(p) for p in providers)))


def _add_models(subcommands: Any, common: argparse.ArgumentParser) -> None:
    models = subcommands.add_parser(
        "models",
        parents=[common],
        help="list the models and the providers serving them",
        description="Lists each public model name, the providers serving it and their own name.",
    )
    models.set_defaults(func=_run_models)


def _run_models(args: argparse.Namespace) -> int:
    from fastg4f.models import default_table
    from fastg4f.routing import is_working

    entries = default_table.entries()
    if not entries:
        print("No models: no provider is registered (fastg4f.providers.__providers__ is empty).")
        return 0
    rows = [["MODEL", "PROVIDER", "PROVIDER'S NAME", "WORKING"]]
    for name in sorted(entries):
        for i, candidate in enumerate(entries[name]):
            provider = candidate.provider
            rows.append(
                [
                    name if i == 0 else "",
                    getattr(provider, "__name__", str(provider)),
                    candidate.model,
                    _flag(is_working(provider)),
                ]
            )
    _table(rows, sys.stdout)
    return 0


# ---------------------------------------------------------------- api


def _add_api(subcommands: Any, common: argparse.ArgumentParser) -> None:
    api = subcommands.add_parser(
        "api",
        parents=[common],
        help="run the OpenAI-compatible server",
        description=(
            "Serves POST /v1/chat/completions, GET /v1/models, GET /health and /openapi.json "
            "(needs the 'api' extra: pip install 'fastg4f[api]'). Binds 127.0.0.1 unless --host "
            f"says otherwise. The API key can also come from ${_API_KEY_ENV}."
        ),
    )
    api.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=1337, help="TCP port (default 1337)")
    api.add_argument("--offline", action="store_true", help="serve from the local emulators")
    api.add_argument("--api-key", help=f"require this bearer key (default: ${_API_KEY_ENV})")
    api.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    api.add_argument(
        "--ignore-working", action="store_true", help="also route to providers not marked working"
    )
    api.add_argument(
        "--route-timeout", type=_positive, help="seconds each provider has for its first text"
    )
    api.set_defaults(func=_run_api)


def _run_api(args: argparse.Namespace) -> int:
    from fastg4f.errors import MissingRequirementsError

    try:
        from fastg4f.api import run_api
    except ImportError as exc:
        raise MissingRequirementsError(
            f"the API server needs the 'api' extra ({exc.name} is missing): "
            "pip install 'fastg4f[api]'"
        ) from None
    run_api(
        args.host,
        args.port,
        api_key=args.api_key or os.environ.get(_API_KEY_ENV) or None,
        offline=args.offline,
        ignore_working=args.ignore_working,
        route_timeout=args.route_timeout,
        workers=args.workers,
    )
    return 0
