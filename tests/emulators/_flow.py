"""A minimal pure-Python ChatGpt client and SSE parser for the tests (no fastg4f client code)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid
from typing import Any

import httpx

from fastg4f.turnstile import process_turnstile

UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/127.0.0.0 Safari/537.36"
)


def config(user_agent: str = UA) -> list[Any]:
    return [
        4016,
        "Sat Nov 21 2026 10:00:00 GMT+0200 (Central European Summer Time)",
        None,
        0,
        user_agent,
        None,
        "prod-test",
        "en-US",
        "en-US,es-US,en,es",
        0,
        "webdriver\u2212false",
        "location",
        "ontransitionend",
        1234.5,
        str(uuid.uuid4()),
        "",
        8,
        1795000000,
    ]


def solve(seed: str, difficulty: str, cfg: list[Any], limit: int = 2_000_000) -> str:
    """The hex-prefix PoW, as a plain loop over hashlib."""
    for i in range(limit):
        cfg[3], cfg[9] = i, i >> 1
        b = base64.b64encode(json.dumps(cfg, separators=(",", ":"), ensure_ascii=False).encode())
        if hashlib.sha3_512(seed.encode() + b).hexdigest()[: len(difficulty)] <= difficulty:
            return b.decode()
    raise AssertionError("not solved")


def parse_sse(data: bytes) -> list[tuple[str, str]]:
    """WHATWG-style event parsing: (event type, data) pairs."""
    events, name, lines = [], "", []
    for line in re.split(r"\r\n|\r|\n", data.decode("utf-8")):
        if line == "":
            if lines:
                events.append((name or "message", "\n".join(lines)))
            name, lines = "", []
        elif line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            name = line[6:].removeprefix(" ")
    return events


def text_of(events: list[tuple[str, str]]) -> str:
    """Assistant text from either stream format (tiny v1 applier / legacy cumulative parts)."""
    if events and events[0] == ("delta_encoding", '"v1"'):
        return _v1_text(events)
    text = ""
    for _, data in events:
        if data == "[DONE]":
            break
        try:
            obj = json.loads(data)
        except ValueError:
            continue
        msg = obj.get("message") if isinstance(obj, dict) else None
        if msg and msg["author"]["role"] == "assistant":
            text = msg["content"]["parts"][0]
    return text


def _v1_text(events: list[tuple[str, str]]) -> str:
    roles: dict[int, str] = {}
    out: list[str] = []
    c, p, o = 0, "", "add"
    for name, data in events:
        if name != "delta":
            continue
        try:
            d = json.loads(data)
        except ValueError:
            continue
        c, p, o = d.get("c", c), d.get("p", p), d.get("o", o)
        ops = d["v"] if o == "patch" else [{"p": p, "o": o, "v": d["v"]}]
        for op in ops:
            if op["p"] == "" and op["o"] == "add":
                roles[c] = op["v"]["message"]["author"]["role"]
                out_part = op["v"]["message"]["content"]["parts"][0]
                if roles[c] == "assistant":
                    out.append(out_part)
            elif (
                op["p"] == "/message/content/parts/0"
                and op["o"] == "append"
                and roles.get(c) == "assistant"
            ):
                out.append(op["v"])
    return "".join(out)


def requirements(
    client: httpx.Client, base: str, p: str | None = None
) -> tuple[str, dict[str, Any]]:
    client.get(base + "/").raise_for_status()
    if p is None:
        p = "gAAAAAC" + solve(str(random.random()), "0fffff", config())
    r = client.post(base + "/backend-anon/sentinel/chat-requirements", json={"p": p})
    assert r.status_code == 200, r.text
    return p, r.json()


def headers_for(p: str, req: dict[str, Any]) -> dict[str, str]:
    headers = {"openai-sentinel-chat-requirements-token": req["token"]}
    pow_ = req["proofofwork"]
    if pow_["required"]:
        headers["openai-sentinel-proof-token"] = "gAAAAAB" + solve(
            pow_["seed"], pow_["difficulty"], config()
        )
    if req["turnstile"]["required"]:
        headers["openai-sentinel-turnstile-token"] = process_turnstile(req["turnstile"]["dx"], p)
    return headers


def body(messages: list[dict[str, str]], model: str = "auto") -> dict[str, Any]:
    return {
        "action": "next",
        "messages": [
            {
                "id": str(uuid.uuid4()),
                "author": {"role": m["role"]},
                "content": {"content_type": "text", "parts": [m["content"]]},
                "metadata": {"serialization_metadata": {"custom_symbol_offsets": []}},
            }
            for m in messages
        ],
        "parent_message_id": str(uuid.uuid4()),
        "model": model,
        "timezone_offset_min": -120,
        "history_and_training_disabled": False,
        "conversation_mode": {"kind": "primary_assistant"},
        "websocket_request_id": str(uuid.uuid4()),
        "force_use_sse": True,
    }


def conversation(client: httpx.Client, base: str, messages: list[dict[str, str]]) -> httpx.Response:
    p, req = requirements(client, base)
    return client.post(
        base + "/backend-anon/conversation", json=body(messages), headers=headers_for(p, req)
    )


def _walk(doc: Any, path: str) -> tuple[Any, str]:
    """(parent container, last key) of a JSON pointer; the parent must exist."""
    keys = [k.replace("~1", "/").replace("~0", "~") for k in path.split("/")[1:]]
    node = doc
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, keys[-1]


def apply_v1(events: list[tuple[str, str]]) -> dict[int, Any]:
    """Applies every v1 delta strictly (paths must exist; replace needs an existing key)."""
    docs: dict[int, Any] = {}
    c, p, o = 0, "", "add"
    for name, data in events:
        if name != "delta":
            continue
        try:
            d = json.loads(data)
        except ValueError:
            continue
        c, p, o = d.get("c", c), d.get("p", p), d.get("o", o)
        ops = d["v"] if o == "patch" else [{"p": p, "o": o, "v": d["v"]}]
        for op in ops:
            if op["p"] == "":
                assert op["o"] == "add"
                docs[c] = op["v"]
                continue
            parent, key = _walk(docs[c], op["p"])
            index: Any = int(key) if isinstance(parent, list) else key
            if op["o"] == "append":
                if isinstance(parent[index], dict):
                    parent[index].update(op["v"])
                else:
                    parent[index] += op["v"]
            elif op["o"] == "replace":
                assert key in parent if isinstance(parent, dict) else True
                parent[index] = op["v"]
            else:
                raise AssertionError(f"unexpected op {op['o']}")
    return docs
