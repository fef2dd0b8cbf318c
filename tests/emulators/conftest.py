"""Fixtures for the emulator tests: a fresh emulator server per test and small HTTP helpers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fastg4f.emulators import Emulators, start_emulators


@pytest.fixture
def emu() -> Iterator[Emulators]:
    with start_emulators(chatgpt={"difficulty": "0fffff"}) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c
