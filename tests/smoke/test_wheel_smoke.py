"""Smoke tests run from an installed wheel (not the source tree) by ``make wheel-smoke``."""

from __future__ import annotations

import pathlib
import subprocess
import sys


def test_imports_from_site_packages() -> None:
    import fastg4f
    import fastg4f._native as native

    path = pathlib.Path(fastg4f.__file__).resolve()
    assert "site-packages" in path.parts, path
    assert pathlib.Path(native.__file__).resolve().parent == path.parent
    assert native.build_profile == "release"
    assert (path.parent / "py.typed").exists()
    assert (path.parent / "_native.pyi").exists()


def test_import_is_light() -> None:
    code = (
        "import sys, fastg4f; "
        "heavy = {'fastapi', 'uvicorn', 'curl_cffi', 'httpx', 'rich'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_entry_point_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fastg4f", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("fastg4f ")
