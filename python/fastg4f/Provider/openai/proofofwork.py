"""g4f's ``Provider/openai/proofofwork.py``: ``generate_proof_token`` of :mod:`fastg4f.pow`."""

from __future__ import annotations

from fastg4f.pow import generate_proof_token

__all__ = ["generate_proof_token"]
