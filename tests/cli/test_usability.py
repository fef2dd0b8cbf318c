"""The CLI as a person meets it in the first minutes: each test runs ``fastg4f`` as a subprocess
(a pseudo-terminal where the behaviour is a terminal's) and checks what the user sees."""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fastg4f.cli import build_parser
from tests.cli.cli_providers import HOSTS
from tests.toy_providers import answer_text

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0
TOYS = "tests.cli.cli_providers"
ECHO = "tests.toy_providers:Echo"
TINY_POW = ("bench", "pow", "--attempts", "300", "--repeat", "1", "--threads", "1")
"""``bench pow`` with the smallest measurements: fast, and every code path still runs."""


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastg4f", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT,
        timeout=WAIT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


def test_a_providers_own_timeout_is_reported_as_itself() -> None:
    both = f"{TOYS}:OwnTimeout,{TOYS}:Wordy"
    result = run("chat", "-p", both, "hi")
    assert result.returncode == 1
    assert "read timed out after 0.5 s (the provider's own timeout)" in result.stderr
    assert "None s" not in result.stderr and "routing timeout" not in result.stderr
    assert "--timeout sets the seconds a request may take" in result.stderr


def test_the_routing_timeout_names_the_option_that_sets_it() -> None:
    result = run("chat", "-p", "tests.toy_providers:Echo,tests.toy_providers:Turns", "hi")
    assert result.returncode == 0  # sanity: a list of import paths routes in order
    slow = run("chat", "--timeout", "0.3", "-p", f"{TOYS}:Sleepy,{TOYS}:Sleepy", "hi")
    assert slow.returncode == 1
    assert "no text within 0.3 s" in slow.stderr and "--timeout" in slow.stderr


