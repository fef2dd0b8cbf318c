"""Benchmark: ChatGpt emulator round trips (pure-Python PoW + turnstile VM) vs no sentinel.

Run: ``python benches/bench_emulators.py [--short]``. Prints medians and same-run ratios.
Everything here is pure Python (hashlib PoW, the Python turnstile VM); the native build profile is
printed for the record only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

import fastg4f._native as native
from fastg4f.emulators import build_turnstile_challenge, start_emulators
from fastg4f.turnstile import process_turnstile

UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/127.0.0.0 Safari/537.36"


def _config() -> list[Any]:
    return [
        4016,
        "date",
        None,
        0,
        UA,
        None,
        "prod-bench",
        "en-US",
        "en-US,en",
        0,
        "webdriver\u2212false",
        "location",
        "top",
        1.5,
        str(uuid.uuid4()),
        "",
        8,
        1795000000,
    ]


def _solve(seed: str, difficulty: str) -> str:
    cfg = _config()
    for i in range(10_000_000):
        cfg[3], cfg[9] = i, i >> 1
        b = base64.b64encode(json.dumps(cfg, separators=(",", ":"), ensure_ascii=False).encode())
        if hashlib.sha3_512(seed.encode() + b).hexdigest()[: len(difficulty)] <= difficulty:
            return b.decode()
    raise RuntimeError("unsolved")


def _round_trip(client: httpx.Client, base: str) -> None:
    client.get(base + "/")
    p = "gAAAAAC" + _solve(str(random.random()), "0fffff")
    req = client.post(base + "/backend-anon/sentinel/chat-requirements", json={"p": p}).json()
    headers = {"openai-sentinel-chat-requirements-token": req["token"]}
    if req["proofofwork"]["required"]:
        pow_ = req["proofofwork"]
        headers["openai-sentinel-proof-token"] = "gAAAAAB" + _solve(
            pow_["seed"], pow_["difficulty"]
        )
    if req["turnstile"]["required"]:
        headers["openai-sentinel-turnstile-token"] = process_turnstile(req["turnstile"]["dx"], p)
    body = {
        "action": "next",
        "model": "auto",
        "parent_message_id": str(uuid.uuid4()),
        "messages": [
            {
                "id": str(uuid.uuid4()),
                "author": {"role": "user"},
                "content": {"content_type": "text", "parts": ["Hallo ✓"]},
            }
        ],
    }
    with client.stream(
        "POST", base + "/backend-anon/conversation", json=body, headers=headers
    ) as r:
        assert r.status_code == 200, r.read()
        assert b"[DONE]" in b"".join(r.iter_raw())


def _median(fn: Callable[[], None], n: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="a few seconds, for CI")
    args = parser.parse_args()
    n = 5 if args.short else 40
    print(f"native build profile: {native.build_profile} (this benchmark is pure Python)")
    rows: list[tuple[str, float, float]] = []

    p = "gAAAAAC" + base64.b64encode(json.dumps(_config()).encode()).decode()
    dx1, _ = build_turnstile_challenge(p, 1, random.Random(1))
    dx2, _ = build_turnstile_challenge(p, 2, random.Random(2))
    one = _median(lambda: process_turnstile(dx1, p), n * 20)
    two = _median(lambda: process_turnstile(dx2, p), n * 20)
    rows.append(("turnstile VM: 2-stage vs 1-stage program", two, one))

    with start_emulators() as emu, httpx.Client(timeout=30) as client:
        base = emu.urls["ChatGpt"]
        emu.configure("ChatGpt", pow_required=False, turnstile_required=False)
        plain = _median(lambda: _round_trip(client, base), n)
        emu.configure("ChatGpt", pow_required=True, turnstile_required=True, difficulty="0fffff")
        full = _median(lambda: _round_trip(client, base), n)
        rows.append(("ChatGpt round trip: PoW 0fffff + turnstile vs none", full, plain))

    print(f"{'case':<52} {'median':>12} {'baseline':>12} {'ratio':>8}")
    for name, value, baseline in rows:
        print(
            f"{name:<52} {value * 1e3:>10.3f}ms {baseline * 1e3:>10.3f}ms {value / baseline:>7.2f}x"
        )


if __name__ == "__main__":
    main()
