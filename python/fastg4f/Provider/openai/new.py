"""g4f's ``Provider/openai/new.py`` names: sentinel config, answer and requirement tokens.

Every name is the object of :mod:`fastg4f.pow` or :mod:`fastg4f.turnstile` (see there for the
limits); ``process_turnstile_token`` is g4f's name of :func:`fastg4f.turnstile.xor_str`.
"""

from __future__ import annotations

from fastg4f.pow import (
    MAX_ATTEMPTS,
    generate_answer,
    get_answer_token,
    get_config,
    get_requirements_token,
)
from fastg4f.turnstile import OrderedMap, process_turnstile, to_str
from fastg4f.turnstile import xor_str as process_turnstile_token

maxAttempts = MAX_ATTEMPTS
"""Attempts :func:`generate_answer` makes before giving the fallback answer (g4f's name)."""

__all__ = [
    "OrderedMap",
    "generate_answer",
    "get_answer_token",
    "get_config",
    "get_requirements_token",
    "maxAttempts",
    "process_turnstile",
    "process_turnstile_token",
    "to_str",
]
