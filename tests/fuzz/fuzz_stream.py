"""Differential fuzz targets for the native stream decoders (atheris, or a plain random loop).

Each target decodes the input whole and cut into chunks (the cuts come from the input too) and
checks both results against the plain-Python references in ``tests/reference``; the only
exception a decoder may raise is ``StreamDecodeError`` from a limit.

Usage: ``python tests/fuzz/fuzz_stream.py TARGET [--seconds N] [libFuzzer args]`` with TARGET
one of lines, sse, conversation or smoke
(``smoke`` runs every target in turn for ``--seconds`` each).
With atheris installed this is coverage-guided (coverage of the Python references and harness;
the Rust code is not instrumented); without it, a seeded random/mutation loop runs for the same
time. ``make fuzz-smoke`` runs ``smoke`` for every ``tests/fuzz/fuzz_*.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

TESTS = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS.parent))
# Crashing inputs are written here (ignored by git with the rest of target/).
ARTIFACTS = TESTS.parent / "target" / "fuzz-artifacts"

from tests.native.conversation_fixtures import (  # noqa: E402
    costly_v1_stream,
    deep_v1_stream,
    legacy_stream,
    v1_capture_like,
)
from tests.reference.conversation_reference import ConversationReference  # noqa: E402
from tests.reference.sse_reference import reference_events, reference_lines  # noqa: E402

from fastg4f.errors import StreamDecodeError  # noqa: E402
from fastg4f.stream import ConversationDecoder, LineDecoder, SSEDecoder  # noqa: E402


def _split(data: bytes) -> tuple[list[int], bytes]:
    """The first byte picks a chunk-size pattern; the rest is the stream."""
    if not data:
        return [1], b""
    sizes = {0: [1], 1: [2, 3], 2: [7], 3: [1, 0, 5]}.get(data[0] % 8, [data[0] % 32 + 1])
    return sizes, data[1:]


def _chunks(stream: bytes, sizes: list[int]) -> list[bytes]:
    out, i, k = [], 0, 0
    while i < len(stream):
        n = sizes[k % len(sizes)]
        out.append(stream[i : i + n])
        i += n
        k += 1
    return out


def target_lines(data: bytes) -> None:
    sizes, stream = _split(data)
    want = reference_lines(stream)
    for chunks in ([stream], _chunks(stream, sizes)):
        d = LineDecoder()
        got = [line for c in chunks for line in d.feed(c)] + d.flush()
        assert got == want, (got, want)
    small = LineDecoder(8)
    try:
        for c in _chunks(stream, sizes):
            small.feed(c)
        small.flush()
    except StreamDecodeError:
        assert any(len(x) > 8 for x in want)


def target_sse(data: bytes) -> None:
    sizes, stream = _split(data)
    want = [(e.event, e.data, e.id, e.retry) for e in reference_events(stream)]
    for chunks in ([stream], _chunks(stream, sizes)):
        d = SSEDecoder()
        events = [e for c in chunks for e in d.feed(c)] + d.flush()
        got = [(e.event, e.data, e.id, e.retry) for e in events]
        assert got == want, (got, want)
    try:
        small = SSEDecoder(16)
        for c in _chunks(stream, sizes):
            small.feed(c)
    except StreamDecodeError:
        pass


def _decode(d: ConversationDecoder, chunks: list[bytes], ref: ConversationReference) -> list[str]:
    """Decodes; a depth error must match the reference's depth (the only error expected)."""
    try:
        got = [x for c in chunks for x in d.feed(c)] + d.flush()
    except StreamDecodeError as exc:
        assert "levels deep" in str(exc), exc
        assert ref.max_depth_seen > d.max_depth, (ref.max_depth_seen, exc)
        raise
    assert ref.max_depth_seen <= d.max_depth, ref.max_depth_seen
    return got


def target_conversation(data: bytes) -> None:
    sizes, stream = _split(data)
    ref = ConversationReference()
    for e in reference_events(stream):
        ref.feed_event(e.event, e.data)
    # Depth: a small bound, hit exactly when the reference nests deeper.
    for max_depth in (6, 12):
        with contextlib.suppress(StreamDecodeError):
            _decode(ConversationDecoder(max_depth=max_depth), _chunks(stream, sizes), ref)
    if ref.max_depth_seen > 128:
        return
    for chunks in ([stream], _chunks(stream, sizes)):
        d = ConversationDecoder(coalesce=False)
        got = _decode(d, chunks, ref)
        assert got == ref.deltas, (got, ref.deltas)
        assert (d.conversation_id, d.message_id, d.title, d.finished, d.delta_encoding) == (
            ref.conversation_id,
            ref.message_id,
            ref.title,
            ref.finished,
            ref.delta_encoding,
        )
        assert (d.error is None) == (ref.error is None), (d.error, ref.error)
        if ref.error is not None and d.error is not None and ref.error_exact:
            assert d.error.startswith(ref.error), (d.error, ref.error)
    joined = ConversationDecoder()
    text = "".join(x for c in _chunks(stream, sizes) for x in joined.feed(c))
    assert text == "".join(ref.deltas), (text, ref.deltas)
    try:
        small = ConversationDecoder(max_event_bytes=64, max_document_bytes=256)
        for c in _chunks(stream, sizes):
            small.feed(c)
    except StreamDecodeError:
        pass


