"""``fastg4f bench pow`` end to end (tiny attempt counts) and the benchmark helpers."""

from __future__ import annotations

import base64
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

from fastg4f import benchmark, pow


def test_bench_pow_json_and_plot(tmp_path: pathlib.Path) -> None:
    plot = tmp_path / "pow.svg"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastg4f",
            "bench",
            "pow",
            "--json",
            "--attempts",
            "600",
            "--repeat",
            "1",
            "--threads",
            "2",
            "--difficulty",
            "00ff",
            "--plot",
            str(plot),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(out.stdout)
    keys = {row["key"] for row in data["rows"]}
    assert {"portable_1t", "all_threads", "python_generate_answer", "sha3_bound"} <= keys
    assert all(row["rate"] > 0 for row in data["rows"])
    assert data["threads"] == 2 and data["build_profile"] in {"release", "debug"}
    assert [st["difficulty"] for st in data["solve_times"]] == ["00ff"]
    assert {r["label"] for r in data["ratios"]} >= {"portable 1T / SHA3 bound"}
    svg = ET.parse(plot).getroot()  # noqa: S314 - our own file
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}rect")) > 4


def test_bench_pow_rejects_bad_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fastg4f", "bench", "pow", "--difficulty", "xyz"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "not a hex string" in out.stderr


def test_python_loops_are_faithful() -> None:
    config = benchmark.bench_config()
    # With a satisfiable difficulty the loops stop where g4f's functions stop.
    answer, solved = pow.generate_answer("s", "1f", config)
    assert solved
    nonce = json.loads(base64.b64decode(answer))[3]
    assert benchmark.python_generate_answer_loop("s", config, 10_000, "1f") == nonce + 1
    token = pow.generate_proof_token(True, "s", "0f", proof_token=list(config))
    assert token is not None
    proof_nonce = json.loads(base64.b64decode(token[7:]))[3]
    assert benchmark.python_proof_token_loop("s", config, 10_000, "0f") == proof_nonce + 1
    assert benchmark.python_generate_answer_loop("s", config, 50) == 50
