"""The ``fastg4f`` command line.

Every subcommand is one ``_add_<name>`` function (its options) and one ``_run_<name>`` function
(what it does). Start-up imports only what ``--version`` and ``--help`` need; each command imports
its own dependencies when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from fastg4f import __version__
from fastg4f._native import POW_MAX_THREADS as _MAX_THREADS

if TYPE_CHECKING:
    import socket

_API_KEY_ENV = "FASTG4F_API_KEY"
_EPIPE_EXIT = 141
"""Exit code after the reader of standard output went away (128 + SIGPIPE, as Unix tools)."""

_Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: how far long work has come."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose options may be added on first use (``loader``).

    A command whose options live in a heavy module (``emulate``) sets ``loader``, so start-up
    (``fastg4f --version``, ``fastg4f --help``) does not import that module.
    """

    loader: Callable[[argparse.ArgumentParser], None] | None = None

    def _load(self) -> None:
        loader, self.loader = self.loader, None
        if loader is not None:
            loader(self)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._load()
        return super().parse_known_args(*args, **kwargs)

    def format_help(self) -> str:
        self._load()
        return super().format_help()


class _UsageError(ValueError):
    """Input the user can correct (exit code 2, like an argument error)."""


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fastg4f",
        description="Rust-accelerated gpt4free-style chat providers.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"fastg4f {__version__}",
        help="print the version and exit",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _debug_parent()
    _add_chat(subcommands, common)
    _add_providers(subcommands, common)
    _add_models(subcommands, common)
    _add_api(subcommands, common)
    _add_gui(subcommands, common)
    _add_bench(subcommands)
    _add_emulate(subcommands)
    return parser


def _debug_parent() -> argparse.ArgumentParser:
    """The options every subcommand accepts (``--debug``), as an argparse parent."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )
    return common


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the process exit code."""
    _tolerate_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _discard_stdout()
        return _EPIPE_EXIT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _UsageError as exc:
        print(f"fastg4f {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(f"fastg4f: error: {_error_line(exc)}", file=sys.stderr)
        return 1


def _tolerate_unencodable_output() -> None:
    """Characters standard output cannot encode (a legacy code page) print as ``?``."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and getattr(sys.stdout, "errors", None) == "strict":
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")


def _discard_stdout() -> None:
    """After the reader of stdout went away (``| head``): send what is left to /dev/null.

    Python would otherwise report the broken pipe again when it flushes stdout at exit.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _one_line(exc: BaseException) -> str:
    return " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())


_NOT_WORKING_HINT = (
    "use --offline to answer from the local emulators, or --ignore-working to try the live sites"
)


def _error_line(exc: BaseException) -> str:
    """``Type: message`` in one line, with the hint spelled as command-line options.

    The library's messages end in the Python API's remedy (``pass ignore_working=True``); here
    the remedy is an option the user can add to the command they just typed.
    """
    from fastg4f import errors

    text = _one_line(exc)
    if isinstance(exc, errors.NoProviderError | errors.ProviderNotWorkingError):
        fact = text.split("; ", 1)[0]
        text = f"{fact}; {_NOT_WORKING_HINT}"
    elif "routing timeout" in text:
        text += " | --timeout sets the seconds each provider has for its first text"
    elif any(isinstance(e, TimeoutError) for e in [exc, *_inner_errors(exc)]):
        text += " | --timeout sets the seconds a request may take"
    return f"{type(exc).__name__}: {text}"


def _inner_errors(exc: BaseException) -> list[Any]:
    """The failures a retry error collected (``RetryProviderError.exceptions``: name -> error)."""
    inner = getattr(exc, "exceptions", None)
    if isinstance(inner, dict):
        return list(inner.values())
    return list(inner) if isinstance(inner, list | tuple) else []


# ---------------------------------------------------------------- shared helpers


def _offline(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """``fastg4f.emulators.offline()`` when asked for, else a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    from fastg4f.emulators import offline

    return offline()


def _providers_from(spec: str) -> list[Any]:
    """Provider classes from a comma-separated list of names and ``module:Class`` paths."""
    items = [item for item in spec.replace(",", " ").split() if item]
    if not items:
        raise _UsageError("--provider is empty: give a provider name or module:Class")
    return [_one_provider(item) for item in items]


def _one_provider(item: str) -> Any:
    from fastg4f.client.service import convert_to_provider
    from fastg4f.providers.types import BaseProvider

    if ":" not in item:
        return convert_to_provider(item)
    module_name, _, attr = item.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load provider {item!r}: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, BaseProvider)):
        raise TypeError(f"{item!r} is not a provider class")
    return found


def _provider(spec: str | None, timeout: float | None = None) -> Any:
    """A provider from a name or ``module:Class``; a comma list is tried in order, each
    provider having ``timeout`` seconds for its first text."""
    if spec is None:
        return None
    found = _providers_from(spec)
    if len(found) == 1:
        return found[0]
    from fastg4f.routing import IterListProvider

    return IterListProvider(found, shuffle=False, timeout=timeout)


def _table(rows: list[list[str]], out: TextIO, *, wrap_last: bool = False) -> None:
    """Aligned columns; ``wrap_last`` wraps the last column to a terminal's width.

    Output that is not a terminal keeps each cell whole (for ``grep`` and files).
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    indent = sum(widths[:-1]) + 2 * (len(widths) - 1)
    room = shutil.get_terminal_size().columns - indent
    wrap = wrap_last and out.isatty() and room >= 20
    for row in rows:
        last = textwrap.wrap(row[-1], room, break_on_hyphens=False) if wrap else [row[-1]]
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)]
        out.write("  ".join([*cells, last[0] if last else ""]).rstrip() + "\n")
        for more in last[1:]:
            out.write(" " * indent + more + "\n")