TARGETS: dict[str, Callable[[bytes], None]] = {
    "lines": target_lines,
    "sse": target_sse,
    "conversation": target_conversation,
}


def seeds() -> list[bytes]:
    """Structure-aware starting points: both ChatGPT formats, SSE edge cases, and the hostile
    shapes (deep pointers, operations that used to cost the whole document)."""
    return [
        b"\x00" + v1_capture_like(["Hel", "lo", " \u00e9\U0001f600", "!"], done=True),
        b"\x06" + deep_v1_stream(40, per_op=3),
        b"\x07" + costly_v1_stream("truncate", text_chars=64, events_bytes=512),
        b"\x04" + costly_v1_stream("take-back", text_chars=64, events_bytes=512),
        b"\x03" + costly_v1_stream("channels", text_chars=8, events_bytes=1024),
        b"\x02" + v1_capture_like(["a", "b"], eol="\r\n"),
        b"\x05" + legacy_stream(["ab", "abab", "aba", "ababab"]),
        b"\x01\xef\xbb\xbfid: 1\r\nretry: 5\rdata: a\n:c\ndata\n\nevent: x\ndata: \xff\xe2\x82\n\n",
    ]


def _mutate(rng: random.Random, data: bytearray, pool: list[bytes]) -> bytes:
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(data))
        if op == 0 and data:
            del data[pos : pos + rng.randint(1, 16)]
        elif op == 1:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op == 2:
            data[pos:pos] = rng.choice(
                [
                    b"\n",
                    b"\r",
                    b"\r\n",
                    b"\n\n",
                    b"data: ",
                    b'{"v":"x"}',
                    b":",
                    b'"',
                    b"\\u00e9",
                    b"[DONE]",
                ]
            )
        elif op == 3 and pool:
            other = rng.choice(pool)
            a = rng.randint(0, len(other))
            data[pos:pos] = other[a : a + rng.randint(1, 200)]
        elif op == 4 and data:
            data[0] = rng.randrange(256)
        elif op == 5 and len(data) > 1:
            a = rng.randrange(len(data))
            data[a] ^= 1 << rng.randrange(8)
    return bytes(data)  # fmt: skip


def random_loop(target: Callable[[bytes], None], seconds: float, seed: int) -> int:
    rng = random.Random(seed)
    pool = seeds()
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = _mutate(rng, bytearray(rng.choice(pool)), pool)
        try:
            target(data)
        except Exception:
            sys.stderr.write(f"failing input ({len(data)} bytes): {data!r}\n")
            raise
        if rng.random() < 0.05 and len(pool) < 200:
            pool.append(data)
        runs += 1
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=[*sorted(TARGETS), "smoke"], help="smoke: all, in turn")
    parser.add_argument("--seconds", type=float, default=10.0, help="time budget (default 10)")
    parser.add_argument("--no-atheris", action="store_true", help="use the plain random loop")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "0")))
    args, rest = parser.parse_known_args()
    if args.target == "smoke":
        # atheris sets up once per process: one child process per target.
        for name in sorted(TARGETS):
            cmd = [sys.executable, __file__, name, "--seconds", str(args.seconds)]
            cmd += ["--seed", str(args.seed)] + (["--no-atheris"] if args.no_atheris else [])
            subprocess.run(cmd, check=True)
        return
    target = TARGETS[args.target]
    try:
        if args.no_atheris:
            raise ImportError
        import atheris  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        runs = random_loop(target, args.seconds, args.seed)
        print(f"fuzz {args.target}: {runs} random inputs in {args.seconds:.0f}s, no failure")
        return
    with tempfile.TemporaryDirectory() as corpus:
        for i, s in enumerate(seeds()):
            pathlib.Path(corpus, f"seed{i}").write_bytes(s)
        argv = [
            sys.argv[0],
            f"-max_total_time={max(1, round(args.seconds))}",
            f"-seed={args.seed or 1}",
            "-max_len=8192",
            "-print_final_stats=1",
            f"-artifact_prefix={ARTIFACTS}/",
            *rest,
            corpus,
        ]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        atheris.instrument_all()
        atheris.Setup(argv, target)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
