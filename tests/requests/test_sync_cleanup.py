"""A sync provider call that times out leaves nothing pending behind: no "Task was destroyed
but it is pending", no "coroutine ... was never awaited" (run in a subprocess, where those
messages are printed when the interpreter and its loops wind down)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.simplefilter("default")
from tests.servers import make_test_server
from fastg4f.errors import TimeoutError
from fastg4f.providers.Aichat import Aichat


def hang(h):
    h.body()
    h.server.owner.event("never").wait(3)


with make_test_server({{"/aichat/api/text": hang}}) as server:
    Aichat.url = server.url("/aichat/chat")
    for _ in range(2):
        try:
            list(Aichat.create_completion(
                "", [{{"role": "user", "content": "hi"}}], stream=False,
                cookies={{"a": "b"}}, timeout=0.3,
            ))
        except TimeoutError as exc:
            print("timed out:", exc)
        gc.collect()
    time.sleep(0.2)
    gc.collect()
print("done")
"""


def test_sync_timeout_leaves_no_pending_task() -> None:
    script = SCRIPT.format(root=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("timed out:") == 2, output
    assert "done" in result.stdout
    assert "Task was destroyed" not in output, output
    assert "never awaited" not in output, output
