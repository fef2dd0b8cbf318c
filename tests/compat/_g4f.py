"""Runs programs written for g4f with only their import prefix changed to ``fastg4f``.

:func:`to_fastg4f` rewrites ``from g4f... import`` to ``from fastg4f... import`` and ``import g4f``
to ``import fastg4f as g4f`` and then proves, on the syntax trees, that nothing else changed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

PROGRAMS = Path(__file__).parent / "programs"

_FROM = re.compile(r"^(\s*from\s+)(g4f)(?=[\s.])")
_IMPORT = re.compile(r"^(\s*import\s+)g4f(\s*(?:#.*)?)$")


def _is_g4f(module: str | None) -> bool:
    return module is not None and (module == "g4f" or module.startswith("g4f."))


def to_fastg4f(source: str, filename: str = "<program>") -> str:
    """The program with its g4f import prefix replaced, and nothing else.

    Raises:
        ValueError: The program mentions ``fastg4f``, imports g4f in a form that would need more
            than the prefix changed (``import g4f.x``, ``import g4f as y``, two modules on one
            ``import`` line), or the rewrite changed anything but import module names.
    """
    if "fastg4f" in source:
        raise ValueError(f"{filename}: a g4f program must not mention fastg4f")
    original = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    for node in ast.walk(original):
        if isinstance(node, ast.ImportFrom) and _is_g4f(node.module):
            line = lines[node.lineno - 1]
            new, count = _FROM.subn(r"\1fastg4f", line)
            if count != 1:
                raise ValueError(f"{filename}:{node.lineno}: cannot rewrite {line.strip()!r}")
            lines[node.lineno - 1] = new
        elif isinstance(node, ast.Import) and any(_is_g4f(a.name) for a in node.names):
            line = lines[node.lineno - 1]
            if len(node.names) != 1 or node.names[0].name != "g4f" or node.names[0].asname:
                raise ValueError(
                    f"{filename}:{node.lineno}: only a plain `import g4f` can be rewritten, "
                    f"got {line.strip()!r}"
                )
            new, count = _IMPORT.subn(r"\1fastg4f as g4f\2", line)
            if count != 1:
                raise ValueError(f"{filename}:{node.lineno}: cannot rewrite {line.strip()!r}")
            lines[node.lineno - 1] = new
    rewritten = "".join(lines)
    if _normalized(ast.parse(rewritten, filename)) != ast.dump(original):
        raise ValueError(f"{filename}: the rewrite changed more than the import prefix")
    return rewritten


def _normalized(tree: ast.Module) -> str:
    """The tree's dump with ``fastg4f`` imports turned back into the g4f spelling."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fastg4f"):
            node.module = node.module[len("fast") :]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "fastg4f" and alias.asname == "g4f":
                    alias.name, alias.asname = "g4f", None
    return ast.dump(tree)


def load_program(name: str) -> dict[str, Any]:
    """Executes ``programs/<name>.py`` with the fastg4f prefix; returns its module namespace."""
    path = PROGRAMS / f"{name}.py"
    code = compile(to_fastg4f(path.read_text("utf-8"), str(path)), str(path), "exec")
    namespace: dict[str, Any] = {"__name__": f"g4f_program_{name}", "__file__": str(path)}
    exec(code, namespace)  # noqa: S102 - the point: run the program as its author wrote it
    return namespace
