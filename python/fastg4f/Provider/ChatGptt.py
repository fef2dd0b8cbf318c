"""g4f's ``Provider.ChatGptt`` module: the names of :mod:`fastg4f.providers.ChatGptt`."""

from __future__ import annotations

from fastg4f.providers.ChatGptt import *  # noqa: F403
from fastg4f.providers.ChatGptt import __all__ as __all__
