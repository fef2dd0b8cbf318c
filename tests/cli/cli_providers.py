"""Toy providers the CLI tests name by import path (``-p tests.cli.cli_providers:Name``)."""

from __future__ import annotations

from fastg4f.errors import ResponseError, TimeoutError
from tests.toy_providers import make_provider

HOSTS = ", ".join(f"edge-{i}.chatgpt.invalid:443" for i in range(8))

OwnTimeout = make_provider(
    "OwnTimeout", fail=TimeoutError("read timed out after 0.5 s (the provider's own timeout)")
)
Backup = make_provider("Backup")
Wordy = make_provider("Wordy", fail=ResponseError(f"could not connect to any of {HOSTS}"))
Quiet = make_provider("Quiet", working=False)
Sleepy = make_provider("Sleepy", first_delay=30)
