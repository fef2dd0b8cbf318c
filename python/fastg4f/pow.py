"""ChatGPT sentinel proof of work: g4f-compatible functions on fastg4f's Rust solver.

Two difficulty rules exist (see ``generate_answer`` and ``solve``):

* the **web rule** (the browser client, g4f ``proofofwork.py``, Go clients): the lower-case hex
  digest cut to ``len(difficulty)`` characters is ``<=`` the difficulty. :func:`solve`,
  :func:`solve_async` and :func:`verify_token` use it.
* g4f ``new.py``'s rule, kept by :func:`generate_answer` for identical results: the first
  ``len(difficulty)`` *bytes* of the digest are ``<=`` ``bytes.fromhex(difficulty)``, which has half
  as many bytes, so a digest whose leading bytes *equal* the target fails. It accepts a subset of
  the web rule's answers (every ``generate_answer`` answer passes :func:`verify_token`).

Every search returns the smallest satisfying nonce, whatever the thread count or SIMD level.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import math
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from fastg4f import _native
from fastg4f._native import CancelToken, SearchResult, available_simd_levels, simd_level
from fastg4f.errors import ProofOfWorkError
from fastg4f.errors import TimeoutError as SolveTimeoutError

__all__ = [
    "ANSWER_PREFIX",
    "DEFAULT_SOLVE_ATTEMPTS",
    "FALLBACK_PREFIX",
    "MAX_ATTEMPTS",
    "REQUIREMENTS_DIFFICULTY",
    "REQUIREMENTS_PREFIX",
    "CancelToken",
    "InvalidChallengeError",
    "Solution",
    "available_simd_levels",
    "config_pieces",
    "fallback_answer",
    "generate_answer",
    "generate_proof_token",
    "get_answer_token",
    "get_config",
    "get_requirements_token",
    "simd_level",
    "solve",
    "solve_async",
    "verify_token",
]

ANSWER_PREFIX = "gAAAAAB"
"""Prefix of an answer (proof) token."""
REQUIREMENTS_PREFIX = "gAAAAAC"
"""Prefix of a requirements token."""
FALLBACK_PREFIX = "wQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D"
"""What the web client sends after ``gAAAAAB`` when it gives up, followed by base64 of the seed."""
REQUIREMENTS_DIFFICULTY = "0fffff"
"""Difficulty of the self-chosen requirements challenge."""
MAX_ATTEMPTS = 500_000
"""g4f ``generate_answer``'s attempt cap (default of :func:`generate_answer`)."""
PROOF_TOKEN_ATTEMPTS = 100_000
"""g4f ``generate_proof_token``'s attempt cap."""
DEFAULT_SOLVE_ATTEMPTS = 100_000_000
"""Attempt budget of :func:`solve` when neither ``max_attempts`` nor ``timeout`` is given."""
MAX_SEED_LENGTH = 1024
"""Longest seed :func:`solve` accepts, in characters."""
MAX_DIFFICULTY_LENGTH: int = _native.POW_MAX_HEX_LENGTH
"""Longest difficulty :func:`solve` accepts: the hex length of a SHA3-512 digest (128)."""
MAX_NONCE: int = _native.POW_MAX_NONCE
"""Largest attempt budget (2**62)."""
MAX_THREADS: int = _native.POW_MAX_THREADS
"""Most worker threads one search may use (1024)."""
MIN_CONFIG_LENGTH = 11
"""The g4f layout replaces indices 3 and 9, so a config needs at least 11 elements."""
MAX_TOKEN_LENGTH = 1 << 20
"""Longest token :func:`verify_token` looks at; longer ones are rejected."""
DEFAULT_DATA_BUILD = "prod-3d7b2fb1b86bb1c3b0fdbd6f2ef1e8fbb4cd8c0e"
"""Build id used by :func:`get_config` when none is given (pass the page's ``data-build``)."""

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _compact(value: list[Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_CORES = (16, 24, 32)
_SCREENS = (3000, 4000, 6000)
# "<navigator property>−<value>" probes (U+2212 MINUS SIGN between name and value).
_NAVIGATOR_PROBES = (
    "webdriver−false",
    "cookieEnabled−true",
    "onLine−true",
    "pdfViewerEnabled−true",
    "hardwareConcurrency−8",
    "vendor−Google Inc.",
    "product−Gecko",
    "productSub−20030107",
    "appCodeName−Mozilla",
    "appName−Netscape",
    "language−en-US",
    "maxTouchPoints−0",
    "storage−[object StorageManager]",
    "locks−[object LockManager]",
    "mediaDevices−[object MediaDevices]",
    "clipboard−[object Clipboard]",
    "credentials−[object CredentialsContainer]",
    "geolocation−[object Geolocation]",
    "permissions−[object Permissions]",
    "userAgentData−[object NavigatorUAData]",
    "sendBeacon−function sendBeacon() { [native code] }",
    "getGamepads−function getGamepads() { [native code] }",
    "vibrate−function vibrate() { [native code] }",
    "share−function share() { [native code] }",
)
_REACT_LISTENING_KEYS = (
    "_reactListeningcfilawjnerp",
    "_reactListening9ne2dfo1i47",
    "_reactListening410nzwhan2a",
)
_WINDOW_KEYS = (
    "window",
    "self",
    "document",
    "location",
    "history",
    "navigator",
    "screen",
    "innerWidth",
    "innerHeight",
    "devicePixelRatio",
    "performance",
    "crypto",
    "indexedDB",
    "sessionStorage",
    "localStorage",
    "onload",
    "onerror",
    "onmessage",
    "onresize",
    "ontoggle",
    "fetch",
    "requestAnimationFrame",
    "queueMicrotask",
    "structuredClone",
    "caches",
    "chrome",
    "speechSynthesis",
    "__reactRouterVersion",
)


class InvalidChallengeError(ProofOfWorkError, ValueError):
    """A proof-of-work seed, difficulty, config or budget is malformed (also a ``ValueError``)."""


@dataclass(frozen=True, slots=True)
class Solution:
    """A solved (or, with ``fallback=True``, given-up) proof-of-work challenge.

    Attributes:
        answer: Base64 of the winning config JSON (or the fallback answer when ``solved`` is
            false).
        nonce: The smallest satisfying nonce; ``None`` when unsolved.
        attempts: Nonces tried in order (``nonce + 1`` when solved).
        elapsed: Wall time in seconds.
        simd: Keccak kernel used: ``"avx512"``, ``"avx2"`` or ``"portable"``.
        threads: Threads used.
        solved: Whether ``answer`` satisfies the difficulty.
    """

    answer: str
    nonce: int | None
    attempts: int
    elapsed: float
    simd: str
    threads: int
    solved: bool = True

    @property
    def token(self) -> str:
        """The answer token: ``"gAAAAAB" + answer``."""
        return ANSWER_PREFIX + self.answer


def _parse_time() -> str:
    now = datetime.now(timezone(timedelta(hours=-5)))
    return now.strftime("%a %b %d %Y %H:%M:%S") + " GMT+0200 (Central European Summer Time)"


def get_config(user_agent: str | None, *, data_build: str | None = None) -> list[Any]:
    """A fresh 18-element browser fingerprint in g4f's ``get_config`` layout.

    Args:
        user_agent: Browser user agent (index 4).
        data_build: The page's ``data-build`` (index 6); defaults to :data:`DEFAULT_DATA_BUILD`.

    Returns:
        ``[cores+screen, date, None, random, user_agent, None, build, "en-US",
        "en-US,es-US,en,es", 0, navigator probe, "location", window key, perf_counter, uuid4,
        "", 8, unix time]``.
    """
    return [
        random.choice(_CORES) + random.choice(_SCREENS),
        _parse_time(),
        None,
        random.random(),
        user_agent,
        None,
        DEFAULT_DATA_BUILD if data_build is None else data_build,
        "en-US",
        "en-US,es-US,en,es",
        0,
        random.choice(_NAVIGATOR_PROBES),
        "location",
        random.choice(_WINDOW_KEYS),
        time.perf_counter(),
        str(uuid.uuid4()),
        "",
        8,
        int(time.time()),
    ]


def _check_config(config: object, minimum: int = MIN_CONFIG_LENGTH) -> Sequence[Any]:
    if not isinstance(config, (list, tuple)):
        raise InvalidChallengeError(
            f"config must be a list (the browser fingerprint array), got {type(config).__name__}"
        )
    if len(config) < minimum:
        raise InvalidChallengeError(
            f"config has {len(config)} elements; at least {minimum} are needed "
            "(use get_config(user_agent) for a complete one)"
        )
    return config


def config_pieces(config: Sequence[Any]) -> list[bytes]:
    """The constant JSON around the nonce slots of g4f's layout, as UTF-8 bytes.

    The attempt JSON for nonce ``i`` is ``p[0] + str(i) + p[1] + str(i >> 1) + p[2]``: exactly
    ``json.dumps(config with [3]=i, [9]=i>>1, separators=(",", ":"), ensure_ascii=False)``.

    Raises:
        InvalidChallengeError: ``config`` is not a list of at least 11 elements.
        TypeError: an element is not JSON serializable.
    """
    config = _check_config(config)
    head = _compact(list(config[:3]))[:-1] + ","
    middle = "," + _compact(list(config[4:9]))[1:-1] + ","
    tail = "," + _compact(list(config[10:]))[1:]
    return [head.encode(), middle.encode(), tail.encode()]


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _check_budget(max_attempts: object) -> int:
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise TypeError(f"max_attempts must be an int, got {type(max_attempts).__name__}")
    if not 0 <= max_attempts <= MAX_NONCE:
        raise InvalidChallengeError(f"max_attempts={max_attempts} must be in 0..{MAX_NONCE}")
    return max_attempts


def fallback_answer(seed: str) -> str:
    """The answer the web client sends when it gives up: the fixed prefix + base64 of ``"seed"``."""
    return FALLBACK_PREFIX + base64.b64encode(f'"{seed}"'.encode()).decode()


def generate_answer(
    seed: str, diff: str, config: Sequence[Any], max_attempts: int = MAX_ATTEMPTS
) -> tuple[str, bool]:
    """g4f ``generate_answer``: identical answers, solved natively.

    Uses g4f's rule: ``sha3_512(seed + answer)[:len(diff)] <= bytes.fromhex(diff)`` (strictly less
    on the first ``len(diff) // 2`` bytes; see the module docstring).

    Args:
        seed: The challenge seed.
        diff: Even-length hex difficulty (``bytes.fromhex`` syntax, as g4f).
        config: The fingerprint array (at least 11 elements; indices 3 and 9 are replaced).
        max_attempts: Nonces ``0..max_attempts`` are tried (g4f: 500 000).

    Returns:
        ``(answer, True)`` for the smallest satisfying nonce, else ``(fallback_answer(seed),
        False)``.

    Raises:
        ValueError: ``diff`` is not hex (as g4f); InvalidChallengeError for a bad config or budget.
    """
    seed = _check_str("seed", seed)
    target = bytes.fromhex(_check_str("diff", diff))
    limit = _check_budget(max_attempts)
    result = _native.pow_search(
        seed.encode(), config_pieces(config), "bytes", target, min(len(diff), 64), limit=limit
    )
    if result.status == "found" and result.answer is not None:
        return result.answer, True
    return fallback_answer(seed), False


def get_answer_token(seed: str, diff: str, config: Sequence[Any]) -> str:
    """g4f ``get_answer_token``: ``"gAAAAAB" + answer``.

    Raises:
        ProofOfWorkError: unsolved within g4f's 500 000 attempts.
    """
    answer, solved = generate_answer(seed, diff, config)
    if not solved:
        raise ProofOfWorkError(
            f"failed to solve the 'gAAAAAB' challenge (difficulty {diff!r}) in "
            f"{MAX_ATTEMPTS} attempts; use solve() for a larger budget"
        )
    return ANSWER_PREFIX + answer


def get_requirements_token(config: Sequence[Any]) -> str:
    """g4f ``get_requirements_token``: ``"gAAAAAC"`` + an answer to a private random seed.

    Raises:
        ProofOfWorkError: unsolved within 500 000 attempts (practically never at ``0fffff``).
    """
    answer, solved = generate_answer(format(random.random()), REQUIREMENTS_DIFFICULTY, config)
    if not solved:
        raise ProofOfWorkError("failed to solve the 'gAAAAAC' requirements challenge")
    return REQUIREMENTS_PREFIX + answer


def _default_proof_config(user_agent: str | None) -> list[Any]:
    screen = random.choice([3008, 4010, 6000]) * random.choice([1, 2, 4])
    return [
        screen,
        datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        None,
        0,
        user_agent,
        "https://tcr9i.chat.openai.com/v2/35536E1E-65B4-4D96-9D97-6ADB7EFF8147/api.js",
        "dpl=1440a687921de39ff5ee56b92807faaadce73f13",
        "en",
        "en-US",
        None,
        "plugins−[object PluginArray]",
        random.choice(_REACT_LISTENING_KEYS),
        random.choice(["alert", "ontransitionend", "onprogress"]),
    ]


def generate_proof_token(
    required: bool,
    seed: str = "",
    difficulty: str = "",
    user_agent: str | None = None,
    proof_token: list[Any] | None = None,
) -> str | None:
    """g4f ``generate_proof_token`` (``proofofwork.py``): identical tokens, solved natively.

    Only index 3 varies; the JSON uses ``json.dumps`` defaults (``", "``/``": "``, ASCII escapes);
    the rule is the string comparison ``hex_digest[:len(difficulty)] <= difficulty`` (case
    sensitive, any string); at most 100 000 attempts. As in g4f, ``proof_token[3]`` is left at the
    last nonce tried.

    Args:
        required: When false, returns ``None`` without work.
        seed: The challenge seed.
        difficulty: The difficulty string.
        user_agent: Used in the default 13-element config.
        proof_token: The config list (at least 4 elements); a default one is built when ``None``.

    Returns:
        ``"gAAAAAB" + answer``, or the fallback token when unsolved; ``None`` when not required.

    Raises:
        InvalidChallengeError: ``proof_token`` is not a list of at least 4 elements.
    """
    if not required:
        return None
    seed = _check_str("seed", seed)
    difficulty = _check_str("difficulty", difficulty)
    if proof_token is None:
        proof_token = _default_proof_config(user_agent)
    if not isinstance(proof_token, list):
        raise InvalidChallengeError(f"proof_token must be a list, got {type(proof_token).__name__}")
    _check_config(proof_token, 4)
    head = json.dumps(proof_token[:3])[:-1] + ", "
    tail = ", " + json.dumps(proof_token[4:])[1:] if len(proof_token) > 4 else "]"
    result = _native.pow_search(
        seed.encode(),
        [head.encode(), tail.encode()],
        "hex",
        difficulty.encode("utf-8", "surrogatepass"),
        min(len(difficulty), MAX_DIFFICULTY_LENGTH),
        limit=PROOF_TOKEN_ATTEMPTS,
    )
    if result.status == "found" and result.answer is not None and result.nonce is not None:
        proof_token[3] = result.nonce
        return ANSWER_PREFIX + result.answer
    proof_token[3] = PROOF_TOKEN_ATTEMPTS - 1
    return ANSWER_PREFIX + fallback_answer(seed)


def _check_difficulty(difficulty: object) -> str:
    difficulty = _check_str("difficulty", difficulty)
    if not 1 <= len(difficulty) <= MAX_DIFFICULTY_LENGTH:
        raise InvalidChallengeError(
            f"difficulty has {len(difficulty)} characters; expected 1..{MAX_DIFFICULTY_LENGTH} "
            "hex digits such as '0fffff'"
        )
    if not _HEX_DIGITS.issuperset(difficulty):
        raise InvalidChallengeError(
            f"difficulty {difficulty!r} is not a hex string such as '0fffff'"
        )
    return difficulty.lower()


def _prepare(
    seed: object,
    difficulty: object,
    config: object,
    max_attempts: int | None,
    timeout: float | None,
    threads: int | None,
) -> tuple[str, str, list[bytes], int]:
    seed = _check_str("seed", seed)
    if not seed:
        raise InvalidChallengeError("seed is empty; pass the challenge's proofofwork.seed")
    if len(seed) > MAX_SEED_LENGTH:
        raise InvalidChallengeError(
            f"seed has {len(seed)} characters; the limit is {MAX_SEED_LENGTH}"
        )
    diff = _check_difficulty(difficulty)
    pieces = config_pieces(config)  # type: ignore[arg-type]
    if timeout is not None and not (isinstance(timeout, (int, float)) and math.isfinite(timeout)):
        raise InvalidChallengeError(f"timeout={timeout!r} must be a finite number of seconds")
    if timeout is not None and timeout <= 0:
        raise InvalidChallengeError(f"timeout={timeout!r} must be positive")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)):
        raise TypeError(f"threads must be an int or None, got {type(threads).__name__}")
    if threads is not None and not 1 <= threads <= MAX_THREADS:
        raise InvalidChallengeError(
            f"threads={threads} must be in 1..{MAX_THREADS} (or None for all)"
        )
    if max_attempts is None:
        limit = DEFAULT_SOLVE_ATTEMPTS if timeout is None else MAX_NONCE
    else:
        limit = _check_budget(max_attempts)
    return seed, diff, pieces, limit


