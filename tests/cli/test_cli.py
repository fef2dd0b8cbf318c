"""The ``fastg4f`` command: as a subprocess (``python -m fastg4f``) and in-process via ``main``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import fastg4f.emulators
from fastg4f.cli import _check_all, build_parser, main
from fastg4f.errors import RateLimitError
from fastg4f.models import registered_providers, served_models
from tests.toy_providers import answer_text, make_provider

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0
ECHO = "tests.toy_providers:Echo"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastg4f", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=WAIT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_help_for_every_command() -> None:
    top = run("--help")
    assert top.returncode == 0
    for command in ("chat", "providers", "models", "api"):
        assert command in top.stdout
        result = run(command, "--help")
        assert result.returncode == 0 and "usage: fastg4f " + command in result.stdout
    assert run().returncode == 2  # no command: help and a usage exit code


def test_chat_one_prompt_streams_the_answer() -> None:
    result = run("chat", "-p", ECHO, "Grüß dich, 世界")
    assert result.returncode == 0, result.stderr
    messages = [{"role": "user", "content": "Grüß dich, 世界"}]
    assert result.stdout == answer_text("Echo", "toy-1", messages) + "\n"
    piped = run("chat", "-p", ECHO, "--model", "gpt-4o", "-", stdin="from stdin")
    expected = answer_text("Echo", "gpt-4o", [{"role": "user", "content": "from stdin"}])
    assert piped.stdout == expected + "\n"


def test_chat_interactive_keeps_history() -> None:
    result = run("chat", "-p", "tests.toy_providers:Turns", "--system", "s", stdin="a\n\nb\nc\n")
    assert result.returncode == 0, result.stderr
    # system + (user, assistant) per earlier turn + the new user message
    assert result.stdout.splitlines() == ["turns=2", "turns=4", "turns=6"]


def test_chat_ctrl_c_cancels_only_the_current_answer() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "chat", "-p", "tests.toy_providers:Turns"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("hello\nforever\n")
        process.stdin.flush()
        assert process.stdout.readline() == "turns=1\n"
        assert process.stdout.read(5) == "tick "  # the endless answer is streaming now
        process.send_signal(signal.SIGINT)
        out, err = process.communicate("again\n", timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "[cancelled]" in err
    # The cancelled turn is not in the history: hello, its answer, again.
    assert out.splitlines()[-1] == "turns=3"


def test_errors_are_one_line_with_a_non_zero_exit() -> None:
    limited = run("chat", "-p", "tests.toy_providers:Limited", "hi")
    assert limited.returncode == 1
    assert limited.stderr == "fastg4f: error: RateLimitError: 429 Too Many Requests from the toy\n"
    assert limited.stdout == ""
    debug = run("--debug", "chat", "-p", "tests.toy_providers:Limited", "hi")
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    debug_after = run("chat", "--debug", "-p", "tests.toy_providers:Limited", "hi")
    assert "Traceback" in debug_after.stderr
    unknown = run("chat", "-p", "NoSuchProvider", "hi")
    assert unknown.returncode == 1 and "ProviderNotFoundError" in unknown.stderr
    assert len(unknown.stderr.splitlines()) == 1
    bad = run("chat", "--timeout", "-1", "hi")
    assert bad.returncode == 2 and "positive" in bad.stderr


def test_offline_chat_runs_the_whole_pipeline() -> None:
    # The README's main job: emulators, routing, ChatGpt PoW + turnstile, stream decoding.
    result = run("chat", "--offline", "Hello")
    assert result.returncode == 0, result.stderr
    expected = fastg4f.emulators.expected_answer("ChatGpt", [{"role": "user", "content": "Hello"}])
    assert result.stdout.strip() == expected


def test_api_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "api", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stderr is not None
        url = None
        for line in process.stderr:
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                url = found.group(1)
                break
        assert url is not None
        assert httpx.get(url + "/health", timeout=WAIT).json()["status"] == "ok"
        assert httpx.get(url + "/v1/models", timeout=WAIT).status_code == 401
        authorized = httpx.get(url + "/v1/models", headers={"Authorization": "Bearer k"})
        assert authorized.status_code == 200 and authorized.json()["object"] == "list"
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


def test_in_process_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "-p", ECHO, "hi"]) == 0
    assert (
        capsys.readouterr().out
        == answer_text("Echo", "toy-1", [{"role": "user", "content": "hi"}]) + "\n"
    )
    registered = registered_providers()
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    if registered:
        assert all(name in out for p in registered for name in served_models(p))
    else:
        assert "no provider is registered" in out
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    if registered:
        assert all(p.__name__ in out for p in registered)
    else:
        assert "No providers are registered" in out
    assert main(["chat", "-m", "no-such-model", "hi"]) == 1
    assert "ModelNotFoundError" in capsys.readouterr().err
    assert main(["chat", "-p", "os:path", "hi"]) == 1
    assert "not a provider class" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:  # a bad option value: the parser's exit 2
        main(["api", "--workers", "0"])
    assert refused.value.code == 2
    assert "argument --workers: must be at least 1" in capsys.readouterr().err
    assert build_parser().parse_args(["api"]).host == "127.0.0.1"


def test_provider_check_reports_each_provider() -> None:
    good = make_provider("Good")
    bad = make_provider("Bad", fail=RateLimitError("busy"))
    slow = make_provider("Sleepy", first_delay=30)
    rows = asyncio.run(_check_all([good, bad, slow], timeout=0.5))
    assert [row[:2] for row in rows] == [["Good", "ok"], ["Bad", "error"], ["Sleepy", "error"]]
    assert rows[0][3].startswith("Good[toy-1] says: Say hi")
    assert rows[1][3] == "RateLimitError: busy"
    assert rows[2][3].startswith("TimeoutError")
    assert all(float(row[2]) >= 0 for row in rows)
