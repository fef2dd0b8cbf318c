"""g4f's ``Provider.openai`` package: the ChatGPT proof-of-work modules under g4f's names.

``fastg4f.Provider.openai.new`` and ``fastg4f.Provider.openai.proofofwork`` re-export the
functions of :mod:`fastg4f.pow` and :mod:`fastg4f.turnstile` (same objects, solved natively).
"""

from __future__ import annotations

from fastg4f.Provider.openai import new, proofofwork

__all__ = ["new", "proofofwork"]
