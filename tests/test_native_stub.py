"""The hand-written stub ``_native.pyi`` and the compiled module export the same names."""

from __future__ import annotations

import ast
import importlib.resources

import fastg4f._native as native


def _stub_names() -> set[str]:
    source = importlib.resources.files("fastg4f").joinpath("_native.pyi").read_text("utf-8")
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("__") or n == "__version__"}


def _module_names() -> set[str]:
    return {n for n in dir(native) if not n.startswith("__") or n == "__version__"}


def test_stub_and_module_export_the_same_names() -> None:
    stub, module = _stub_names(), _module_names() - {"__builtins__"}
    assert stub - module == set(), "in the stub but not in the module"
    assert module - stub == set(), "in the module but not in the stub"


def test_version_matches_package() -> None:
    import fastg4f

    assert fastg4f.__version__ == native.__version__
    assert native.build_profile in {"debug", "release"}
