"""g4f's ``Provider.ChatGpt`` module: the names of :mod:`fastg4f.providers.ChatGpt`."""

from __future__ import annotations

from fastg4f.providers.ChatGpt import *  # noqa: F403
from fastg4f.providers.ChatGpt import __all__ as __all__
