"""Plain-Python references of g4f's proof-of-work loops (new.py and proofofwork.py behaviour)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

FALLBACK = "wQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D"


def generate_answer(
    seed: str, diff: str, config: list[Any], max_attempts: int = 500_000
) -> tuple[str, bool]:
    """g4f new.py ``generate_answer``: rebuilds the whole JSON every attempt (no pre-split)."""
    target = bytes.fromhex(diff)
    attempt = list(config)
    for i in range(max_attempts):
        attempt[3] = i
        attempt[9] = i >> 1
        data = json.dumps(attempt, separators=(",", ":"), ensure_ascii=False).encode()
        answer = base64.b64encode(data)
        if hashlib.sha3_512(seed.encode() + answer).digest()[: len(diff)] <= target:
            return answer.decode(), True
    return FALLBACK + base64.b64encode(f'"{seed}"'.encode()).decode(), False


def generate_proof_token(seed: str, difficulty: str, proof_token: list[Any]) -> str:
    """g4f proofofwork.py ``generate_proof_token`` loop on a given config (mutates index 3)."""
    for i in range(100_000):
        proof_token[3] = i
        base = base64.b64encode(json.dumps(proof_token).encode()).decode()
        if hashlib.sha3_512((seed + base).encode()).digest().hex()[: len(difficulty)] <= difficulty:
            return "gAAAAAB" + base
    return "gAAAAAB" + FALLBACK + base64.b64encode(f'"{seed}"'.encode()).decode()


def web_solve(seed: str, difficulty: str, config: list[Any], limit: int) -> int | None:
    """The web rule (hex prefix <= lower-case difficulty): the smallest nonce, or ``None``."""
    attempt = list(config)
    for i in range(limit):
        attempt[3] = i
        attempt[9] = i >> 1
        data = json.dumps(attempt, separators=(",", ":"), ensure_ascii=False).encode()
        digest = hashlib.sha3_512(seed.encode() + base64.b64encode(data)).hexdigest()
        if digest[: len(difficulty)] <= difficulty.lower():
            return i
    return None