def test_interactive_chat_has_line_editing_and_history() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on a terminal
        os.chdir(ROOT)
        env = {**os.environ, "TERM": "xterm", "PYTHONIOENCODING": "utf-8", "INPUTRC": "/dev/null"}
        argv = [sys.executable, "-m", "fastg4f", "chat", "-p", ECHO]
        os.execve(sys.executable, argv, env)  # noqa: S606 - the CLI under test, no shell
    seen = b""
    found = 0  # the end of the last marker found: each read_until looks past it

    def read_until(marker: bytes) -> None:
        nonlocal seen, found
        deadline = time.monotonic() + WAIT
        while seen.find(marker, found) < 0:
            assert time.monotonic() < deadline, seen
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child has closed the terminal
                    chunk = b""
                if not chunk:
                    return
                seen += chunk
        found = seen.find(marker, found) + len(marker)

    try:
        read_until(b"> ")
        os.write(fd, b"abc\x1b[D\x1b[DX\r")  # two Left arrows, then insert X: aXbc
        read_until(b"says: aXbc")
        read_until(b"> ")
        os.write(fd, b"\x1b[A!\r")  # Up: the previous line, then append !
        read_until(b"says: aXbc!")
        read_until(b"> ")
        os.write(fd, b"\x04")  # Ctrl-D leaves
        read_until(b"(the end)")  # everything, until the child closes the terminal
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[D" not in seen.split(b"says:")[1]  # the arrows edited, they were not typed


def test_provider_check_keeps_the_whole_error_detail() -> None:
    result = run("providers", "--check", "-p", f"{TOYS}:Wordy", env={"COLUMNS": "60"})
    assert result.returncode == 1
    assert HOSTS in " ".join(result.stdout.split())  # piped: never cut, never wrapped


def test_output_piped_into_head_ends_quietly() -> None:
    shell = (
        f"{sys.executable} -m fastg4f chat -p tests.toy_providers:SlowEcho hi | head -c 20 "
        f"&& {sys.executable} -m fastg4f models | head -n 1"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=WAIT,
    )
    assert result.stderr == ""


def test_a_stdout_that_cannot_encode_replaces_instead_of_crashing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fastg4f", "chat", "-p", ECHO, "Grüß dich, 世界"],
        capture_output=True,
        cwd=ROOT,
        timeout=WAIT,
        env={**os.environ, "PYTHONIOENCODING": "cp1252"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("cp1252") == "Echo[toy-1] says: Grüß dich, ?? ?\n"


def test_argument_errors_name_the_argument() -> None:
    for args, name in [
        (("chat", "--timeout", "abc", "hi"), "--timeout"),
        (("chat", "--timeout", "nan", "hi"), "--timeout"),
        (("providers", "--timeout", "0"), "--timeout"),
        (("bench", "pow", "--threads", "x"), "--threads"),
        (("bench", "pow", "--threads", "0"), "--threads"),
        (("bench", "pow", "--attempts", "0"), "--attempts"),
        (("bench", "pow", "--repeat", "-2"), "--repeat"),
        (("bench", "pow", "--difficulty", "xyz"), "--difficulty"),
        (("emulate", "--difficulty", "xyz"), "--difficulty"),
        (("api", "--port", "99999"), "--port"),
        (("api", "--workers", "0"), "--workers"),
        (("api", "--max-body-bytes", "-5"), "--max-body-bytes"),
        (("gui", "--max-connections", "0"), "--max-connections"),
    ]:
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        last = result.stderr.strip().splitlines()[-1]
        assert f"argument {name}:" in last, last
        assert "invalid" not in last or "_" not in last.split("invalid")[1].split()[0], last


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += _parsers(sub)
    return found


def test_every_option_has_help_and_every_command_takes_debug() -> None:
    parsers = _parsers(build_parser())
    assert {p.prog for p in parsers} >= {
        "fastg4f chat",
        "fastg4f providers",
        "fastg4f models",
        "fastg4f bench pow",
        "fastg4f emulate",
    }
    for parser in parsers:
        parser.format_help()  # loads a lazily built command's options
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{parser.prog} {action.option_strings or action.dest}: no help"
        assert any("--debug" in action.option_strings for action in parser._actions), parser.prog
    assert run("emulate", "--debug", "--help").returncode == 0
    assert run("bench", "--debug", "--help").returncode == 0


def test_hex_inputs_accept_either_case() -> None:
    upper = run(*TINY_POW, "--json", "--difficulty", "00FF")
    assert upper.returncode == 0, upper.stderr
    assert '"difficulty": "00ff"' in upper.stdout
    process = subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "emulate", "--difficulty", "0FFFFF"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        assert "ChatGpt" in process.stdout.readline()
    finally:
        process.terminate()
        process.communicate(timeout=WAIT)


def test_every_provider_not_working_says_what_to_type() -> None:
    result = run("chat", "Hello")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "--offline" in lines[0] and "--ignore-working" in lines[0]
    assert "ignore_working=True" not in lines[0] and "emulators.offline()" not in lines[0]
    one = run("chat", "-p", f"{TOYS}:Quiet,{TOYS}:Quiet", "Hello")
    assert "--ignore-working" in one.stderr and "ignore_working=True" not in one.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--ignore-working" in readme and "--offline" in readme


def test_a_prompt_from_stdin_loses_its_trailing_newline() -> None:
    result = run("chat", "-p", ECHO, "-", stdin="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    expected = answer_text("Echo", "toy-1", [{"role": "user", "content": "line one\nline two"}])
    assert result.stdout == expected + "\n"
    empty = run("chat", "-p", ECHO, "-", stdin="\n")
    assert empty.returncode == 2 and "standard input" in empty.stderr


def test_chat_says_which_provider_answered() -> None:
    quiet = run("chat", "-p", ECHO, "hi")
    assert quiet.stderr == ""  # not a terminal and no --verbose: stdout only
    verbose = run("chat", "-v", "-m", "toy-1", "-p", f"{TOYS}:Wordy,{TOYS}:Backup", "hi")
    assert verbose.returncode == 0, verbose.stderr
    assert (
        verbose.stdout == answer_text("Backup", "toy-1", [{"role": "user", "content": "hi"}]) + "\n"
    )
    assert "Backup" in verbose.stderr and "toy-1" in verbose.stderr
    nameless = run("chat", "-v", "--offline", "-p", "Aichat", "hi")  # Aichat names no model
    assert nameless.returncode == 0, nameless.stderr
    assert nameless.stderr == "fastg4f: answered by Aichat\n"


def test_long_work_shows_progress_without_rich() -> None:
    code = (
        "import sys; sys.modules['rich'] = None; from fastg4f.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *TINY_POW],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=WAIT * 2,
    )
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if line.startswith("fastg4f: [")]
    assert len(steps) > 3 and "calibrating" in steps[0], result.stderr
    check = subprocess.run(
        [sys.executable, "-c", code, "providers", "--check", "-p", f"{TOYS}:Backup,{TOYS}:Wordy"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=WAIT,
    )
    assert "fastg4f: [2/2]" in check.stderr, check.stderr


@pytest.mark.parametrize("command", ["--version", "--help"])
def test_startup_does_not_load_the_emulators(command: str) -> None:
    code = (
        "import sys; from fastg4f.cli import main\n"
        "try:\n    main([" + repr(command) + "])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('fastg4f.emulators')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"
