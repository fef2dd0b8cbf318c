"""Writes the seed corpus of the Rust fuzz targets into fuzz/corpus/<target>/ (committed).

Run from the repository top with the development venv: ``.venv/bin/python fuzz/seeds.py``.
The first byte of every seed is the chunking seed (see fuzz/src/lib.rs); the pow_config seeds
are ``control, seed 0xff target 0xff piece 0xff piece [0xff piece]``.
"""

from __future__ import annotations

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.native.conversation_fixtures import (  # noqa: E402
    costly_v1_stream,
    deep_v1_stream,
    legacy_stream,
    v1_capture_like,
)

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def sse_seeds() -> list[bytes]:
    return [
        b"data: hello\n\n",
        b"event: delta\nid: 7\nretry: 1000\ndata: a\ndata: b\n\n",
        b": comment\r\ndata:no space\r\n\r\ndata: x\rdata: y\r\r",
        b"\xef\xbb\xbfdata: bom\n\nid: \x00nul\ndata: z\n\n",
        b"data: [DONE]\n\nevent\ndata\n\n",
        "data: \u00e9\u4e2d\U0001f600\n\n".encode(),
    ]


def line_seeds() -> list[bytes]:
    return [b"a\nb\r\nc\rd", b"\r\n\r\n\n\r", b"x" * 300 + b"\n", "\u00e9\r\n".encode(), b""]


def conversation_seeds() -> list[bytes]:
    return [
        v1_capture_like(["Hel", "lo", " world"], done=True),
        v1_capture_like(["a", "\u00e9", "\U0001f600"], eol="\r\n"),
        legacy_stream(["Hi", "Hi there", "Hi there!"]),
        deep_v1_stream(80, per_op=8),
        deep_v1_stream(200, per_op=20),
        costly_v1_stream("truncate", text_chars=64, events_bytes=2048),
        costly_v1_stream("take-back", text_chars=64, events_bytes=2048),
        costly_v1_stream("channels", text_chars=64, events_bytes=4096),
    ]


def pow_seeds() -> list[bytes]:
    config = [3000, "Sat Dec 05 2026 00:00:00 GMT+0000", 4294705152, 1, "Mozilla/5.0"]
    text = json.dumps(config, separators=(",", ":")).encode()
    first, rest = text.split(b",1,", 1)
    pieces = [first + b",", b"," + rest]
    return [
        b"\x00" + b"\xff".join([b"0.123", b"0fffff", *pieces]),
        b"\x01" + b"\xff".join([b"seed", b"\x0f\xff", *pieces]),
        b"\x07" + b"\xff".join([b"", b"", b"[", b"]"]),
        b"\x02" + b"\xff".join([b"s", b"zz", b"{", b",", b"}"]),
    ]


def main() -> None:
    for target, seeds in {
        "sse": sse_seeds(),
        "lines": line_seeds(),
        "conversation": conversation_seeds(),
        "pow_config": pow_seeds(),
    }.items():
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        for chunking in (0, 7):
            for i, seed in enumerate(seeds):
                data = seed if target == "pow_config" else bytes([chunking]) + seed
                (folder / f"seed-{chunking}-{i}").write_bytes(data)


if __name__ == "__main__":
    main()