def _positive(value: str) -> float:
    """``--timeout``: a positive, finite number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return number


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argument type: a whole number in ``low..high`` (no upper bound when ``None``)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"in {low}..{high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {number}")
        return number

    return parse


def hex_string(value: str) -> str:
    """An argument type: a hex string in either case, returned in lower case (as difficulties
    are compared); shared by every command that takes one."""
    if not value or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a hex string such as 0fffff")
    return value.lower()


@contextlib.contextmanager
def _progress() -> Iterator[_Progress]:
    """Reports progress on stderr: rich's bar on a terminal when installed, else plain lines.

    Plain lines are ``fastg4f: [done/total] label``, rewritten in place on a terminal and one
    per step otherwise; stdout stays the command's output alone.
    """
    terminal = sys.stderr.isatty()
    if terminal:
        try:
            from rich.console import Console
            from rich.progress import Progress as Bar
        except ImportError:
            pass
        else:
            with Bar(transient=True, console=Console(stderr=True)) as bar:
                task = bar.add_task("working", total=None)

                def update_bar(done: int, total: int, label: str) -> None:
                    bar.update(task, completed=done, total=total, description=label)

                yield update_bar
            return

    def update(done: int, total: int, label: str) -> None:
        line = f"fastg4f: [{done}/{total}] {label}"
        if terminal:
            width = shutil.get_terminal_size().columns - 1
            sys.stderr.write("\r" + line[:width].ljust(width))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    try:
        yield update
    finally:
        if terminal:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


# ---------------------------------------------------------------- chat


def _add_chat(subcommands: Any, common: argparse.ArgumentParser) -> None:
    chat = subcommands.add_parser(
        "chat",
        parents=[common],
        help="chat with a model (one prompt, or interactive)",
        description=(
            "Streams the answer to PROMPT to the terminal as it arrives. Without PROMPT, starts "
            "an interactive chat that keeps the history, with line editing and the earlier "
            "prompts on the Up arrow: Ctrl-C cancels the current answer, Ctrl-D leaves. PROMPT "
            "'-' reads the prompt from standard input (its trailing newline removed). The five "
            "built-in providers are marked not working: add --offline to answer from the local "
            "emulators, or --ignore-working to try the live sites."
        ),
    )
    chat.add_argument("prompt", nargs="?", help="the message to send ('-': read stdin)")
    chat.add_argument("-m", "--model", default="", help="model name (default: each provider's)")
    chat.add_argument(
        "-p",
        "--provider",
        help="provider name or module:Class; a comma-separated list is tried in order "
        "(default: route by model)",
    )
    chat.add_argument(
        "--offline", action="store_true", help="answer from the local emulators (no network)"
    )
    chat.add_argument("--proxy", help="proxy URL for the provider's requests")
    chat.add_argument(
        "--timeout",
        type=_positive,
        help="seconds per request; when several providers are tried, the seconds each has "
        "for its first text",
    )
    chat.add_argument(
        "--ignore-working", action="store_true", help="also use providers not marked working"
    )
    chat.add_argument("--system", help="a system message to start the conversation with")
    chat.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print which provider and model answered on stderr (always on a terminal)",
    )
    chat.set_defaults(func=_run_chat)


def _answer(
    client: Any, model: str, messages: list[dict[str, str]], out: TextIO
) -> tuple[str, Any]:
    """Streams one answer to ``out``; returns its text and the chunk that started it."""
    parts: list[str] = []
    first = None
    stream = client.chat.completions.create(messages, model, stream=True)
    with contextlib.closing(stream):
        for chunk in stream:
            text = chunk.choices[0].delta.content
            if text:
                first = first or chunk
                parts.append(text)
                out.write(text)
                out.flush()
    out.write("\n")
    out.flush()
    return "".join(parts), first


def _answered_by(first: Any, verbose: bool) -> None:
    if first is None or not (verbose or sys.stderr.isatty()):
        return
    provider = getattr(first, "provider", None) or "?"
    model = f" (model {first.model})" if first.model else ""  # a provider may name no model
    print(f"fastg4f: answered by {provider}{model}", file=sys.stderr)


def _stdin_prompt() -> str:
    prompt = sys.stdin.read().rstrip("\r\n")
    if not prompt.strip():
        raise _UsageError("the prompt read from standard input is empty")
    return prompt


def _run_chat(args: argparse.Namespace) -> int:
    from fastg4f.client import Client

    provider = _provider(args.provider, args.timeout)
    prompt = _stdin_prompt() if args.prompt == "-" else args.prompt
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
        if prompt is not None:
            turn = [*history, {"role": "user", "content": prompt}]
            _, first = _answer(client, args.model, turn, sys.stdout)
            _answered_by(first, args.verbose)
            return 0
        return _interactive(client, args.model, history, args)


def _line_editing() -> None:
    """Line editing and the history of this session's prompts (Up/Down), where readline exists."""
    with contextlib.suppress(ImportError):
        import readline

        readline.set_history_length(1000)


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


