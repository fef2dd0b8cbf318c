"""The endpoints behind the chat page: the page and its assets, /v1/providers, the timing
metadata of each completion, the offline docs, and ``fastg4f gui``."""

from __future__ import annotations

import json
import re
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fastg4f import trace
from fastg4f.api import create_app
from fastg4f.api.gui import PAGE_CSP
from fastg4f.emulators import expected_answer, offline
from tests.api.conftest import serve
from tests.gui_command import run_gui
from tests.toy_providers import make_provider


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with offline(), serve(create_app(route_timeout=30)) as url:
        yield url


def test_page_and_alias_with_security_headers(base_url: str) -> None:
    for path in ("/", "/chat/", "/chat"):
        r = httpx.get(base_url + path)
        assert r.status_code == 200, path
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.headers["content-security-policy"] == PAGE_CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert '<script type="module" src="/static/app.js"></script>' in r.text
        # Nothing from another origin, no inline script.
        assert not re.search(r"(src|href)=\"(https?:)?//", r.text)
        assert "<script>" not in r.text
    assert "'unsafe-inline'" not in PAGE_CSP and "'unsafe-eval'" not in PAGE_CSP


def test_assets_are_served_with_the_same_headers(base_url: str) -> None:
    r = httpx.get(base_url + "/static/app.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(base_url + "/static/nope.js").status_code == 404
    assert httpx.get(base_url + "/static/../gui.py").status_code == 404


def test_page_is_small() -> None:
    from fastg4f.api.gui import STATIC_DIR

    total = sum(p.stat().st_size for p in Path(STATIC_DIR).iterdir())
    assert total < 150_000


def test_providers_list(base_url: str) -> None:
    body = httpx.get(base_url + "/v1/providers").json()
    assert body["object"] == "list"
    by_id = {p["id"]: p for p in body["data"]}
    assert set(by_id) == {"ChatGpt", "ChatGptt", "Chatgpt4o", "ChatGptEs", "Aichat"}
    chatgpt = by_id["ChatGpt"]
    assert chatgpt["object"] == "provider"
    assert chatgpt["emulated"] is True and chatgpt["usable"] is True
    assert chatgpt["working"] is False  # the class's own flag, whatever the emulators do
    assert "gpt-4o" in chatgpt["models"] and chatgpt["default_model"] == "auto"
    assert by_id["Aichat"]["models"] == ["gpt-3.5-turbo"]
    assert "/v1/providers" in httpx.get(base_url + "/openapi.json").json()["paths"]


def test_providers_list_not_working_and_key() -> None:
    toy = make_provider("Broken", working=False)
    with serve(create_app([toy], api_key="k")) as url:
        assert httpx.get(url + "/v1/providers").status_code == 401
        r = httpx.get(url + "/v1/providers", headers={"Authorization": "Bearer k"})
        (entry,) = r.json()["data"]
        assert entry["id"] == "Broken"
        assert (entry["working"], entry["emulated"], entry["usable"]) == (False, False, False)
        assert httpx.get(url + "/").status_code == 200  # the page itself needs no key
    with serve(create_app([toy], ignore_working=True)) as url:
        (entry,) = httpx.get(url + "/v1/providers").json()["data"]
        assert entry["usable"] is True


def _events(url: str, body: dict[str, object]) -> list[dict[str, object]]:
    events = []
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=30) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    return events


def test_stream_ends_with_the_timing_of_chatgpt(base_url: str) -> None:
    messages = [{"role": "user", "content": "time me"}]
    body = {"model": "gpt-4o", "provider": "ChatGpt", "messages": messages, "stream": True}
    events = _events(base_url, body)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)  # type: ignore[index]
    assert text == expected_answer("ChatGpt", messages)
    assert all("fastg4f" not in e for e in events[:-1])
    timing = events[-1]["fastg4f"]
    assert events[-1]["choices"][0]["finish_reason"] == "stop"  # type: ignore[index]
    assert isinstance(timing, dict)
    assert timing["provider"] == "ChatGpt"
    assert 0 <= timing["first_token_ms"] <= timing["total_ms"]
    assert timing["pow_difficulty"] == "0fffff"
    assert timing["pow_solve_ms"] >= 0
    assert timing["turnstile"] is True


def test_non_streamed_answer_has_the_timing(base_url: str) -> None:
    body = {
        "model": "gpt-4o",
        "provider": "ChatGpt",
        "messages": [{"role": "user", "content": "x"}],
    }
    r = httpx.post(base_url + "/v1/chat/completions", json=body, timeout=30)
    timing = r.json()["fastg4f"]
    assert timing["provider"] == "ChatGpt"
    assert timing["first_token_ms"] is None and timing["total_ms"] > 0
    assert timing["pow_difficulty"] == "0fffff"


def test_other_providers_report_only_times(base_url: str) -> None:
    body = {"model": "gpt-3.5-turbo", "provider": "Aichat", "stream": True}
    events = _events(base_url, {**body, "messages": [{"role": "user", "content": "hi"}]})
    assert set(events[-1]["fastg4f"]) == {"provider", "first_token_ms", "total_ms"}  # type: ignore[arg-type]


