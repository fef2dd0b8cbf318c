"""The ChatGpt emulator driven by a plain httpx client and the test-local flow in ``_flow``."""

from __future__ import annotations

import base64
import json
import random
import time

import httpx
import pytest

from fastg4f.emulators import (
    Emulators,
    build_turnstile_challenge,
    check_requirements_token,
    expected_answer,
    verify_proof_token,
)
from fastg4f.turnstile import decode_program, process_turnstile

from . import _flow

MESSAGES = [
    {"role": "system", "content": "Sei knapp."},
    {"role": "user", "content": "Grüße aus Köln — 日本語もOK?"},
]

REQ = "/backend-anon/sentinel/chat-requirements"
CONV = "/backend-anon/conversation"


@pytest.mark.parametrize("fmt", ["v1", "legacy"])
@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_full_flow_both_formats(
    emu: Emulators, client: httpx.Client, fmt: str, line_ending: str
) -> None:
    emu.configure("ChatGpt", stream_format=fmt, line_ending=line_ending, chunk_max=13)
    base = emu.urls["ChatGpt"]
    with client.stream("POST", base + CONV) as _:
        pass  # a cookie-less request first: must not disturb the flow
    p, req = _flow.requirements(client, base)
    headers = _flow.headers_for(p, req)
    chunks: list[bytes] = []
    with client.stream("POST", base + CONV, json=_flow.body(MESSAGES), headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        chunks.extend(r.iter_raw())
    assert len(chunks) > 5  # really chunked
    events = _flow.parse_sse(b"".join(chunks))
    assert events[-1][1] == "[DONE]"
    assert _flow.text_of(events) == expected_answer("ChatGpt", MESSAGES)
    if fmt == "v1":
        types = [
            json.loads(d).get("type") for n, d in events if n == "message" and d.startswith("{")
        ]
        assert {
            "resume_conversation_token",
            "input_message",
            "title_generation",
            "message_stream_complete",
        } <= set(types)
        assert any(n == "delta" and '"o":"patch"' in d for n, d in events)
        docs = _flow.apply_v1(events)
        final = docs[2]["message"]
        assert final["author"]["role"] == "assistant"
        assert final["content"]["parts"] == [expected_answer("ChatGpt", MESSAGES)]
        assert final["status"] == "finished_successfully" and final["end_turn"] is True
        assert final["metadata"]["finish_details"]["type"] == "stop"
        assert final["metadata"]["conversation_followup_suggestions_eligible"] is True
        assert docs[0]["message"]["metadata"]["is_visually_hidden_from_conversation"] is True
        assert docs[1]["message"]["content"]["parts"] == [MESSAGES[-1]["content"]]


def test_page_cookies_and_build(emu: Emulators, client: httpx.Client) -> None:
    r = client.get(emu.urls["ChatGpt"] + "/")
    assert r.status_code == 200
    assert 'data-build="prod-' in r.text
    assert {"oai-did", "__cf_bm", "_cfuvid"} <= set(r.cookies.keys())
    did = r.cookies["oai-did"]
    again = client.get(emu.urls["ChatGpt"] + "/")
    assert "oai-did" not in again.cookies or again.cookies["oai-did"] == did


def test_requirements_without_cookie_is_401(emu: Emulators, client: httpx.Client) -> None:
    r = client.post(emu.urls["ChatGpt"] + REQ, json={"p": None})
    assert r.status_code == 401
    assert "oai-did" in r.json()["detail"]


def test_requirements_shape_and_knobs(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGpt"]
    _, req = _flow.requirements(client, base)
    assert req["token"].startswith("gAAAAAB")
    assert req["proofofwork"] == {
        "required": True,
        "seed": req["proofofwork"]["seed"],
        "difficulty": "0fffff",
    }
    assert req["turnstile"]["required"] is True and isinstance(req["turnstile"]["dx"], str)
    assert req["expire_after"] == 540
    emu.configure("ChatGpt", pow_required=False, turnstile_required=False)
    _, req = _flow.requirements(client, base)
    assert req["proofofwork"] == {"required": False}
    assert req["turnstile"] == {"required": False}
    headers = _flow.headers_for("", req)
    assert set(headers) == {"openai-sentinel-chat-requirements-token"}
    r = client.post(base + CONV, json=_flow.body(MESSAGES), headers=headers)
    assert r.status_code == 200
    assert _flow.text_of(_flow.parse_sse(r.content)) == expected_answer("ChatGpt", MESSAGES)


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 422), (b"{}", 422), (b'{"p": "nope"}', 403), (b'{"p": "gAAAAACW10="}', 403)],
)
def test_requirements_body_errors(
    emu: Emulators, client: httpx.Client, body: bytes, status: int
) -> None:
    base = emu.urls["ChatGpt"]
    client.get(base + "/")
    r = client.post(base + REQ, content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert "detail" in r.json()
    assert r.headers["x-emulator-reason"]


def test_check_requirements_token_rules() -> None:
    cfg = _flow.config()
    good = "gAAAAAC" + base64.b64encode(json.dumps(cfg).encode()).decode()
    assert check_requirements_token(good) is None
    assert check_requirements_token(good, _flow.UA) is None
    assert "User-Agent" in (check_requirements_token(good, "other") or "")
    assert check_requirements_token("gAAAAAB" + good[7:]) is not None
    short = "gAAAAAC" + base64.b64encode(json.dumps(cfg[:10]).encode()).decode()
    assert "15..25" in (check_requirements_token(short) or "")
    cfg[3] = -1
    neg = "gAAAAAC" + base64.b64encode(json.dumps(cfg).encode()).decode()
    assert "config[3]" in (check_requirements_token(neg) or "")


def test_proof_verification_matches_the_rule() -> None:
    cfg = _flow.config()
    answer = _flow.solve("0.123", "0fffff", cfg)
    assert verify_proof_token("gAAAAAB" + answer, "0.123", "0fffff")
    assert not verify_proof_token("gAAAAAC" + answer, "0.123", "0fffff")
    assert not verify_proof_token("gAAAAAB" + answer, "0.124", "000000")


def test_harder_difficulty(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", difficulty="003a1f")
    r = _flow.conversation(client, emu.urls["ChatGpt"], MESSAGES)
    assert r.status_code == 200


def _flow_parts(client: httpx.Client, base: str) -> tuple[str, dict[str, str]]:
    p, req = _flow.requirements(client, base)
    return p, _flow.headers_for(p, req)


@pytest.mark.parametrize(
    "breakage",
    ["no_token", "bad_proof", "no_proof", "bad_turnstile", "no_turnstile", "reuse", "other_did"],
)
def test_conversation_sentinel_errors(emu: Emulators, client: httpx.Client, breakage: str) -> None:
    base = emu.urls["ChatGpt"]
    if breakage == "bad_proof":
        # At 0fffff the fixed fallback token passes for 1 seed in 16; make that 1 in 4096.
        emu.configure("ChatGpt", difficulty="000fff")
    _, headers = _flow_parts(client, base)
    body = _flow.body(MESSAGES)
    if breakage == "no_token":
        del headers["openai-sentinel-chat-requirements-token"]
    elif breakage == "bad_proof":
        headers["openai-sentinel-proof-token"] = (
            "gAAAAABwQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D" + "IjAuMSI="
        )
    elif breakage == "no_proof":
        del headers["openai-sentinel-proof-token"]
    elif breakage == "bad_turnstile":
        headers["openai-sentinel-turnstile-token"] = "d3Jvbmc="
    elif breakage == "no_turnstile":
        del headers["openai-sentinel-turnstile-token"]
    elif breakage == "reuse":
        assert client.post(base + CONV, json=body, headers=headers).status_code == 200
    elif breakage == "other_did":
        client.cookies.set("oai-did", "00000000-0000-4000-8000-000000000000")
    r = client.post(base + CONV, json=body, headers=headers)
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Unusual activity has been detected")
    assert r.headers["x-emulator-reason"]


def test_token_expiry(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", token_ttl=0.05, pow_required=False, turnstile_required=False)
    base = emu.urls["ChatGpt"]
    _, headers = _flow_parts(client, base)
    time.sleep(0.1)
    r = client.post(base + CONV, json=_flow.body(MESSAGES), headers=headers)
    assert r.status_code == 403
    assert "expired" in r.headers["x-emulator-reason"]


def test_conversation_without_cookie_is_401(emu: Emulators, client: httpx.Client) -> None:
    assert client.post(emu.urls["ChatGpt"] + CONV, json=_flow.body(MESSAGES)).status_code == 401


@pytest.mark.parametrize(
    ("mutate", "loc"),
    [
        (lambda b: b.update(action="variant"), "action"),
        (lambda b: b.pop("model"), "model"),
        (lambda b: b.update(messages=[]), "messages"),
        (lambda b: b["messages"][0]["author"].update(role="robot"), "role"),
        (lambda b: b["messages"][0]["content"].update(content_type="code"), "content_type"),
        (lambda b: b["messages"][0]["content"].update(parts="x"), "parts"),
        (lambda b: b.pop("parent_message_id"), "parent_message_id"),
    ],
)
def test_conversation_body_validation(
    emu: Emulators, client: httpx.Client, mutate, loc: str
) -> None:  # type: ignore[no-untyped-def]
    emu.configure("ChatGpt", pow_required=False, turnstile_required=False)
    base = emu.urls["ChatGpt"]
    _, headers = _flow_parts(client, base)
    body = _flow.body(MESSAGES)
    mutate(body)
    r = client.post(base + CONV, json=body, headers=headers)
    assert r.status_code == 422
    assert loc in r.json()["detail"][0]["loc"]


def test_long_history_and_exact_answer(emu: Emulators, client: httpx.Client) -> None:
    history = []
    for i in range(40):
        history += [
            {"role": "user", "content": f"Frage {i} ½"},
            {"role": "assistant", "content": f"Antwort {i}"},
        ]
    history.append({"role": "user", "content": "Letzte Frage ✓"})
    r = _flow.conversation(client, emu.urls["ChatGpt"], history)
    text = _flow.text_of(_flow.parse_sse(r.content))
    assert text == expected_answer("ChatGpt", history)
    assert text.endswith("«Letzte Frage ✓»")


@pytest.mark.parametrize("stages", [1, 2])
def test_turnstile_challenges_are_answerable(stages: int) -> None:
    rng = random.Random(stages)
    p = "gAAAAAC" + base64.b64encode(json.dumps(_flow.config()).encode()).decode()
    dx, expected = build_turnstile_challenge(p, stages, rng)
    assert process_turnstile(dx, p) == expected
    program = decode_program(dx, p)
    calls_resolve = any(ins[0] == 7 for ins in program)
    if stages == 1:
        assert calls_resolve
    else:
        # The first stage alone (g4f's single pass) never resolves: its last op loads register 9.
        assert not calls_resolve
        assert program[-1][:2] == [14, 9]


# -- fault knobs ---------------------------------------------------------------------------------


def test_fault_rate_limit_on_requirements(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", fault="rate_limit", fault_count=1)
    base = emu.urls["ChatGpt"]
    client.get(base + "/")
    r = client.post(base + REQ, json={"p": None})
    assert r.status_code == 429 and "Too many requests" in r.json()["detail"]
    assert client.post(base + REQ, json={"p": None}).status_code == 200  # fault_count consumed


@pytest.mark.parametrize("target", ["requirements", "conversation"])
def test_fault_unusual_activity(emu: Emulators, client: httpx.Client, target: str) -> None:
    emu.configure("ChatGpt", fault="unusual_activity", fault_on=target)
    base = emu.urls["ChatGpt"]
    client.get(base + "/")
    r = client.post(base + REQ, json={"p": None})
    if target == "conversation":
        assert r.status_code == 200
        r = client.post(base + CONV, json=_flow.body(MESSAGES))
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Unusual activity has been detected from your device.")


def test_fault_cloudflare_also_on_pages(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", fault="cloudflare", fault_pages=True)
    r = client.get(emu.urls["ChatGpt"] + "/")
    assert r.status_code == 403
    assert r.headers["cf-mitigated"] == "challenge"
    assert "Just a moment..." in r.text


def test_fault_drop_mid_stream(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", fault="drop")
    base = emu.urls["ChatGpt"]
    p, req = _flow.requirements(client, base)
    got = bytearray()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST", base + CONV, json=_flow.body(MESSAGES), headers=_flow.headers_for(p, req)
        ) as r,
    ):
        assert r.status_code == 200
        for chunk in r.iter_raw():
            got += chunk
    assert got and b"[DONE]" not in got


def test_fault_malformed_line(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGpt", fault="malformed")
    r = _flow.conversation(client, emu.urls["ChatGpt"], MESSAGES)
    assert r.status_code == 200
    events = _flow.parse_sse(r.content)
    assert ("message", '{"v": "broken') in events
    assert _flow.text_of(events) == expected_answer("ChatGpt", MESSAGES)  # the rest is intact


def test_fault_hang_is_bounded_and_delay(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGpt"]
    client.get(base + "/")
    emu.configure("ChatGpt", fault="hang", hang_seconds=0.3)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(base + REQ, json={"p": None})
    emu.configure("ChatGpt", fault=None, delay=2.0)
    with pytest.raises(httpx.ReadTimeout):  # the delay knob holds the answer back
        client.post(base + REQ, json={"p": None}, timeout=0.2)
    emu.configure("ChatGpt", delay=0.0)
    assert client.post(base + REQ, json={"p": None}).status_code == 200


def test_hang_client_timeout(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGpt"]
    client.get(base + "/")
    emu.configure("ChatGpt", fault="hang")
    with pytest.raises(httpx.ReadTimeout):
        client.post(base + REQ, json={"p": None}, timeout=0.3)


def test_a_difficulty_in_either_case() -> None:
    # Hex inputs take either case everywhere: the options, the proof check, and the whole flow.
    from fastg4f.client import Client
    from fastg4f.emulators import expected_answer, offline
    from fastg4f.Provider import ChatGpt

    cfg = _flow.config()
    answer = _flow.solve("0.123", "0fffff", cfg)
    assert verify_proof_token("gAAAAAB" + answer, "0.123", "0FFFFF")
    with offline(chatgpt={"difficulty": "0FFFFF"}):
        reply = Client(provider=ChatGpt).chat.completions.create(MESSAGES, "")
    assert reply.choices[0].message.content == expected_answer("ChatGpt", MESSAGES)