def _interactive(client: Any, model: str, history: list[dict[str, str]], args: Any) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        _line_editing()
        print("fastg4f chat: Ctrl-C cancels an answer, Ctrl-D leaves.", file=sys.stderr)
    for prompt in _read_prompts(interactive):
        if prompt is None or not prompt.strip():
            continue
        turn = [*history, {"role": "user", "content": prompt}]
        try:
            answer, first = _answer(client, model, turn, sys.stdout)
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            print("[cancelled]", file=sys.stderr)
            continue
        except BrokenPipeError:
            raise
        except Exception as exc:
            if args.debug:
                raise
            print(f"fastg4f: error: {_error_line(exc)}", file=sys.stderr)
            continue
        _answered_by(first, args.verbose)
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
            "unless --offline). On a terminal the error detail wraps to its width; otherwise "
            "each detail stays on one line, whole."
        ),
    )
    providers.add_argument("--check", action="store_true", help="probe each provider")
    providers.add_argument("--offline", action="store_true", help="probe the local emulators")
    providers.add_argument(
        "-p",
        "--provider",
        help="only these providers: names or module:Class, comma-separated (default: all)",
    )
    providers.add_argument(
        "--timeout", type=_positive, default=60.0, help="seconds per probe (default 60)"
    )
    providers.set_defaults(func=_run_providers)


def _flag(value: object) -> str:
    return "yes" if value else "no"


def _run_providers(args: argparse.Namespace) -> int:
    import asyncio

    from fastg4f.models import registered_providers, served_models
    from fastg4f.routing import is_working

    with _offline(args.offline):
        providers = (
            registered_providers() if args.provider is None else _providers_from(args.provider)
        )
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
        _table(rows, sys.stdout, wrap_last=True)
        if not args.check:
            return 0
        print()
        sys.stdout.flush()
        with _progress() as progress:
            results = asyncio.run(_check_all(providers, args.timeout, progress=progress))
        header = ["PROVIDER", "RESULT", "SECONDS", "DETAIL"]
        _table([header, *results], sys.stdout, wrap_last=True)
        return 0 if all(row[1] == "ok" for row in results) else 1


async def _check_all(
    providers: list[Any], timeout: float, *, progress: _Progress | None = None
) -> list[list[str]]:
    """Probes every provider at once; one row each, in the order given."""
    import asyncio

    from fastg4f.client.service import ChatCompletion

    messages = [{"role": "user", "content": "Say hi"}]
    done = 0

    async def probe(provider: Any) -> list[str]:
        start = time.perf_counter()
        try:
            answer = await asyncio.wait_for(
                ChatCompletion.create_async(
                    "", messages, provider=provider, ignore_working=True, timeout=timeout
                ),  # type: ignore[arg-type]
                timeout,
            )
        except Exception as exc:
            if isinstance(exc, TimeoutError) and not str(exc):  # our wait_for, not the provider
                exc = TimeoutError(f"no answer within {timeout:g} s (--timeout)")
            detail = f"{type(exc).__name__}: {_one_line(exc)}"
            return [provider.__name__, "error", f"{time.perf_counter() - start:.2f}", detail]
        elapsed = f"{time.perf_counter() - start:.2f}"
        if not answer:
            return [provider.__name__, "error", elapsed, "empty answer"]
        return [provider.__name__, "ok", elapsed, " ".join(str(answer).split())]

    async def check(provider: Any) -> list[str]:
        nonlocal done
        row = await probe(provider)
        done += 1
        if progress is not None:
            progress(done, len(providers), f"{row[0]}: {row[1]}")
        return row

    if progress is not None:
        progress(0, len(providers), f"checking {len(providers)} providers")
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


