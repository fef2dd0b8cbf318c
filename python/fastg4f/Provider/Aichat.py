"""g4f's ``Provider.Aichat`` module: the names of :mod:`fastg4f.providers.Aichat`."""

from __future__ import annotations

from fastg4f.providers.Aichat import *  # noqa: F403
from fastg4f.providers.Aichat import __all__ as __all__
