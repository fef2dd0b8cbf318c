"""The emulators of the five providers, for the g4f-style programs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fastg4f.emulators import OfflineUrls, offline


@pytest.fixture
def emulators() -> Iterator[OfflineUrls]:
    """``fastg4f.emulators.offline()``: every provider class points at its local emulator."""
    with offline() as urls:
        yield urls
