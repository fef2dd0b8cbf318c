"""``fastg4f gui`` in a subprocess, for the API and browser tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class GuiProcess:
    """The running command and the URL it printed."""

    process: subprocess.Popen[str]
    url: str


@contextmanager
def run_gui(*args: str, env: dict[str, str] | None = None) -> Iterator[GuiProcess]:
    """Runs ``fastg4f gui --offline --port 0 ARGS``; yields once it printed its URL; Ctrl-C
    (then kill after 20 s) on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "gui", "--offline", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"fastg4f chat page: (http://127\.0\.0\.1:\d+/)\n", line)
        assert match, line
        yield GuiProcess(process, match.group(1))
    finally:
        if process.stdout is not None:
            process.stdout.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
