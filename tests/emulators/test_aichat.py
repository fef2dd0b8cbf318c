"""The Aichat emulator: cookie check, body checks, answers, the response:false knob and faults."""

from __future__ import annotations

import httpx
import pytest

from fastg4f.emulators import Emulators, expected_answer

BODY = {
    "message": "User: Hallo ✓\nAssistant:",
    "temperature": 0.5,
    "presence_penalty": 0,
    "top_p": 1,
    "frequency_penalty": 0,
}


def api(emu: Emulators) -> str:
    chat = emu.urls["Aichat"]
    assert chat.endswith("/chat")
    return chat.removesuffix("chat") + "api/text"


def test_page_and_success(emu: Emulators, client: httpx.Client) -> None:
    assert client.get(emu.urls["Aichat"]).status_code == 200
    r = client.post(api(emu), json=BODY, headers={"cookie": "session=abc"})
    assert r.status_code == 200
    assert r.json() == {"response": True, "message": expected_answer("Aichat", BODY["message"])}


def test_cookie_required(emu: Emulators, client: httpx.Client) -> None:
    r = client.post(api(emu), json=BODY)
    assert r.status_code == 403
    assert r.headers["cf-mitigated"] == "challenge"
    emu.configure("Aichat", required_cookie="cf_clearance")
    assert client.post(api(emu), json=BODY, headers={"cookie": "session=x"}).status_code == 403
    assert client.post(api(emu), json=BODY, headers={"cookie": "cf_clearance=x"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"[]",
        b'{"message": ""}',
        b'{"message": 3}',
        b'{"message": "x", "temperature": 5}',
        b'{"message": "x", "top_p": "1"}',
        b'{"message": "x", "top_p": true}',
    ],
)
def test_bad_bodies(emu: Emulators, client: httpx.Client, body: bytes) -> None:
    r = client.post(
        api(emu), content=body, headers={"content-type": "application/json", "cookie": "s=1"}
    )
    assert r.status_code == 400
    data = r.json()
    assert data["response"] is False and data["message"]


def test_response_false(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("Aichat", response_false=True)
    r = client.post(api(emu), json=BODY, headers={"cookie": "s=1"})
    assert r.status_code == 200
    assert r.json()["response"] is False


@pytest.mark.parametrize(
    "fault", ["rate_limit", "unusual_activity", "cloudflare", "drop", "malformed", "hang"]
)
def test_faults(emu: Emulators, client: httpx.Client, fault: str) -> None:
    emu.configure("Aichat", fault=fault, hang_seconds=0.2)
    if fault in ("drop", "hang"):
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(api(emu), json=BODY, headers={"cookie": "s=1"})
        return
    r = client.post(api(emu), json=BODY, headers={"cookie": "s=1"})
    if fault == "malformed":
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
    else:
        assert (
            r.status_code == {"rate_limit": 429, "unusual_activity": 403, "cloudflare": 403}[fault]
        )