def test_openai_sdk_ignores_the_timing_field(base_url: str) -> None:
    import openai

    client = openai.OpenAI(base_url=base_url + "/v1", api_key="none")
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "sdk"}],
        stream=True,
        extra_body={"provider": "ChatGpt"},
    )
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra is not None and "fastg4f" in chunks[-1].model_extra


def test_trace_is_a_no_op_outside_a_request_and_bounded() -> None:
    trace.record("X", anything=1)  # no trace begun in this context: nothing happens
    assert trace.current() is None

    async def traced() -> dict[str, object]:
        t = trace.begin()
        trace.record("P", long="y" * 1000)
        for i in range(trace.MAX_FACTS + 10):
            t.record("P", **{f"k{i}": i})
        t.mark_first_text()
        first = t.first_text
        t.mark_first_text()
        assert t.first_text == first
        return t.summary("P")

    import asyncio

    summary = asyncio.run(traced())
    assert len(summary["long"]) == 200  # type: ignore[arg-type]
    assert len(summary) == 3 + trace.MAX_FACTS
    assert trace.current() is None  # asyncio.run's task had its own context


def test_docs_and_redoc_use_local_assets(base_url: str) -> None:
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        r = httpx.get(base_url + path)
        assert r.status_code == 200
        assert f"/static-docs/{asset}" in r.text
        assert not re.search(r"(src|href)=\"https?://", r.text), path
        assert "fonts.googleapis" not in r.text
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in r.headers["content-security-policy"]
        js = httpx.get(base_url + f"/static-docs/{asset}")
        assert js.status_code == 200 and len(js.content) > 100_000


def _browser_script(tmp_path: Path) -> tuple[Path, Path]:
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, opened


def test_gui_command_prints_the_url_and_opens_the_browser(tmp_path: Path) -> None:
    script, opened = _browser_script(tmp_path)
    with run_gui(env={"BROWSER": str(script)}) as gui:
        deadline = time.monotonic() + 30
        while not opened.exists() or not opened.read_text().strip():
            assert time.monotonic() < deadline, "the browser was not opened"
            assert gui.process.poll() is None
            time.sleep(0.05)
        assert opened.read_text().strip() == gui.url
        # The browser is opened only once the server answers.
        page = httpx.get(gui.url)
        assert page.status_code == 200 and "fastg4f chat" in page.text
        r = httpx.get(gui.url + "v1/providers")
        assert {p["id"] for p in r.json()["data"] if p["emulated"]} >= {"ChatGpt", "Aichat"}
    assert gui.process.returncode in (0, 130)


def test_gui_command_owns_the_port_it_prints() -> None:
    # With --port 0 the printed port is already the server's: another program that tries to
    # listen on it right after the line appears is refused, and the page keeps answering.
    with run_gui("--no-browser") as gui:
        port = int(gui.url.rsplit(":", 1)[1].strip("/"))
        with socket.socket() as other, pytest.raises(OSError):
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("127.0.0.1", port))
            other.listen()
        deadline = time.monotonic() + 30
        while True:
            assert gui.process.poll() is None, "the server exited"
            try:
                assert httpx.get(gui.url).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the page did not answer"
                time.sleep(0.1)


def test_gui_command_has_the_api_options() -> None:
    from fastg4f.cli import build_parser

    args = build_parser().parse_args(
        ["gui", "--offline", "--host", "127.0.0.2", "--port", "9", "--api-key", "k", "--no-browser"]
    )
    assert (args.offline, args.host, args.port, args.api_key, args.no_browser) == (
        True,
        "127.0.0.2",
        9,
        "k",
        True,
    )
    assert args.workers == 1 and args.route_timeout is None


def test_openapi_references_resolve_from_the_root(base_url: str) -> None:
    """Swagger UI and ReDoc resolve every ``$ref`` from the document's root."""
    document = httpx.get(base_url + "/openapi.json").json()
    refs: list[str] = []
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            assert "$defs" not in node
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs
    schemas = document["components"]["schemas"]
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    assert "ChatMessage" in schemas


def _emulator_connections_close(emulators: Any, within: float) -> bool:
    """Whether every connection to the emulators is closed by the client within ``within`` s
    (an emulator that is hanging on purpose notices only when its hang ends: its sockets are
    peeked for the client's end of stream instead)."""

    def client_closed(conn: socket.socket) -> bool:
        try:
            return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    deadline = time.monotonic() + within
    while not all(client_closed(c) for c in list(emulators._server._conns)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_chatgpt_upstream_closed_when_the_client_leaves_mid_stream() -> None:
    # The legacy stream format repeats the answer so far in every event: a long prompt makes a
    # stream whose rest takes 20 s or more to send at 20 ms per chunk.
    prompt = " ".join(f"w{i}" for i in range(100))
    with offline() as urls, serve(create_app(route_timeout=30)) as url:
        emulators = urls.emulators
        emulators.configure("ChatGpt", stream_format="legacy", chunk_delay=0.02, chunk_max=200)
        body = {
            "model": "gpt-4o",
            "provider": "ChatGpt",
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
        }
        with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=30) as r:
            for line in r.iter_lines():
                if '"content"' in line:
                    break
            assert emulators._server._conns  # the conversation stream is still being sent
        assert _emulator_connections_close(emulators, 10)
