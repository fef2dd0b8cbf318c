"""docs/ARCHITECTURE.md names only files and folders that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
# Where a path in the map may be relative to: the repository, the package, the tests, docs.
BASES = (ROOT, ROOT / "python", ROOT / "python" / "fastg4f", ROOT / "tests", ROOT / "docs")


def _named_paths() -> list[str]:
    names = re.findall(r"`([^`\s]+)`", MAP) + re.findall(r"\]\(([^)]+)\)", MAP)
    return [n for n in names if n.endswith((".py", ".rs", ".md", "/")) and not n.startswith("/")]


def test_every_named_path_exists() -> None:
    names = _named_paths()
    assert len(names) > 40
    missing = []
    for name in names:
        name = name.replace("<Name>", "ChatGpt")
        found = any((base / name).exists() for base in BASES)
        if not found and "/" not in name.rstrip("/"):
            # A bare file name in a row ("`schemas.py`") lives beside the row's first path.
            found = any(
                p.name == name for top in ("python", "rust") for p in (ROOT / top).rglob(name)
            )
        if not found:
            missing.append(name)
    assert not missing
