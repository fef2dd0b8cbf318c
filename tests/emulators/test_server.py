"""The shared emulator server: URLs, routing, prompt shutdown without leftover threads, the CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import httpx
import pytest

from fastg4f.emulators import (
    PROVIDER_NAMES,
    ChatGptOptions,
    Emulators,
    expected_answer,
    start_emulators,
)


def test_urls_and_loopback_only() -> None:
    with start_emulators() as emu:
        assert set(emu.urls) == set(PROVIDER_NAMES)
        for url in emu.urls.values():
            assert url.startswith("http://127.0.0.1:")
        assert emu.urls["Aichat"].endswith("/aichat/chat")
        with httpx.Client(timeout=5) as c:
            r = c.get(emu.base_url + "/elsewhere")
            assert r.status_code == 404 and "ChatGptEs" in r.text
            assert c.get(emu.urls["ChatGpt"] + "/nothing").status_code == 404
        assert "running" in repr(emu)
    assert "closed" in repr(emu)


def test_close_is_prompt_with_hanging_and_idle_connections() -> None:
    before = set(threading.enumerate())
    emu = start_emulators(aichat={"fault": "hang", "hang_seconds": 600})
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            httpx.post(emu.urls["Aichat"].removesuffix("chat") + "api/text", json={}, timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    idle = socket.create_connection(("127.0.0.1", int(emu.base_url.rsplit(":", 1)[1])))
    idle.sendall(b"GET /chatgptt/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert idle.recv(12).startswith(b"HTTP/1.1 200")  # a kept-alive connection now idles
    t = threading.Thread(target=hang)
    t.start()
    for _ in range(200):
        if len(emu._server._conns) >= 2:
            break
        threading.Event().wait(0.01)
    emu.close()  # returns only after every handler thread ended (pytest-timeout guards it)
    t.join(10)
    idle.close()
    assert not t.is_alive() and errors
    assert set(threading.enumerate()) <= before
    emu.close()  # idempotent


def test_start_emulators_arguments() -> None:
    with pytest.raises(TypeError, match="unknown emulator"):
        start_emulators(nope={})
    with pytest.raises(TypeError, match="ChatGptOptions"):
        start_emulators(chatgpt=42)
    with pytest.raises(ValueError, match="difficulty"):
        start_emulators(chatgpt=ChatGptOptions(difficulty="xyz"))
    with pytest.raises(ValueError, match="unknown provider"):
        expected_answer("Bard", "x")


def test_module_runs_in_foreground_and_stops() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastg4f.emulators", "--difficulty", "00ffff"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
        urls = dict(line.split() for line in lines)
        assert set(urls) == set(PROVIDER_NAMES)
        assert httpx.get(urls["ChatGptt"], timeout=5).status_code == 200
    finally:
        proc.send_signal(__import__("signal").SIGINT)
        assert proc.wait(timeout=10) == 0
        if proc.stdout:
            proc.stdout.close()


def test_emulator_bug_is_a_500_and_chunked_request_bodies(
    emu: Emulators, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = emu.urls["Aichat"].removesuffix("chat") + "api/text"
    body = b'{"message": "st\xc3\xbcckweise"}'
    r = client.post(api, content=iter([body[:5], body[5:]]), headers={"cookie": "s=1"})
    assert r.json()["message"] == expected_answer("Aichat", "stückweise")

    def broken(request: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(emu.emulators["Aichat"], "handle", broken)
    r = client.get(emu.urls["Aichat"])
    assert r.status_code == 500 and "ZeroDivisionError: boom" in r.text


def test_oversized_body_is_413(emu: Emulators, client: httpx.Client) -> None:
    r = client.post(emu.urls["ChatGptt"] + "/wp-admin/admin-ajax.php", content=b"x" * 1_000_001)
    assert r.status_code == 413
