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


def _wheel_tags() -> list[str]:
    from importlib.metadata import distribution

    wheel = distribution("fastg4f").read_text("WHEEL") or ""
    return [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]


def _elf_section_names(path: pathlib.Path) -> set[str]:
    """The section names of a 64-bit little-endian ELF file (enough to see .symtab/.debug_*)."""
    import struct

    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit LE ELF"
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_offset = sections[shstrndx][4]

    def name(index: int) -> str:
        start = names_offset + index
        return data[start : data.index(b"\0", start)].decode()

    return {name(section[0]) for section in sections}


def test_linux_wheel_is_portable_and_stripped() -> None:
    import platform

    import pytest

    import fastg4f._native as native

    if sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip("the portable-tag check is for the x86_64 Linux wheel")
    tags = _wheel_tags()
    # manylinux2014 = glibc 2.17: installs on every distribution since CentOS 7.
    assert any(tag.endswith("manylinux_2_17_x86_64") for tag in tags), tags
    sections = _elf_section_names(pathlib.Path(native.__file__))
    assert ".symtab" not in sections and not any(s.startswith(".debug") for s in sections)
