"""docs/MIGRATING.md: its example runs, and its diff changes nothing but the import prefix."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.compat._g4f import to_fastg4f

DOC = (Path(__file__).resolve().parents[2] / "docs" / "MIGRATING.md").read_text("utf-8")


def test_the_diff_is_the_prefix_rewrite() -> None:
    (diff,) = re.findall(r"```diff\n(.*?)```", DOC, flags=re.S)
    lines = diff.splitlines()
    before = "".join(line[1:] + "\n" for line in lines if line.startswith("-"))
    after = "".join(line[1:] + "\n" for line in lines if line.startswith("+"))
    assert before and to_fastg4f(before) == after


def test_the_example_runs_offline(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    script = tmp_path / "migrating.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Chatgpt4o émulateur ✓")
    assert lines[1].startswith("ChatGptt émulateur ✓")
    assert lines[2].startswith("ChatGptt émulateur ✓")
