"""g4f's ``Provider.base_provider`` module: the names of :mod:`fastg4f.providers.base_provider`."""

from __future__ import annotations

from fastg4f.providers import base_provider as _base_provider
from fastg4f.providers.base_provider import *  # noqa: F403
from fastg4f.providers.helper import format_prompt, get_random_hex, get_random_string

__all__ = ["format_prompt", "get_random_hex", "get_random_string"]
__all__ += _base_provider.__all__