def _finish(result: SearchResult, seed: str, difficulty: str, fallback: bool) -> Solution:
    if result.status == "found" and result.answer is not None:
        return Solution(
            result.answer,
            result.nonce,
            result.attempts,
            result.elapsed,
            result.simd,
            result.threads,
        )
    if result.status == "cancelled":
        raise ProofOfWorkError("the proof-of-work solve was cancelled")
    if fallback:
        return Solution(
            fallback_answer(seed),
            None,
            result.attempts,
            result.elapsed,
            result.simd,
            result.threads,
            solved=False,
        )
    if result.status == "timeout":
        raise SolveTimeoutError(
            f"proof of work at difficulty {difficulty!r} not solved within the timeout "
            f"({result.attempts} attempts in {result.elapsed:.3f}s); raise timeout or pass "
            "fallback=True"
        )
    raise ProofOfWorkError(
        f"proof of work at difficulty {difficulty!r} not solved in {result.attempts} attempts; "
        "raise max_attempts or pass fallback=True"
    )


def solve(
    seed: str,
    difficulty: str,
    config: Sequence[Any],
    *,
    max_attempts: int | None = None,
    timeout: float | None = None,
    threads: int | None = None,
    simd: str | None = None,
    fallback: bool = False,
    cancel: CancelToken | None = None,
) -> Solution:
    """Solves a sentinel challenge with the web rule, on all cores, without the GIL.

    The answer is the smallest nonce ``i`` whose message ``seed + base64(json(config with
    [3]=i, [9]=i>>1))`` hashes (SHA3-512, lower-case hex) to a prefix ``<= difficulty``; it does
    not depend on ``threads`` or ``simd``. Ctrl-C interrupts it within about 100 ms.

    Args:
        seed: The challenge seed (1..1024 characters).
        difficulty: 1..128 hex digits, any case, odd lengths allowed (e.g. ``"0fffff"``).
        config: The fingerprint array (at least 11 elements), e.g. from :func:`get_config`.
        max_attempts: Nonce budget; default :data:`DEFAULT_SOLVE_ATTEMPTS` without a timeout,
            unbounded (:data:`MAX_NONCE`) with one.
        timeout: Wall-clock budget in seconds.
        threads: Worker threads (1..:data:`MAX_THREADS`); default: every core.
        simd: ``"auto"`` (default; capped by the ``FASTG4F_SIMD`` environment variable as it was
            when fastg4f was imported),
            ``"portable"``, ``"avx2"`` or ``"avx512"``.
        fallback: Return an unsolved :class:`Solution` with the web client's fallback answer
            instead of raising when a budget runs out.
        cancel: A :class:`CancelToken` that stops the search from another thread.

    Returns:
        The :class:`Solution`.

    Raises:
        InvalidChallengeError: malformed seed, difficulty, config or budget.
        ProofOfWorkError: the attempt budget ran out, or the search was cancelled.
        fastg4f.errors.TimeoutError: the timeout passed first.
        ValueError: ``simd`` is unknown or unsupported by this CPU.
    """
    seed, diff, pieces, limit = _prepare(seed, difficulty, config, max_attempts, timeout, threads)
    result = _native.pow_search(
        seed.encode(),
        pieces,
        "hex",
        diff.encode(),
        len(diff),
        limit=limit,
        timeout=timeout,
        threads=threads,
        simd=simd,
        cancel=cancel,
    )
    return _finish(result, seed, diff, fallback)