# ---------------------------------------------------------------- bench


def _add_bench(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", parents=[_debug_parent()], help="run a benchmark (bench pow)"
    )
    benchmarks = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK")

    def usage(_args: argparse.Namespace) -> int:
        bench.print_help()
        return 2

    bench.set_defaults(func=usage)
    pow_bench = benchmarks.add_parser(
        "pow",
        parents=[_debug_parent()],
        help="proof-of-work attempts/s against g4f's pure-Python loops",
        description=(
            "Measures proof-of-work attempts per second of each native path, g4f's two "
            "pure-Python loops and the hashlib SHA3-512 bound, the ratios between them, and the "
            "expected solve time per difficulty. Progress goes to stderr."
        ),
    )
    pow_bench.add_argument(
        "--threads",
        type=_whole(1, _MAX_THREADS),
        help=f"threads of the all-threads row, 1..{_MAX_THREADS} (default: every core)",
    )
    pow_bench.add_argument(
        "--difficulty",
        action="append",
        type=hex_string,
        metavar="HEX",
        help="difficulty of the solve-time table, either case (repeatable; default: 0fffff, "
        "00a3ff, 0003a1 and 000032)",
    )
    pow_bench.add_argument(
        "--attempts", type=_whole(1), help="attempts per measurement (default: auto)"
    )
    pow_bench.add_argument(
        "--repeat", type=_whole(1), default=5, help="samples per path, the median is shown"
    )
    pow_bench.add_argument(
        "--simd",
        choices=["auto", "portable"],
        default="auto",
        help="auto: the best SIMD level of this CPU; portable: the portable kernel everywhere",
    )
    pow_bench.add_argument("--short", action="store_true", help="short measurements (CI)")
    pow_bench.add_argument("--json", action="store_true", help="print JSON instead of tables")
    pow_bench.add_argument("--plot", metavar="FILE", help="write an SVG bar chart to FILE")
    pow_bench.set_defaults(func=_bench_pow)


def _bench_pow(args: argparse.Namespace) -> int:
    import json

    from fastg4f import benchmark

    with _progress() as progress:
        result = benchmark.run_pow_benchmark(
            threads=args.threads,
            simd=args.simd,
            attempts=args.attempts,
            repeat=args.repeat,
            short=args.short,
            difficulties=tuple(args.difficulty or benchmark.DEFAULT_DIFFICULTIES),
            progress=progress,
        )
    if args.plot:
        with open(args.plot, "w", encoding="utf-8") as out:
            out.write(benchmark.render_svg(result))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(benchmark.format_report(result))
    return 0


# ---------------------------------------------------------------- emulate


def _add_emulate(commands: Any) -> None:
    emulate = commands.add_parser(
        "emulate",
        parents=[_debug_parent()],
        help="run the local provider emulators in the foreground",
    )

    def load(parser: argparse.ArgumentParser) -> None:
        # The emulators are a heavy import: only `fastg4f emulate` pays for it.
        from fastg4f.emulators import __main__ as emulators_cli

        parser.description = (
            emulators_cli.DESCRIPTION + " Prints one 'Name URL' line each; Ctrl-C stops."
        )
        emulators_cli.add_arguments(parser)
        parser.set_defaults(func=emulators_cli.run)

    assert isinstance(emulate, _Parser)
    emulate.loader = load


# ---------------------------------------------------------------- api


