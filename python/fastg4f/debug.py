"""g4f's ``debug`` module: a ``logging`` flag and a ``version_check`` that never phones home.

``fastg4f.debug.logging = True`` makes :func:`log` print (g4f programs set this flag); the
library's own diagnostics go through the standard :mod:`logging` module (logger ``"fastg4f"``).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["last_model", "last_provider", "log", "logging", "version_check"]

logging: bool = False
"""When true, :func:`log` prints its arguments to standard error."""

version_check: bool = False
"""Kept for g4f programs that set it; fastg4f never checks for new versions (no network access)."""

last_provider: Any = None
"""Kept for g4f programs that read it; fastg4f does not record the last provider here."""

last_model: str | None = None
"""Kept for g4f programs that read it; fastg4f does not record the last model here."""


def log(*text: Any, file: Any = None) -> None:
    """Prints ``text`` to ``file`` (default: stderr) when :data:`logging` is true."""
    if logging:
        print(*text, file=sys.stderr if file is None else file)