async def solve_async(
    seed: str,
    difficulty: str,
    config: Sequence[Any],
    *,
    max_attempts: int | None = None,
    timeout: float | None = None,
    threads: int | None = None,
    simd: str | None = None,
    fallback: bool = False,
) -> Solution:
    """:func:`solve` in the event loop's default executor; cancelling the task stops the search.

    When the awaiting task is cancelled, the native cancel flag is set and the cancellation
    propagates once the worker has stopped (within a few milliseconds).

    Args and Raises: as :func:`solve`.
    """
    token = CancelToken()
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(
        None,
        lambda: solve(
            seed,
            difficulty,
            config,
            max_attempts=max_attempts,
            timeout=timeout,
            threads=threads,
            simd=simd,
            fallback=fallback,
            cancel=token,
        ),
    )
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        token.cancel()
        with contextlib.suppress(Exception):
            await future
        raise


def verify_token(token: str, seed: str, difficulty: str) -> bool:
    """Checks an answer (``gAAAAAB``) or requirements (``gAAAAAC``) token with the web rule.

    The part after the 7-character prefix must be canonical standard base64 (padded) of UTF-8
    JSON whose top level is an array, and ``sha3_512(seed + part)`` in lower-case hex, cut to
    ``len(difficulty)`` characters, must be ``<= difficulty``. Answers of :func:`solve`,
    :func:`generate_answer` and :func:`generate_proof_token` (hex difficulties) all pass.

    Args:
        token: The token; anything malformed (or longer than 1 MiB) gives ``False``.
        seed: The challenge seed.
        difficulty: 1..128 hex digits, any case.

    Returns:
        Whether the token is a valid proof.

    Raises:
        InvalidChallengeError: the difficulty is malformed.
        TypeError: ``seed`` is not a str.
    """
    diff = _check_difficulty(difficulty)
    seed = _check_str("seed", seed)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return False
    if not token.startswith((ANSWER_PREFIX, REQUIREMENTS_PREFIX)):
        return False
    part = token[len(ANSWER_PREFIX) :]
    if not part.isascii():
        return False
    try:
        raw = base64.b64decode(part, validate=True)
        if base64.b64encode(raw).decode() != part:
            return False
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(payload, list):
        return False
    try:
        digest = hashlib.sha3_512((seed + part).encode()).hexdigest()
    except UnicodeEncodeError:
        return False
    return digest[: len(diff)] <= diff
