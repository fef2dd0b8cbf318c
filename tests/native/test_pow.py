"""The proof-of-work engine against plain-Python references, NIST vectors and hashlib."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastg4f._native as native
from fastg4f import pow
from fastg4f.errors import ProofOfWorkError
from fastg4f.errors import TimeoutError as SolveTimeoutError
from tests.reference import pow_reference as ref

LEVELS = native.available_simd_levels()
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
NEVER = "0" * 32  # 2**-128 per attempt: a budget always runs out first

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
configs = st.lists(values, min_size=11, max_size=20)
seeds = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sample_config() -> list[Any]:
    config = pow.get_config(UA)  # then every random or time-dependent field is pinned
    config[0] = 4016
    config[1] = "Sat Nov 21 2026 16:00:00 GMT+0200 (Central European Summer Time)"
    config[3] = 0.5476208345
    config[10] = "webdriver−false"
    config[12] = "ontoggle"
    config[13] = 1234.5678
    config[14] = "0b9f3c8e-6a51-4a3d-9d7e-5c2e1f4a7b60"
    config[17] = 1_790_000_000
    return config


# --- kernels -----------------------------------------------------------------------------------

NIST = {
    b"": "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
    "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
    b"abc": "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": "04a371e84ecfb5b8b77cb48610fca8182"
    "dd457ce6f326a0fd3d7ec2f1e91636dee691fbe0c985302ba1b0d8dc78c086346b533b49c030d99a27daf1139d6e75e",
    b"a" * 1_000_000: "3c3a876da14034ab60627c077bb98f7e120a2a5370212dffb3385a18d4f38859"
    "ed311d0a9d5141ce9cc5c66ee689b266a8aa18ace8282a0e0db596c90b0a7b87",
}


@pytest.mark.parametrize("level", LEVELS)
def test_kernels_match_nist_vectors(level: str) -> None:
    digests = native.sha3_512_lanes(list(NIST), level)
    assert [d.hex() for d in digests] == list(NIST.values())


@pytest.mark.parametrize("level", LEVELS)
@given(messages=st.lists(st.binary(max_size=400), max_size=19))
@fast
def test_kernels_match_hashlib(level: str, messages: list[bytes]) -> None:
    assert native.sha3_512_lanes(messages, level) == [
        hashlib.sha3_512(m).digest() for m in messages
    ]


def test_simd_level_names() -> None:
    assert LEVELS[0] == "portable"
    assert native.simd_level in LEVELS
    with pytest.raises(ValueError, match="not one of"):
        native.sha3_512_lanes([b""], "sse9")


# --- g4f compatibility ---------------------------------------------------------------------------


@given(
    config=configs,
    seed=seeds,
    diff=st.integers(8, 255).map(lambda b: f"{b:02x}")
    | st.integers(0x0800, 0xFFFF).map(lambda b: f"{b:04X}"),
    attempts=st.integers(1, 120),
)
@fast
def test_generate_answer_equals_g4f(config: list[Any], seed: str, diff: str, attempts: int) -> None:
    assert pow.generate_answer(seed, diff, config, attempts) == ref.generate_answer(
        seed, diff, config, attempts
    )


def test_equal_prefix_solves_the_web_rule_but_not_g4f_rule() -> None:
    # g4f compares len(diff) digest bytes with len(diff) // 2 target bytes, so a digest whose
    # leading byte equals the target fails there; the web rule (<= on hex) accepts it.
    config, seed = sample_config(), "0.25"
    head, middle, tail = pow.config_pieces(config)
    message = seed.encode() + base64.b64encode(head + b"0" + middle + b"0" + tail)
    exact = hashlib.sha3_512(message).digest()[:1].hex()
    want = ref.generate_answer(seed, exact, config, 1)
    assert pow.generate_answer(seed, exact, config, 1) == want
    assert pow.generate_answer(seed, exact, config, 1)[1] is False
    assert pow.solve(seed, exact, config, max_attempts=1).nonce == 0


def test_generate_answer_like_g4f_on_bad_difficulty() -> None:
    with pytest.raises(ValueError):
        pow.generate_answer("s", "0ff", sample_config())
    with pytest.raises(ValueError):
        pow.generate_answer("s", "zz", sample_config())


proof_configs = st.lists(values, min_size=4, max_size=14)
proof_difficulties = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(list("123456789abcdefzé")),
    st.text(alphabet="0123456789abcdefABCDEF!é", max_size=5),
)


@given(config=proof_configs, seed=st.text(max_size=30), difficulty=proof_difficulties)
@fast
def test_generate_proof_token_equals_g4f(config: list[Any], seed: str, difficulty: str) -> None:
    ours, theirs = list(config), list(config)
    assert pow.generate_proof_token(
        True, seed, difficulty, proof_token=ours
    ) == ref.generate_proof_token(seed, difficulty, theirs)
    assert ours == theirs


def test_generate_proof_token_fallback_and_not_required() -> None:
    assert pow.generate_proof_token(False, "s", "0") is None
    config = [1, "x", None, 0]
    token = pow.generate_proof_token(True, 'se"ed', "!", proof_token=config)
    assert token == "gAAAAAB" + pow.FALLBACK_PREFIX + base64.b64encode(b'"se"ed"').decode()
    assert config[3] == 99_999
    default = pow.generate_proof_token(True, "seed", "0fff", user_agent=UA)
    assert default is not None and pow.verify_token(default, "seed", "0fff")
    with pytest.raises(ValueError, match="at least 4"):
        pow.generate_proof_token(True, "s", "0", proof_token=[1, 2])


def test_tokens_have_g4f_prefixes() -> None:
    config = sample_config()
    token = pow.get_answer_token("0.1", "0fffff", config)
    assert token.startswith("gAAAAAB") and pow.verify_token(token, "0.1", "0fffff")
    requirements = pow.get_requirements_token(config)
    assert requirements.startswith("gAAAAAC")
    payload = json.loads(base64.b64decode(requirements[7:]))
    assert len(payload) == 18 and payload[9] == payload[3] >> 1 and payload[4] == UA
    with pytest.raises(ProofOfWorkError, match="gAAAAAB"):
        pow.get_answer_token("0.1", "000000", config)


def test_get_config_layout() -> None:
    config = pow.get_config(UA)
    assert len(config) == 18
    assert config[0] in {c + s for c in (16, 24, 32) for s in (3000, 4000, 6000)}
    assert config[1].endswith("GMT+0200 (Central European Summer Time)")
    assert config[2] is None and config[5] is None and config[9] == 0
    assert config[4] == UA and config[7] == "en-US" and config[8] == "en-US,es-US,en,es"
    assert "−" in config[10] and config[11] == "location" and config[15] == "" and config[16] == 8
    assert isinstance(config[13], float) and isinstance(config[17], int)


# --- solve: web rule, determinism across kernels and threads -------------------------------------


@given(
    config=configs,
    seed=seeds,
    difficulty=st.sampled_from(["1", "3", "0f", "1F", "07f", "3ff", "fff0"]),
)
@fast
def test_solve_equals_reference_and_verifies(config: list[Any], seed: str, difficulty: str) -> None:
    want = ref.web_solve(seed, difficulty, config, 20_000)
    assert want is not None
    for level in LEVELS:
        for threads in (1, 3):
            solution = pow.solve(seed, difficulty, config, simd=level, threads=threads)
            assert solution.nonce == want and solution.attempts == want + 1
            assert solution.simd == level and solution.threads == threads and solution.solved
            assert pow.verify_token(solution.token, seed, difficulty)


@pytest.mark.parametrize("seed", ["0.1", "0.7262712365", "ab" * 50])
def test_every_kernel_and_thread_count_agree_past_digit_boundaries(seed: str) -> None:
    config = sample_config()
    results = {
        (level, threads): pow.solve(seed, "003ff", config, simd=level, threads=threads).nonce
        for level in LEVELS
        for threads in (1, 2, 5)
    }
    assert len(set(results.values())) == 1, results
    nonce = next(iter(results.values()))
    assert nonce is not None and nonce == ref.web_solve(seed, "003ff", config, nonce + 1)


def test_native_search_start_offset_and_two_piece_template() -> None:
    pieces = [b'["x", ', b", 1]"]
    first = native.pow_search(b"s", pieces, "hex", b"0", 1, limit=1000)
    assert first.status == "found" and first.nonce is not None
    later = native.pow_search(b"s", pieces, "hex", b"0", 1, start=first.nonce + 1, limit=10_000)
    assert later.nonce is not None and later.nonce > first.nonce
    answer = base64.b64decode(later.answer or "")
    assert answer == b'["x", ' + str(later.nonce).encode() + b", 1]"


# --- verify_token --------------------------------------------------------------------------------


def _reference_verify(token: str, seed: str, difficulty: str) -> bool:
    if not token.startswith(("gAAAAAB", "gAAAAAC")):
        return False
    part = token[7:]
    try:
        raw = base64.b64decode(part.encode("ascii"), validate=True)
        if base64.b64encode(raw).decode() != part or not isinstance(json.loads(raw), list):
            return False
    except ValueError:
        return False
    digest = hashlib.sha3_512((seed + part).encode()).hexdigest()
    return digest[: len(difficulty)] <= difficulty.lower()


@given(seed=seeds, data=st.data())
@settings(max_examples=15, deadline=None)
def test_verify_accepts_answers_and_matches_reference_on_corruptions(
    seed: str, data: st.DataObject
) -> None:
    config = sample_config()
    token = pow.solve(seed, "0f", config).token
    assert pow.verify_token(token, seed, "0F")
    position = data.draw(st.integers(0, len(token) - 1))
    char = data.draw(st.sampled_from("Aa0+/=gB{é"))
    corrupted = token[:position] + char + token[position + 1 :]
    assert pow.verify_token(corrupted, seed, "0f") == _reference_verify(corrupted, seed, "0f")


PROOF_CONFIG = [8032, "Sat, 21 Nov 2026 16:00:00 GMT", None, 0, UA, "https://x/api.js", "dpl=1"]


@pytest.mark.parametrize("seed", ["0.8167434693358286", "0.1", "seed-three"])
def test_verify_rejects_every_single_character_corruption(seed: str) -> None:
    # Fixed inputs and hard difficulties: a corruption that still decodes to a JSON array passes
    # the hash rule with probability ~4e-6, and these inputs are known to have none.
    config = sample_config()
    token = pow.solve(seed, "00003f", config).token
    answer, solved = pow.generate_answer(seed, "000040", config, 4_000_000)
    proof = pow.generate_proof_token(True, seed, "0003f", proof_token=list(PROOF_CONFIG))
    assert solved and proof is not None
    for good, difficulty in ((token, "00003f"), ("gAAAAAB" + answer, "00004"), (proof, "0003f")):
        assert pow.verify_token(good, seed, difficulty)
        for position in range(len(good)):
            for char in {"A", "z", "0", "/"} - {good[position]}:
                bad = good[:position] + char + good[position + 1 :]
                assert not pow.verify_token(bad, seed, difficulty), (position, char)


def test_verify_rejects_malformed_tokens() -> None:
    seed = "s"
    array = base64.b64encode(b"[1]").decode()
    assert not pow.verify_token("gAAAAAB" + base64.b64encode(b'{"a": 1}').decode(), seed, "f")
    assert not pow.verify_token("gAAAAAB" + array[:-1], seed, "f")
    assert not pow.verify_token("gAAAAAD" + array, seed, "f")
    assert not pow.verify_token("gAAAAAB" + base64.b64encode(b"\xff[").decode(), seed, "f")
    assert not pow.verify_token("gAAAAAB" + pow.fallback_answer(seed), seed, "f")
    assert not pow.verify_token("gAAAAABé", seed, "f")
    assert pow.verify_token("gAAAAAB" + array, seed, "f" * 128)
    with pytest.raises(ValueError, match="hex"):
        pow.verify_token("gAAAAAB" + array, seed, "0x1f")


# --- budgets, cancellation, signals, bad input ----------------------------------------------------


def test_budgets_raise_or_fall_back() -> None:
    config = sample_config()
    with pytest.raises(ProofOfWorkError, match="max_attempts"):
        pow.solve("s", NEVER, config, max_attempts=5000)
    with pytest.raises(SolveTimeoutError, match="timeout"):
        pow.solve("s", NEVER, config, timeout=0.05)
    solution = pow.solve("s", NEVER, config, max_attempts=100, fallback=True)
    assert not solution.solved and solution.nonce is None and solution.attempts == 100
    assert solution.answer == pow.fallback_answer("s")
    assert solution.token == "gAAAAAB" + pow.fallback_answer("s")


def test_cancel_token_stops_a_solve_from_another_thread() -> None:
    token = pow.CancelToken()
    timer = threading.Timer(0.05, token.cancel)
    timer.start()
    try:
        with pytest.raises(ProofOfWorkError, match="cancelled"):
            pow.solve("s", NEVER, sample_config(), max_attempts=2**40, cancel=token)
    finally:
        timer.cancel()
    assert token.cancelled


async def test_cancelling_solve_async_stops_the_native_search() -> None:
    config = sample_config()
    task = asyncio.create_task(pow.solve_async("s", NEVER, config, max_attempts=2**40))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    solved = await pow.solve_async("s", "0f", config)
    assert solved.nonce == ref.web_solve("s", "0f", config, 1000)


def test_ctrl_c_interrupts_a_long_solve() -> None:
    import _thread

    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            pow.solve("s", NEVER, sample_config(), max_attempts=2**40)
    finally:
        timer.cancel()
    assert time.monotonic() >= started


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"difficulty": "0g"}, ValueError, "not a hex string"),
        ({"difficulty": "0x1f"}, ValueError, "not a hex string"),
        ({"difficulty": ""}, ValueError, "1..128"),
        ({"difficulty": "0" * 129}, ValueError, "1..128"),
        ({"seed": ""}, ValueError, "seed is empty"),
        ({"seed": "s" * 1025}, ValueError, "limit is 1024"),
        ({"config": {"a": 1}}, ValueError, "must be a list"),
        ({"config": [1, 2, 3]}, ValueError, "at least 11"),
        ({"max_attempts": -1}, ValueError, "max_attempts"),
        ({"timeout": float("nan")}, ValueError, "finite"),
        ({"threads": 0}, ValueError, "threads"),
        ({"simd": "sse9"}, ValueError, "not one of"),
        ({"seed": 5}, TypeError, "seed must be a str"),
    ],
)
def test_bad_challenges_are_clear_errors(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"seed": "s", "difficulty": "0f", "config": sample_config()}
    args.update(kwargs)
    seed, difficulty, config = args.pop("seed"), args.pop("difficulty"), args.pop("config")
    with pytest.raises(error, match=message):
        pow.solve(seed, difficulty, config, **args)


def test_bad_challenge_is_also_a_proof_of_work_error() -> None:
    with pytest.raises(ProofOfWorkError):
        pow.solve("s", "xyz", sample_config())


def test_unsupported_levels_are_refused() -> None:
    missing = [lvl for lvl in ("avx2", "avx512") if lvl not in LEVELS]
    for level in missing:
        with pytest.raises(ValueError, match="not supported"):
            pow.solve("s", "0f", sample_config(), simd=level)


def _run(code: str, **env: str) -> str:
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=True,
    )
    return out.stdout.strip()


def test_env_var_forces_the_portable_path() -> None:
    code = (
        "import fastg4f._native as n; from fastg4f import pow; "
        "c = pow.get_config('ua'); print(n.simd_level, pow.solve('s', '0f', c).simd)"
    )
    assert _run(code, FASTG4F_SIMD="portable") == "portable portable"
    bad = (
        "from fastg4f import pow\n"
        "try:\n pow.solve('s', '0f', pow.get_config('u'))\n"
        "except ValueError as e:\n print(e)"
    )
    message = _run(bad, FASTG4F_SIMD="mmx")
    assert "FASTG4F_SIMD" in message and "auto, portable, avx2, avx512" in message


def test_a_timeout_too_far_away_is_no_deadline() -> None:
    solution = pow.solve("s", "0f", pow.get_config("ua"), timeout=1e300)
    assert solution.solved and pow.verify_token(solution.token, "s", "0f")


def test_invalid_env_var_is_not_hidden_by_simd_level() -> None:
    code = "import fastg4f._native as n; print(n.simd_level)"
    assert _run(code, FASTG4F_SIMD="mmx") == "invalid"
    assert _run(code, FASTG4F_SIMD="Portable") == "portable"


def test_bounds_are_exported_once_and_enforced() -> None:
    assert native.SIMD_CHOICES == ("auto", "portable", "avx2", "avx512")
    assert (pow.MAX_NONCE, pow.MAX_THREADS) == (native.POW_MAX_NONCE, native.POW_MAX_THREADS)
    assert pow.MAX_DIFFICULTY_LENGTH == native.POW_MAX_HEX_LENGTH == 128
    assert native.POW_MAX_BYTES_LENGTH == 64
    args: tuple[Any, ...] = (b"s", [b"[", b"]"], "hex", b"f", 1)
    cancel = native.CancelToken()
    cancel.cancel()
    ok = native.pow_search(
        *args, limit=native.POW_MAX_NONCE, threads=native.POW_MAX_THREADS, cancel=cancel
    )
    assert ok.status in {"found", "cancelled"}
    for bad in (
        {"limit": native.POW_MAX_NONCE + 1},
        {"limit": 8, "threads": native.POW_MAX_THREADS + 1},
    ):
        with pytest.raises(ValueError):
            native.pow_search(*args, **{"limit": 8, **bad})
    with pytest.raises(ValueError, match="hex: <= 128, bytes: <= 64"):
        native.pow_search(b"s", [b"[", b"]"], "bytes", b"f", 65, limit=8)
    too_big = [b"x" * native.POW_MAX_INPUT_BYTES, b"y"]
    with pytest.raises(ValueError, match="limit is"):
        native.pow_search(b"s", too_big, "hex", b"f", 1, limit=8)


def test_solving_works_in_a_forked_child() -> None:
    code = """
import os
from fastg4f import pow
c = pow.get_config("ua")
parent = pow.solve("s", "00f", c, threads=2).nonce
pid = os.fork()
if pid == 0:
    os._exit(0 if pow.solve("s", "00f", c, threads=2).nonce == parent else 1)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""
    assert _run(code) == "0"
