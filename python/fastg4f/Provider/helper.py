"""g4f's ``Provider.helper`` module: the names of :mod:`fastg4f.providers.helper`."""

from __future__ import annotations

from fastg4f.cookies import get_cookies
from fastg4f.providers import helper as _helper
from fastg4f.providers.helper import *  # noqa: F403

__all__ = ["get_cookies"]
__all__ += _helper.__all__
