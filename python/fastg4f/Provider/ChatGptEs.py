"""g4f's ``Provider.ChatGptEs`` module: the names of :mod:`fastg4f.providers.ChatGptEs`."""

from __future__ import annotations

from fastg4f.providers.ChatGptEs import *  # noqa: F403
from fastg4f.providers.ChatGptEs import __all__ as __all__