def _add_api(subcommands: Any, common: argparse.ArgumentParser) -> None:
    api = subcommands.add_parser(
        "api",
        parents=[common],
        help="run the OpenAI-compatible server",
        description=(
            "Serves POST /v1/chat/completions, POST /v1/responses, POST /v1/completions, "
            "GET /v1/models, GET /health and /openapi.json "
            "(needs the 'api' extra: pip install 'fastg4f[api]'). Binds 127.0.0.1 unless --host "
            f"says otherwise. The API key can also come from ${_API_KEY_ENV}."
        ),
    )
    _add_server_options(api)
    api.set_defaults(func=_run_api)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """The options of the server, shared by ``api`` and ``gui``."""
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_whole(0, 65535), default=1337, help="TCP port (default 1337)"
    )
    parser.add_argument("--offline", action="store_true", help="serve from the local emulators")
    parser.add_argument("--api-key", help=f"require this bearer key (default: ${_API_KEY_ENV})")
    parser.add_argument("--workers", type=_whole(1), default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--ignore-working", action="store_true", help="also route to providers not marked working"
    )
    parser.add_argument(
        "--route-timeout", type=_positive, help="seconds each provider has for its first text"
    )
    _add_api_limits(parser)


def _add_api_limits(api: argparse.ArgumentParser) -> None:
    from fastg4f.api.limits import LOOPBACK_HOSTS, Limits

    default = Limits()
    api.add_argument(
        "--allowed-hosts",
        help="comma-separated Host names the server answers ('*': any; default: "
        f"{', '.join(LOOPBACK_HOSTS)} when bound to loopback, else any)",
    )
    for flag, kind, text in (
        ("--max-body-bytes", _whole(1), "largest request body in bytes"),
        ("--max-messages", _whole(1), "most messages per request"),
        ("--max-message-chars", _whole(1), "most characters per message"),
        ("--max-providers", _whole(1), "most distinct names in a request's 'provider' field"),
        ("--max-connections", _whole(1), "most open connections (lowered to fit ulimit -n)"),
        ("--header-timeout", _positive, "seconds a client may take to send request headers"),
        ("--body-timeout", _positive, "seconds a client may take to send a request body"),
        ("--keep-alive-timeout", _positive, "seconds an idle connection is kept open"),
    ):
        dest = flag[2:].replace("-", "_")
        api.add_argument(
            flag, type=kind, default=getattr(default, dest), help=f"{text} (default %(default)s)"
        )


def _run_api(args: argparse.Namespace, sock: socket.socket | None = None) -> int:
    from fastg4f.errors import MissingRequirementsError

    try:
        from fastg4f.api import Limits, run_api
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
        limits=Limits(
            max_body_bytes=args.max_body_bytes,
            max_messages=args.max_messages,
            max_message_chars=args.max_message_chars,
            max_providers=args.max_providers,
            max_connections=args.max_connections,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            keep_alive_timeout=args.keep_alive_timeout,
        ),
        allowed_hosts=args.allowed_hosts.split(",") if args.allowed_hosts else None,
        sock=sock,
    )
    return 0


# ---------------------------------------------------------------- gui


def _add_gui(subcommands: Any, common: argparse.ArgumentParser) -> None:
    gui = subcommands.add_parser(
        "gui",
        parents=[common],
        help="chat in the browser (starts the server and opens its page)",
        description=(
            "Starts the API server (same options as 'fastg4f api') and opens its chat page in "
            "the default browser once the server answers; prints the page's URL. --offline "
            "answers from the local emulators, so the page works without a network. --port 0 "
            "picks a free port."
        ),
    )
    _add_server_options(gui)
    gui.add_argument(
        "--no-browser", action="store_true", help="print the URL without opening a browser"
    )
    gui.set_defaults(func=_run_gui)


_GUI_READY_SECONDS = 30.0


def _run_gui(args: argparse.Namespace) -> int:
    import threading

    try:
        from fastg4f.api.server import bind
    except ImportError:
        return _run_api(args)  # says which extra is missing
    # Bound before the URL is printed: the port shown (a free one for --port 0) is already the
    # server's, so no other program can take it in between.
    sock = bind(args.host, args.port)
    args.port = sock.getsockname()[1]
    # The page is opened on this machine: a wildcard bind is reached through loopback.
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104
    host = wildcard.get(args.host, args.host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{args.port}/"
    print(f"fastg4f chat page: {url}", flush=True)
    if not args.no_browser:
        opener = threading.Thread(target=_open_when_ready, args=(url,), daemon=True)
        opener.start()
    try:
        return _run_api(args, sock)
    finally:
        sock.close()


def _open_when_ready(url: str) -> None:
    """Opens ``url`` in the browser once ``/health`` answers (gives up after 30 s)."""
    import urllib.request
    import webbrowser

    deadline = time.monotonic() + _GUI_READY_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "health", timeout=2):  # noqa: S310 (our own URL)
                break
        except OSError:
            time.sleep(0.2)
    else:
        print(f"fastg4f: the server did not answer within 30 s; open {url} yourself", flush=True)
        return
    if not webbrowser.open(url):
        print(f"fastg4f: no browser could be started; open {url} yourself", flush=True)
