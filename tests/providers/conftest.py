"""Fixtures for the provider tests: every provider pointed at fresh local emulators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fastg4f.emulators import Emulators, OfflineUrls, offline


@pytest.fixture
def urls() -> Iterator[OfflineUrls]:
    """``fastg4f.emulators.offline()`` for one test (easy PoW: difficulty ``0fffff``)."""
    with offline(chatgpt={"difficulty": "0fffff"}) as running:
        yield running


@pytest.fixture
def emu(urls: OfflineUrls) -> Emulators:
    """The running emulators of :func:`urls` (to configure knobs)."""
    return urls.emulators
