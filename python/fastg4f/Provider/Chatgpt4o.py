"""g4f's ``Provider.Chatgpt4o`` module: the names of :mod:`fastg4f.providers.Chatgpt4o`."""

from __future__ import annotations

from fastg4f.providers.Chatgpt4o import *  # noqa: F403
from fastg4f.providers.Chatgpt4o import __all__ as __all__
