"""The ChatGpt emulator: chatgpt.com's anonymous backend, legacy single-step sentinel flow."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from string import hexdigits
from typing import Any, Literal

from fastg4f.emulators._common import (
    UNUSUAL_ACTIVITY,
    EmulatorBase,
    EmulatorOptions,
    expected_answer,
)
from fastg4f.emulators._http import (
    ConnectionDropped,
    Request,
    Response,
    StreamResponse,
    json_response,
)
from fastg4f.turnstile import encode_program, xor_str

__all__ = [
    "ChatGptEmulator",
    "ChatGptOptions",
    "build_turnstile_challenge",
    "check_requirements_token",
    "verify_proof_token",
]

REQUIREMENTS_PREFIX = "gAAAAAC"
PROOF_PREFIX = "gAAAAAB"
DATA_BUILD = "prod-3f9a1c7e5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"
STAGE2_KEY = 96.48  # float literal key, as in real second-stage challenges (to_str → "96.48")


@dataclass
class ChatGptOptions(EmulatorOptions):
    """ChatGpt emulator knobs (plus the common :class:`EmulatorOptions`).

    Attributes:
        pow_required: Send ``proofofwork.required = true`` and check the proof token.
        difficulty: Hex difficulty string issued with the PoW (smaller = harder). The proof is
            accepted when ``hex(sha3_512(seed + token[7:]))[:len(difficulty)] <= difficulty``
            (either case; compared in lower case).
        turnstile_required: Send a turnstile program and check the answer.
        turnstile_stages: 1 = a single-stage program; 2 = the program decodes a second stage
            into register 9 (only a queue-semantics VM reaches the resolve call).
        stream_format: ``"v1"`` (delta encoding) or ``"legacy"`` (cumulative parts). A client
            that does not send ``"supported_encodings": ["v1"]`` still gets this format.
        chunk_max: Largest chunk written to the socket; events are split at random points
            (seeded by the request) into chunks of 1..chunk_max bytes.
        chunk_delay: Seconds between two chunks of the conversation stream (0..10; a slow
            stream for demos and stop/cancel tests; shutdown interrupts it).
        line_ending: ``"\\n"`` or ``"\\r\\n"`` between SSE lines.
        token_ttl: Seconds a chat-requirements token stays valid (single use, bound to oai-did).
        check_user_agent: Require requirements-token element ``[4]`` to equal the User-Agent.
        fault_on: Which API request the HTTP faults (``rate_limit``, ``unusual_activity``,
            ``cloudflare``, ``hang``) hit: ``"requirements"`` or ``"conversation"``. The stream
            faults (``drop``, ``malformed``) always hit the conversation stream.
    """

    pow_required: bool = True
    difficulty: str = "0fffff"
    turnstile_required: bool = True
    turnstile_stages: int = 2
    stream_format: Literal["v1", "legacy"] = "v1"
    chunk_max: int = 97
    chunk_delay: float = 0.0
    line_ending: str = "\n"
    token_ttl: float = 540.0
    check_user_agent: bool = False
    fault_on: Literal["requirements", "conversation"] = "requirements"

    def validate(self) -> None:
        super().validate()
        if not self.difficulty or any(c not in hexdigits for c in self.difficulty):
            raise ValueError(
                f"difficulty must be a non-empty hex string such as '0fffff', "
                f"got {self.difficulty!r}"
            )
        if self.turnstile_stages not in (1, 2):
            raise ValueError("turnstile_stages must be 1 or 2")
        if self.stream_format not in ("v1", "legacy"):
            raise ValueError("stream_format must be 'v1' or 'legacy'")
        if not 1 <= self.chunk_max <= 1 << 20:
            raise ValueError("chunk_max must be between 1 and 1048576")
        if not 0 <= self.chunk_delay <= 10:
            raise ValueError("chunk_delay must be between 0 and 10 seconds")
        if self.line_ending not in ("\n", "\r\n"):
            raise ValueError("line_ending must be '\\n' or '\\r\\n'")
        if self.fault_on not in ("requirements", "conversation"):
            raise ValueError("fault_on must be 'requirements' or 'conversation'")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")


def check_requirements_token(p: Any, user_agent: str | None = None) -> str | None:
    """Structural check of a requirements token; returns the problem or ``None`` when valid.

    Checked: prefix ``gAAAAAC``; the rest is standard base64 of UTF-8 JSON; a list of 15 to 25
    elements (the client generations seen); element 3 (the nonce) a non-negative integer; with
    ``user_agent``, element 4 equals it. The PoW of ``p`` is not checkable (its seed is private).
    """
    if not isinstance(p, str) or not p.startswith(REQUIREMENTS_PREFIX):
        return "requirements token must be a string starting with 'gAAAAAC'"
    try:
        config = json.loads(base64.b64decode(p[len(REQUIREMENTS_PREFIX) :], validate=True))
    except (binascii.Error, ValueError):
        return "requirements token is not base64 of a JSON document"
    if not isinstance(config, list) or not 15 <= len(config) <= 25:
        return "requirements token config must be a JSON list of 15..25 elements"
    nonce = config[3]
    if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
        return "requirements token config[3] must be the non-negative integer nonce"
    if user_agent is not None and config[4] != user_agent:
        return "requirements token config[4] does not match the User-Agent header"
    return None


def verify_proof_token(token: str, seed: str, difficulty: str) -> bool:
    """Pure-Python check of a proof token (hex-prefix rule, PROTOCOLS.md §1.4.3 (a))."""
    if not token.startswith(PROOF_PREFIX):
        return False
    answer = token[len(PROOF_PREFIX) :]
    digest = hashlib.sha3_512((seed + answer).encode("utf-8")).hexdigest()
    return digest[: len(difficulty)] <= difficulty.lower()


def build_turnstile_challenge(p: str, stages: int, rng: random.Random) -> tuple[str, str]:
    """Builds a turnstile ``dx`` for requirements token ``p``; returns ``(dx, expected_token)``.

    The program XOR-decodes a random secret, appends ``p`` (register 16), base64-encodes the
    string and resolves it through an aliased call; decoys sit behind conditions that are false.
    With ``stages=2`` the resolving part is a second-stage program, XOR'd with a float key and
    loaded into register 9. The expected token is computed independently of any VM:
    ``base64(utf8(base64(utf8(secret + p))))``.
    """
    secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))
    key = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(7))
    regs = rng.sample(range(100, 999), 8)
    r = [x + rng.choice((0.16, 0.25, 0.48, 0.71)) for x in regs]
    copy_op, data, keyreg, pcopy, resolve, cmp_a, cmp_b, decoy = r
    tail: list[list[Any]] = [
        [8, pcopy, 16],  # p
        [copy_op, resolve, 3],  # alias resolve
        [2, cmp_a, "x"],
        [2, cmp_b, "y"],
        [2, decoy, "decoy-answer"],
        [20, cmp_a, cmp_b, resolve, decoy],  # false: not called
        [23, 4, resolve, "decoy"],  # register 4 unset: not called
        [5, data, pcopy],  # secret + p
        [19, data],  # btoa
        [7, resolve, data],  # resolve(r[data])
    ]
    head: list[list[Any]] = [
        [8, copy_op, 8],  # alias the copy op
        [2, data, xor_str(secret, key)],
        [2, keyreg, key],
        [1, data, keyreg],  # data = secret
        [17, r[0] + 1000, 10],  # calls "window": not callable, result undefined
    ]
    if stages == 1:
        program = head + tail
    else:
        stage2 = json.dumps(tail, separators=(",", ":"))
        packed = base64.b64encode(xor_str(stage2, format(STAGE2_KEY, ".16g")).encode()).decode()
        holder, kreg = r[6] + 2000, r[7] + 2000
        program = [
            *head,
            [2, holder, packed],
            [18, holder],  # atob
            [2, kreg, STAGE2_KEY],
            [1, holder, kreg],  # xor with "96.48"
            [14, 9, holder],  # load stage 2 into the queue
        ]
    expected = base64.b64encode(base64.b64encode((secret + p).encode())).decode()
    return encode_program(program, p), expected


@dataclass
class _Grant:
    did: str
    expires: float
    seed: str | None
    difficulty: str | None
    turnstile: str | None


class ChatGptEmulator(EmulatorBase):
    """Serves ``GET /``, ``POST /backend-anon/sentinel/chat-requirements`` and ``/conversation``."""

    name = "ChatGpt"

    def __init__(self, options: ChatGptOptions, closing: Any) -> None:
        super().__init__(closing)
        self.options: ChatGptOptions = options
        self.options.validate()
        self._grants: dict[str, _Grant] = {}
        self._rng = random.Random()

    # -- routing -----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | StreamResponse:
        page = request.method == "GET"
        if request.path == "/backend-anon/conversation":
            target = "conversation"
        elif request.path == "/backend-anon/sentinel/chat-requirements":
            target = "requirements"
        else:
            target = "page"
        fault = self.peek_fault()
        if fault in ("drop", "malformed"):
            applies = target == "conversation"
        else:
            applies = target == self.options.fault_on or (page and target == "page")
        fault = self.take_fault(page) if applies else None
        self.pause()
        faulted = self.http_fault(fault)
        if faulted is not None:
            return faulted
        if request.path in ("/", "") and request.method == "GET":
            return self._page(request)
        if request.path == "/backend-anon/sentinel/chat-requirements":
            if request.method != "POST":
                return _error(405, "Method Not Allowed")
            return self._requirements(request)
        if request.path == "/backend-anon/conversation":
            if request.method != "POST":
                return _error(405, "Method Not Allowed")
            return self._conversation(request, fault)
        return _error(404, "Not Found")

    def _page(self, request: Request) -> Response:
        headers = []
        if "oai-did" not in request.cookies:
            headers.append(
                ("set-cookie", f"oai-did={uuid.uuid4()}; Path=/; Max-Age=31536000; SameSite=Lax")
            )
        headers.append(
            ("set-cookie", f"__cf_bm={secrets.token_urlsafe(32)}; Path=/; Max-Age=1800; HttpOnly")
        )
        headers.append(
            ("set-cookie", f"_cfuvid={secrets.token_hex(20)}-{int(time.time())}; Path=/; HttpOnly")
        )
        html = (
            f'<!DOCTYPE html><html lang="en-US" data-build="{DATA_BUILD}" data-seq="1">'
            '<head><meta charset="utf-8"><title>ChatGPT</title>'
            '<script src="/cdn/assets/manifest-4a7b.js"></script></head>'
            '<body><div id="__next">ChatGPT</div></body></html>'
        )
        return Response(200, html.encode(), "text/html; charset=utf-8", headers)

    # -- sentinel ------------------------------------------------------------------------------
    def _requirements(self, request: Request) -> Response:
        did = request.cookies.get("oai-did")
        if not did:
            return _error(401, "Missing oai-did cookie: load the site page first to get it.")
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _validation(["body"], "Input should be a valid JSON object", "json_invalid")
        if not isinstance(body, dict) or "p" not in body:
            return _validation(["body", "p"], "Field required", "missing")
        p = body["p"]
        if p is not None:
            ua = request.headers.get("user-agent", "") if self.options.check_user_agent else None
            problem = check_requirements_token(p, ua)
            if problem is not None:
                return _error(403, f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})", reason=problem)
        o = self.options
        token = "gAAAAAB" + base64.urlsafe_b64encode(b"\x80" + secrets.token_bytes(71)).decode()
        seed = str(self._rng.random()) if o.pow_required else None
        dx, answer = (None, None)
        if o.turnstile_required:
            dx, answer = build_turnstile_challenge(
                p or "", o.turnstile_stages, random.Random(token)
            )
        now = time.time()
        with self.lock:
            self._grants = {k: g for k, g in self._grants.items() if g.expires > now}
            self._grants[token] = _Grant(
                did, now + o.token_ttl, seed, o.difficulty if o.pow_required else None, answer
            )
        result: dict[str, Any] = {
            "persona": "chatgpt-noauth",
            "token": token,
            "expire_after": int(o.token_ttl),
            "expire_at": int(now + o.token_ttl),
            "force_login": False,
            "arkose": {"required": False, "dx": None},
            "turnstile": {"required": True, "dx": dx} if dx is not None else {"required": False},
            "proofofwork": (
                {"required": True, "seed": seed, "difficulty": o.difficulty}
                if seed is not None
                else {"required": False}
            ),
        }
        return json_response(200, result)

    # -- conversation --------------------------------------------------------------------------
    def _conversation(self, request: Request, fault: str | None) -> Response | StreamResponse:
        did = request.cookies.get("oai-did")
        if not did:
            return _error(401, "Missing oai-did cookie: load the site page first to get it.")
        token = request.headers.get("openai-sentinel-chat-requirements-token", "")
        now = time.time()
        with self.lock:
            grant = self._grants.get(token)
            if grant is not None and grant.did == did:
                del self._grants[token]  # single use
        if grant is None:
            return _error(
                403,
                f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})",
                reason="unknown, used or missing openai-sentinel-chat-requirements-token",
            )
        if grant.did != did:
            return _error(
                403,
                f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})",
                reason="chat-requirements token was issued to another oai-did",
            )
        if grant.expires <= now:
            return _error(
                403,
                f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})",
                reason="chat-requirements token expired",
            )
        if grant.seed is not None and grant.difficulty is not None:
            proof = request.headers.get("openai-sentinel-proof-token", "")
            if not verify_proof_token(proof, grant.seed, grant.difficulty):
                return _error(
                    403,
                    f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})",
                    reason="missing or invalid openai-sentinel-proof-token",
                )
        if grant.turnstile is not None:
            answer = request.headers.get("openai-sentinel-turnstile-token", "")
            if answer != grant.turnstile:
                return _error(
                    403,
                    f"{UNUSUAL_ACTIVITY} ({secrets.token_hex(8)})",
                    reason="missing or wrong openai-sentinel-turnstile-token",
                )
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _validation(["body"], "Input should be a valid JSON object", "json_invalid")
        parsed = _parse_conversation(body)
        if isinstance(parsed, Response):
            return parsed
        messages, model = parsed
        answer_text = expected_answer("ChatGpt", messages)
        return self._stream(answer_text, messages, model, fault)

    def _stream(
        self, text: str, messages: list[dict[str, str]], model: str, fault: str | None
    ) -> StreamResponse:
        o = self.options
        seed = hashlib.sha256(json.dumps(messages).encode()).digest()
        rng = random.Random(seed)
        conv_id = str(uuid.UUID(bytes=seed[:16], version=4))
        events = (
            _v1_events(text, messages, model, conv_id, rng)
            if o.stream_format == "v1"
            else _legacy_events(text, messages, model, conv_id, rng)
        )
        nl = o.line_ending
        blob = "".join(
            (f"event: {name}{nl}" if name else "") + f"data: {data}{nl}{nl}"
            for name, data in events
        ).encode("utf-8")
        if fault == "malformed":
            boundary = (nl + nl).encode()
            cut = blob.find(boundary, len(blob) // 2) + len(boundary)
            bad = f'data: {{"v": "broken{nl}{nl}'.encode()
            blob = blob[:cut] + bad + blob[cut:]
        pieces: list[bytes] = []
        pos = 0
        while pos < len(blob):
            size = rng.randint(1, o.chunk_max)
            pieces.append(blob[pos : pos + size])
            pos += size
        drop_at = len(pieces) // 2 if fault == "drop" else None
        closing = self.closing

        def writer(write: Callable[[bytes], None]) -> None:
            for i, piece in enumerate(pieces):
                if closing.is_set():
                    raise ConnectionDropped
                if drop_at is not None and i == drop_at:
                    raise ConnectionDropped
                if i and o.chunk_delay:
                    closing.wait(o.chunk_delay)
                write(piece)

        return StreamResponse(writer, headers=[("x-conversation-id", conv_id)])


def _error(status: int, detail: Any, *, reason: str | None = None) -> Response:
    headers = [("x-emulator-reason", reason)] if reason else []
    return json_response(status, {"detail": detail}, headers)


def _validation(loc: list[str], msg: str, kind: str) -> Response:
    return json_response(
        422,
        {"detail": [{"loc": loc, "msg": msg, "type": kind}]},
        [("x-emulator-reason", f"{'.'.join(loc)}: {msg}")],
    )


def _parse_conversation(body: Any) -> tuple[list[dict[str, str]], str] | Response:
    """Checks the conversation body (PROTOCOLS.md §1.6); returns (messages, model) or a 422."""
    if not isinstance(body, dict):
        return _validation(["body"], "Input should be a valid JSON object", "dict_type")
    if body.get("action") != "next":
        return _validation(["body", "action"], "Input should be 'next'", "literal_error")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return _validation(["body", "model"], "Field required (a model slug string)", "missing")
    if not isinstance(body.get("parent_message_id"), str):
        return _validation(
            ["body", "parent_message_id"], "Field required (a uuid string)", "missing"
        )
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        return _validation(["body", "messages"], "Input should be a non-empty list", "list_type")
    messages: list[dict[str, str]] = []
    for i, m in enumerate(raw):
        loc = ["body", "messages", str(i)]
        if not isinstance(m, dict):
            return _validation(loc, "Input should be an object", "dict_type")
        author = m.get("author")
        role = author.get("role") if isinstance(author, dict) else None
        if role not in ("user", "assistant", "system"):
            return _validation(
                [*loc, "author", "role"], "Input should be 'user', 'assistant' or 'system'", "enum"
            )
        content = m.get("content")
        if not isinstance(content, dict) or content.get("content_type") not in (
            "text",
            "multimodal_text",
        ):
            return _validation(
                [*loc, "content", "content_type"],
                "Input should be 'text' or 'multimodal_text'",
                "enum",
            )
        parts = content.get("parts")
        if not isinstance(parts, list):
            return _validation([*loc, "content", "parts"], "Input should be a list", "list_type")
        text = "".join(part for part in parts if isinstance(part, str))
        messages.append({"role": role, "content": text})
    if not any(m["role"] == "user" for m in messages):
        return _validation(
            ["body", "messages"], "The conversation needs a user message", "value_error"
        )
    return messages, model


def split_text(text: str, rng: random.Random, longest: int = 6) -> list[str]:
    """``text`` cut into pieces of 1 to ``longest`` characters (lengths drawn from ``rng``)."""
    out, pos = [], 0
    while pos < len(text):
        n = rng.randint(1, longest)
        out.append(text[pos : pos + n])
        pos += n
    return out


# -- ChatGPT v1 stream builders (shared by the emulator, the tests and the benchmarks) ---------

TEXT_PATH = "/message/content/parts/0"
"""The JSON pointer of the answer text in a v1 message document."""


def message(
    mid: str,
    role: str,
    text: str = "",
    *,
    model: str = "gpt-4o",
    status: str = "in_progress",
    recipient: str | None = "all",
    channel: str | None = None,
    content_type: str = "text",
    hidden: bool = False,
    end_turn: bool | None = None,
    create_time: float = 1732000000.5,
) -> dict[str, Any]:
    """A ``message`` object as both stream formats carry it."""
    metadata: dict[str, Any] = {"message_type": "next", "model_slug": model, "finish_details": None}
    if hidden:
        metadata["is_visually_hidden_from_conversation"] = True
    if role == "assistant":  # present so that the late v1 "replace" targets an existing key
        metadata["conversation_followup_suggestions_eligible"] = False
    return {
        "id": mid,
        "author": {"role": role, "name": None, "metadata": {}},
        "create_time": create_time,
        "update_time": None,
        "content": {"content_type": content_type, "parts": [text]},
        "status": status,
        "end_turn": end_turn,
        "weight": 0.0 if hidden else 1.0,
        "metadata": metadata,
        "recipient": recipient,
        "channel": channel,
    }


def v1_answer_deltas(pieces: list[str]) -> list[dict[str, Any]]:
    """The answer text as v1 deltas: the first names path and op, the rest carry them forward."""
    return [
        {"p": TEXT_PATH, "o": "append", "v": piece} if i == 0 else {"v": piece}
        for i, piece in enumerate(pieces)
    ]


def v1_finish_patch(last_piece: str | None) -> dict[str, Any]:
    """The closing ``patch`` delta: the last piece of text (if any), status, end of turn."""
    batch: list[dict[str, Any]] = []
    if last_piece is not None:
        batch.append({"p": TEXT_PATH, "o": "append", "v": last_piece})
    batch += [
        {"p": "/message/status", "o": "replace", "v": "finished_successfully"},
        {"p": "/message/end_turn", "o": "replace", "v": True},
        {
            "p": "/message/metadata",
            "o": "append",
            "v": {"is_complete": True, "finish_details": {"type": "stop", "stop_tokens": [200002]}},
        },
    ]
    return {"p": "", "o": "patch", "v": batch}


def _js(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))  # \uXXXX escapes, as in captures


def _marker(conv_id: str, message_id: str, marker: str, event: str) -> tuple[None, str]:
    return None, _js(
        {
            "type": "message_marker",
            "conversation_id": conv_id,
            "message_id": message_id,
            "marker": marker,
            "event": event,
        }
    )


def _v1_opening(
    user_text: str, model: str, conv_id: str, assistant: dict[str, Any], pad: Callable[[], str]
) -> list[tuple[str | None, str]]:
    """Encoding, resume token, the system/user/assistant messages, the first-token marker."""
    now = round(time.time(), 3)
    system = message(
        str(uuid.uuid4()), "system", model=model, status="finished_successfully", hidden=True
    )
    user = message(
        str(uuid.uuid4()), "user", user_text, model=model, status="finished_successfully"
    )
    system["create_time"] = user["create_time"] = now
    envelope = {"conversation_id": conv_id, "error": None, "error_code": None}
    token = {"type": "resume_conversation_token", "kind": "topic", "conversation_id": conv_id}
    return [
        ("delta_encoding", '"v1"'),
        (None, _js({**token, "token": secrets.token_urlsafe(24)})),
        ("delta", _js({"p": "", "o": "add", "v": {"message": system, **envelope}, "c": 0}) + pad()),
        ("delta", _js({"v": {"message": user, **envelope}, "c": 1}) + pad()),
        (None, _js({"type": "input_message", "input_message": user, "conversation_id": conv_id})),
        ("delta", _js({"v": {"message": assistant, **envelope}, "c": 2}) + pad()),
        _marker(conv_id, assistant["id"], "user_visible_token", "first"),
    ]


def _v1_closing(
    last: str | None, model: str, conv_id: str, message_id: str, pad: Callable[[], str]
) -> list[tuple[str | None, str]]:
    """The closing patch, the late metadata replace, the last-token marker and the end."""
    late = "/message/metadata/conversation_followup_suggestions_eligible"
    metadata = {"type": "server_ste_metadata", "metadata": {"model_slug": model}}
    return [
        ("delta", _js(v1_finish_patch(last)) + pad()),
        ("delta", _js({"p": late, "o": "replace", "v": True})),
        _marker(conv_id, message_id, "last_token", "last"),
        (None, _js({**metadata, "conversation_id": conv_id})),
        (None, _js({"type": "message_stream_complete", "conversation_id": conv_id})),
        (None, "[DONE]"),
    ]


def _v1_events(
    text: str, messages: list[dict[str, str]], model: str, conv_id: str, rng: random.Random
) -> list[tuple[str | None, str]]:
    def pad() -> str:
        return " " * rng.randint(0, 7)

    user_text = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    assistant = message(
        str(uuid.uuid4()), "assistant", model=model, channel="final", create_time=time.time()
    )
    events = _v1_opening(user_text, model, conv_id, assistant, pad)
    pieces = split_text(text, rng)
    last = pieces.pop() if len(pieces) > 1 else None
    title = {"type": "title_generation", "title": "Emulated chat ✓", "conversation_id": conv_id}
    for i, delta in enumerate(v1_answer_deltas(pieces)):
        events.append(("delta", _js(delta) + pad()))
        if i == 2:
            events.append((None, _js(title)))
    return events + _v1_closing(last, model, conv_id, assistant["id"], pad)


def _legacy_events(
    text: str, messages: list[dict[str, str]], model: str, conv_id: str, rng: random.Random
) -> list[tuple[str | None, str]]:
    def frame(msg: dict[str, Any]) -> tuple[None, str]:
        # Python-default separators, raw UTF-8.
        body = {"message": msg, "conversation_id": conv_id, "error": None}
        return None, json.dumps(body, ensure_ascii=False)

    def msg(mid: str, role: str, text: str, status: str, **kw: Any) -> dict[str, Any]:
        channel = "final" if role == "assistant" else None
        return message(
            mid, role, text, model=model, status=status, channel=channel,
            create_time=round(time.time(), 3), **kw,
        )  # fmt: skip

    user_text = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    done = "finished_successfully"
    events = [
        frame(msg(str(uuid.uuid4()), "system", "", done, hidden=True)),
        frame(msg(str(uuid.uuid4()), "user", user_text, done)),
    ]
    msg_id = str(uuid.uuid4())
    so_far = ""
    for piece in split_text(text, rng):
        so_far += piece
        events.append(frame(msg(msg_id, "assistant", so_far, "in_progress")))
    final = msg(msg_id, "assistant", text, done, end_turn=True)
    final["metadata"]["finish_details"] = {"type": "stop", "stop_tokens": [100260]}
    title = {"type": "title_generation", "title": "Emulated chat ✓", "conversation_id": conv_id}
    return [*events, frame(final), (None, json.dumps(title, ensure_ascii=False)), (None, "[DONE]")]
