"""ChatGpt against its emulator: call styles, both stream formats, sentinel variants, faults."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import closing
from urllib.parse import urlsplit

import pytest

from fastg4f.emulators import Emulators, OfflineUrls, expected_answer
from fastg4f.errors import (
    CloudflareError,
    ConnectionError,
    ModelNotFoundError,
    ProofOfWorkError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from fastg4f.providers import ChatGpt
from fastg4f.providers.ChatGpt import ModelNotAvailableError
from tests.providers._calls import STYLES, call
from tests.servers import ForwardProxy, Handler, LocalServer

MESSAGES = [
    {"role": "system", "content": "Antworte kurz. 简短回答。"},
    {"role": "user", "content": "Grüß dich — wie geht's? 你好 🚀"},
]
LONG_HISTORY = [{"role": "system", "content": "sys ✓"}] + [
    {"role": "user" if i % 2 == 0 else "assistant", "content": f"Nachricht {i} — 消息 {i} " * 20}
    for i in range(61)
]


def expected(messages: list[dict[str, str]]) -> str:
    return expected_answer("ChatGpt", messages)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("stream_format", ["v1", "legacy"])
def test_exact_answer(emu: Emulators, style: str, stream: bool, stream_format: str) -> None:
    emu.configure("ChatGpt", stream_format=stream_format)
    chunks = call(ChatGpt, style, MESSAGES, stream=stream, pause=0)
    assert "".join(chunks) == expected(MESSAGES)
    if not stream or style == "async":
        assert len(chunks) == 1


@pytest.mark.parametrize("style", STYLES)
def test_long_history_crlf_tiny_chunks(emu: Emulators, style: str) -> None:
    emu.configure("ChatGpt", line_ending="\r\n", chunk_max=3)
    assert "".join(call(ChatGpt, style, LONG_HISTORY, pause=0)) == expected(LONG_HISTORY)


@pytest.mark.parametrize("pow_required", [True, False])
@pytest.mark.parametrize("turnstile_required", [True, False])
def test_sentinel_variants(emu: Emulators, pow_required: bool, turnstile_required: bool) -> None:
    # g4f crashed when either was not required (UnboundLocalError / get_answer_token(None, …)).
    emu.configure(
        "ChatGpt",
        pow_required=pow_required,
        turnstile_required=turnstile_required,
        turnstile_stages=1,
    )
    assert "".join(call(ChatGpt, "async", MESSAGES, pause=0)) == expected(MESSAGES)


def test_two_stage_turnstile_and_hard_pow(emu: Emulators) -> None:
    emu.configure("ChatGpt", difficulty="0003a1", turnstile_stages=2)
    assert "".join(call(ChatGpt, "sync", MESSAGES, pause=0)) == expected(MESSAGES)


def test_pow_budget_is_enforced(emu: Emulators) -> None:
    emu.configure("ChatGpt", difficulty="000000001")
    with pytest.raises(ProofOfWorkError, match="not solved"):
        call(ChatGpt, "async", MESSAGES, pause=0, pow_max_attempts=1000)
    with pytest.raises(TimeoutError):
        call(ChatGpt, "async", MESSAGES, pause=0, pow_timeout=0.05)


def test_models_and_aliases(urls: OfflineUrls) -> None:
    # A listed name wins over an alias (base-class semantics, as g4f's own get_model).
    call(ChatGpt, "async", MESSAGES, model="gpt-4o", pause=0)
    assert ChatGpt.last_model == "gpt-4o"
    call(ChatGpt, "async", MESSAGES, model="chatgpt-4o-latest", pause=0)
    assert ChatGpt.last_model == "chatgpt-4o-latest"
    call(ChatGpt, "async", MESSAGES, model="", pause=0)
    assert ChatGpt.last_model == "auto"
    # An unknown name runs with the default model (the one rule of every provider).
    call(ChatGpt, "async", MESSAGES, model="gpt-9", pause=0)
    assert ChatGpt.last_model == "auto"


def test_alias_to_an_unlisted_model_is_not_available(
    urls: OfflineUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChatGpt, "model_aliases", {"gpt-9": "gpt-9-unlisted"})
    for style in STYLES:
        with pytest.raises(ValueError, match="Model 'gpt-9' is not available") as info:
            call(ChatGpt, style, MESSAGES, model="gpt-9", pause=0)
        assert isinstance(info.value, ModelNotAvailableError)
        assert isinstance(info.value, ModelNotFoundError)


async def test_pause_is_awaited_without_blocking(urls: OfflineUrls) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    start = time.monotonic()
    try:
        answer = await asyncio.wait_for(ChatGpt.create_async("", MESSAGES, pause=0.3), 30)
    finally:
        done.set()
        await task
    assert answer == expected(MESSAGES)
    assert time.monotonic() - start >= 0.3
    assert ticks >= 10  # the loop kept running during the pause and the flow
    with pytest.raises(ValueError, match="pause"):
        await ChatGpt.create_async("", MESSAGES, pause=-1)


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        ("rate_limit", RateLimitError, "Too many requests"),
        ("unusual_activity", RateLimitError, "Unusual activity"),
        ("cloudflare", CloudflareError, "Cloudflare"),
    ],
)
@pytest.mark.parametrize("fault_on", ["requirements", "conversation"])
def test_http_faults(
    emu: Emulators, fault: str, error: type[Exception], text: str, fault_on: str
) -> None:
    # g4f returned silently (no text, no error) for every one of these.
    emu.configure("ChatGpt", fault=fault, fault_on=fault_on)
    with pytest.raises(error, match=text) as info:
        call(ChatGpt, "async_gen", MESSAGES, pause=0)
    path = "sentinel/chat-requirements" if fault_on == "requirements" else "conversation"
    assert f"backend-anon/{path}" in str(info.value)


@pytest.mark.parametrize("style", STYLES)
def test_connection_dropped_mid_stream(emu: Emulators, style: str) -> None:
    emu.configure("ChatGpt", fault="drop")
    with pytest.raises(ConnectionError, match="answer stream broke after"):
        call(ChatGpt, style, MESSAGES, pause=0)


def test_malformed_line_is_reported(emu: Emulators, caplog: pytest.LogCaptureFixture) -> None:
    emu.configure("ChatGpt", fault="malformed")
    with caplog.at_level(logging.WARNING, logger="fastg4f.providers.ChatGpt"):
        assert "".join(call(ChatGpt, "sync", MESSAGES, pause=0)) == expected(MESSAGES)
    assert any("bad line" in r.getMessage() and "broken" in r.getMessage() for r in caplog.records)


def test_requirements_token_carries_the_user_agent(emu: Emulators) -> None:
    # The emulator then refuses a requirements token whose config[4] differs from User-Agent.
    emu.configure("ChatGpt", check_user_agent=True)
    saved = ChatGpt.user_agent
    ChatGpt.user_agent = "Mozilla/5.0 (X11; Linux x86_64) Test/1.0"
    try:
        assert "".join(call(ChatGpt, "async", MESSAGES, pause=0)) == expected(MESSAGES)
    finally:
        ChatGpt.user_agent = saved


def test_closing_the_generator_early(emu: Emulators) -> None:
    emu.configure("ChatGpt", chunk_max=1)
    with closing(ChatGpt.create_completion("", MESSAGES, True, pause=0, timeout=10)) as gen:
        first = next(gen)
    assert expected(MESSAGES).startswith(first)
    assert "".join(call(ChatGpt, "sync", MESSAGES, pause=0)) == expected(MESSAGES)


def test_proxy_cookies_and_path_prefix(urls: OfflineUrls, forward_proxy: ForwardProxy) -> None:
    answer = call(
        ChatGpt, "async", MESSAGES, pause=0, proxy=forward_proxy.base, cookies={"mine": "ä1"}
    )
    assert answer == [expected(MESSAGES)]
    seen = [(method, url) for method, url, _ in forward_proxy.requests]
    prefix = urls["ChatGpt"]
    assert seen == [
        ("GET", prefix + "/"),
        ("POST", prefix + "/backend-anon/sentinel/chat-requirements"),
        ("POST", prefix + "/backend-anon/conversation"),
    ]
    for _, _, headers in forward_proxy.requests:
        cookie = {k.lower(): v for k, v in headers.items()}.get("cookie", "")
        assert "mine=" in cookie


def test_url_without_the_prefix_misses(urls: OfflineUrls) -> None:
    base = urlsplit(urls["ChatGpt"])
    ChatGpt.url = f"{base.scheme}://{base.netloc}/elsewhere"
    with pytest.raises(ResponseStatusError, match="404"):
        call(ChatGpt, "async", MESSAGES, pause=0)


def fake_chatgpt(requirements: dict[str, object], conversation: bytes) -> LocalServer:
    """A minimal chatgpt.com double with fixed answers (ones the emulator never gives)."""

    def answer_requirements(h: Handler) -> None:
        h.body()
        h.send_json(200, requirements)

    def answer_conversation(h: Handler) -> None:
        h.body()
        h.send(200, conversation, "text/event-stream")

    return LocalServer(
        {
            "/x/": lambda h: h.send(200, "<html data-build='prod-1'></html>", "text/html"),
            "/x/backend-anon/sentinel/chat-requirements": answer_requirements,
            "/x/backend-anon/conversation": answer_conversation,
        }
    )


NO_SENTINEL = {"token": "t0k", "proofofwork": {"required": False}, "turnstile": {"required": False}}
LEGACY_PART = b'data: {"message": {"author": {"role": "assistant"}, "recipient": "all", "content": {"content_type": "text", "parts": ["Hal"]}, "status": "in_progress"}}\n\n'  # noqa: E501


@pytest.mark.parametrize(
    ("requirements", "conversation", "error", "text"),
    [
        (
            {"detail": "Unusual activity has been detected from your device."},
            b"",
            RateLimitError,
            "bot-like",
        ),
        ({"persona": "x"}, b"", ResponseError, "without a token"),
        ({**NO_SENTINEL, "proofofwork": {"required": True}}, b"", ProofOfWorkError, "seed"),
        (NO_SENTINEL, b'{"detail": "changed"}', ResponseError, "carried no answer text"),
        (NO_SENTINEL, b'data: {"error": "overloaded"}\n\n', ResponseError, "overloaded"),
        (NO_SENTINEL, LEGACY_PART, ConnectionError, "ended before the answer was complete"),
    ],
    ids=["unusual-200", "no-token", "no-seed", "not-sse", "error-event", "truncated"],
)
def test_answers_the_emulator_never_gives(
    requirements: dict[str, object], conversation: bytes, error: type[Exception], text: str
) -> None:
    with fake_chatgpt(requirements, conversation) as site:
        saved = ChatGpt.__dict__["url"]
        ChatGpt.url = site.url("/x")
        try:
            with pytest.raises(error, match=text):
                call(ChatGpt, "async_gen", MESSAGES, pause=0)
        finally:
            ChatGpt.url = saved
