"""The OpenAI-compatible server: a real uvicorn server, the official openai SDK and plain httpx."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastg4f.api import Limits, create_app
from fastg4f.api.app import chunk_data, content_frame
from fastg4f.api.generate import sse
from fastg4f.client.stubs import ChatCompletionChunk
from fastg4f.errors import RateLimitError
from tests.api.conftest import serve
from tests.toy_providers import ToySync, ToyWhole, answer_text, answer_words, make_provider

MESSAGES = [{"role": "user", "content": "Grüße, 世界"}]
WAIT = 10.0


class Boom(Exception):
    pass


# One server for the tests that do not need fresh probes.
ECHO = make_provider("Echo", models=("toy-1", "gpt-4o"))
WHOLE = make_provider("Whole", base=ToyWhole, models=("whole-1",), default_model="whole-1")
LIMITED = make_provider(
    "Limited", models=("limited",), default_model="limited", fail=RateLimitError("slow down")
)
BROKEN = make_provider("Broken", models=("broken",), default_model="broken", fail=Boom("kaput"))
MIDWAY = make_provider("Midway", models=("midway",), default_model="midway", fail=Boom("cut"))
MIDWAY.fail_after = 2
OFF = make_provider("Off", models=("off-1",), default_model="off-1", working=False)
SLOW = make_provider("Slow", models=("slow",), default_model="slow", first_delay=30)
PROVIDERS = [ECHO, WHOLE, LIMITED, BROKEN, MIDWAY, OFF, SLOW]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = create_app(
        PROVIDERS,
        route_timeout=0.3,
        limits=Limits(max_body_bytes=64 * 1024, max_messages=8, max_message_chars=1000),
    )
    with serve(app) as url:
        yield url


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0) as client:
        yield client


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=WAIT) as client:
        yield client


def sse_events(text: str) -> list[str]:
    assert text.endswith("\n\n")
    events = text[:-2].split("\n\n")
    assert all(e.startswith("data: ") for e in events)
    return [e[len("data: ") :] for e in events]


# ---------------------------------------------------------------- openai SDK


def test_sdk_completion(sdk: openai.OpenAI) -> None:
    response = sdk.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    assert response.choices[0].message.content == answer_text("Echo", "gpt-4o", MESSAGES)
    assert response.choices[0].message.role == "assistant"
    assert response.choices[0].finish_reason == "stop"
    assert response.object == "chat.completion" and response.model == "gpt-4o"
    assert response.model_extra is not None and response.model_extra["provider"] == "Echo"
    assert response.usage is not None and response.usage.total_tokens > 0


def test_sdk_stream(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    usage_chunk = chunks.pop()
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens > 0
    deltas = [c.choices[0].delta for c in chunks]
    assert deltas[0].role == "assistant" and all(d.role is None for d in deltas[1:])
    assert "".join(d.content or "" for d in deltas) == answer_text("Echo", "gpt-4o", MESSAGES)
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert len(chunks) > 3  # streamed, not one piece


async def test_async_sdk_stream_and_completion(base_url: str) -> None:
    async with openai.AsyncOpenAI(base_url=base_url + "/v1", api_key="x", max_retries=0) as sdk:
        response = await sdk.chat.completions.create(model="whole-1", messages=MESSAGES)  # type: ignore[arg-type]
        assert response.choices[0].message.content == answer_text("Whole", "whole-1", MESSAGES)
        stream = await sdk.chat.completions.create(
            model="toy-1",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream])
        assert text == answer_text("Echo", "toy-1", MESSAGES)

        async def one(i: int) -> str:
            stream = await sdk.chat.completions.create(
                model="toy-1",
                messages=[{"role": "user", "content": f"n{i}"}],
                stream=True,
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream])

        results = await asyncio.gather(*(one(i) for i in range(20)))
        for i, result in enumerate(results):
            assert result == answer_text("Echo", "toy-1", [{"role": "user", "content": f"n{i}"}])


def test_sdk_models(sdk: openai.OpenAI) -> None:
    ids = [m.id for m in sdk.models.list()]
    assert ids == sorted(ids)
    assert {"gpt-4o", "toy-1", "whole-1"} <= set(ids)
    assert "off-1" not in ids  # only routable models
    assert sdk.models.retrieve("gpt-4o").id == "gpt-4o"
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve("off-1")


def test_sdk_errors_have_openai_types(sdk: openai.OpenAI) -> None:
    create: Any = sdk.chat.completions.create
    with pytest.raises(openai.NotFoundError) as not_found:
        create(model="gpt-5", messages=MESSAGES)
    assert not_found.value.code == "model_not_found" and "Known models" in not_found.value.message
    with pytest.raises(openai.RateLimitError, match="slow down"):
        create(model="limited", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError, match="slow down"):
        create(model="limited", messages=MESSAGES, stream=True)
    with pytest.raises(openai.InternalServerError, match="kaput") as broken:
        create(model="broken", messages=MESSAGES)
    assert broken.value.status_code == 502
    with pytest.raises(openai.InternalServerError) as slow:
        create(model="slow", messages=MESSAGES, stream=True)
    assert slow.value.status_code == 504
    with pytest.raises(openai.InternalServerError) as off:
        create(model="off-1", messages=MESSAGES)
    assert off.value.status_code == 503 and "--ignore-working" in off.value.message
    with pytest.raises(openai.BadRequestError) as tools:
        create(
            model="gpt-4o",
            messages=MESSAGES,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        )
    assert tools.value.body["param"] == "tools"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError, match="n=1"):
        create(model="gpt-4o", messages=MESSAGES, n=2)
    with pytest.raises(
        openai.BadRequestError, match="Unrecognized request argument supplied: bogus"
    ):
        create(model="gpt-4o", messages=MESSAGES, extra_body={"bogus": 1})
    with pytest.raises(openai.BadRequestError, match="provider"):
        create(model="gpt-4o", messages=MESSAGES, extra_body={"provider": "Nope"})


def test_sdk_error_after_stream_began(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(model="midway", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    seen: list[str] = []
    with pytest.raises(openai.APIError, match="cut"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content or "")
    assert "".join(seen) == "".join(answer_words("Midway", "midway", MESSAGES)[:2])


def test_sdk_accepted_fields_and_stop(sdk: openai.OpenAI) -> None:
    response = sdk.chat.completions.create(
        model="toy-1",
        messages=[{"role": "developer", "content": "be brief"}, *MESSAGES],  # type: ignore[list-item]
        temperature=0.3,
        top_p=0.9,
        max_tokens=50,
        stop=["says"],
        user="u1",
        seed=7,
        tool_choice="none",
        response_format={"type": "text"},
        extra_body={"provider": "Echo"},
    )
    assert response.choices[0].message.content == "Echo[toy-1] "
    kwargs = ECHO.probe.calls[-1][1]
    assert kwargs["temperature"] == 0.3 and kwargs["top_p"] == 0.9 and kwargs["max_tokens"] == 50
    assert "user" not in kwargs and "tool_choice" not in kwargs


def test_provider_list_field(sdk: openai.OpenAI) -> None:
    response = sdk.chat.completions.create(
        model="toy-1",
        messages=MESSAGES,  # type: ignore[arg-type]
        extra_body={"provider": "Broken, Echo"},
    )
    assert response.model_extra is not None and response.model_extra["provider"] == "Echo"
    with pytest.raises(openai.BadRequestError, match="Known providers"):
        sdk.chat.completions.create(
            model="toy-1",
            messages=MESSAGES,  # type: ignore[arg-type]
            extra_body={"provider": "tests.toy_providers:Echo"},  # never imported
        )


def test_sdk_auth(base_url: str) -> None:
    app = create_app([ECHO], api_key="s3cret")
    with serve(app) as url:
        with openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError):
                bad.models.list()
            with pytest.raises(openai.AuthenticationError):
                bad.chat.completions.create(model="toy-1", messages=MESSAGES)  # type: ignore[arg-type]
        with openai.OpenAI(base_url=url + "/v1", api_key="s3cret", max_retries=0) as good:
            assert [m.id for m in good.models.list()] == ["gpt-4o", "toy-1"]
        assert httpx.get(url + "/health").json()["status"] == "ok"  # health needs no key


# ---------------------------------------------------------------- plain HTTP


def test_raw_sse_format(http: httpx.Client) -> None:
    response = http.post(
        "/v1/chat/completions", json={"model": "toy-1", "messages": MESSAGES, "stream": True}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in chunks[1:])
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "finish_reason": "stop",
        "logprobs": None,
    }
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == answer_text("Echo", "toy-1", MESSAGES)


def test_raw_errors(http: httpx.Client) -> None:
    def post(body: Any, **kw: Any) -> httpx.Response:
        return http.post("/v1/chat/completions", json=body, **kw)

    def check(response: httpx.Response, status: int, param: str | None = None) -> None:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]
        if param is not None:
            assert error["param"] == param

    check(http.post("/v1/chat/completions", content=b"{not json"), 400)
    check(post({"model": "toy-1"}), 400, "messages")
    check(post({"model": "toy-1", "messages": []}), 400, "messages")
    check(post({"model": "toy-1", "messages": [{"role": "wizard", "content": "x"}]}), 400)
    check(post({"model": "toy-1", "messages": MESSAGES * 9}), 400, "messages")
    long = [{"role": "user", "content": "x" * 1001}]
    check(post({"model": "toy-1", "messages": long}), 400, "messages[0].content")
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    check(post({"model": "toy-1", "messages": image}), 400, "messages[0].content[0]")
    check(post({"model": "toy-1", "messages": MESSAGES, "stop": ["a"] * 5}), 400, "stop")
    check(post({"model": "toy-1", "messages": MESSAGES, "logprobs": True}), 400, "logprobs")
    json_mode = {"type": "json_object"}
    check(post({"model": "toy-1", "messages": MESSAGES, "response_format": json_mode}), 400)
    check(post({"model": "toy-1", "messages": MESSAGES, "tool_choice": "required"}), 400)
    named = {"type": "function", "function": {"name": "f"}}
    check(post({"model": "toy-1", "messages": MESSAGES, "tool_choice": named}), 400, "tool_choice")
    accepted = {"model": "toy-1", "messages": MESSAGES, "tools": [], "tool_choice": "auto"}
    assert post(accepted).status_code == 200
    check(post({"model": "toy-1", "messages": [{"role": "tool", "content": "r"}]}), 400)
    check(http.get("/v1/nothing-here"), 404)
    check(http.get("/v1/chat/completions"), 405)


def test_text_parts_are_joined(http: httpx.Client) -> None:
    parts = [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]
    response = http.post("/v1/chat/completions", json={"model": "toy-1", "messages": parts})
    assert response.status_code == 200
    expected = answer_text("Echo", "toy-1", [{"role": "user", "content": "a\nb"}])
    assert response.json()["choices"][0]["message"]["content"] == expected


def test_body_size_limit(http: httpx.Client) -> None:
    big = {"model": "toy-1", "messages": [{"role": "user", "content": "x" * 70_000}]}
    response = http.post("/v1/chat/completions", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b'{"model": "toy-1", "messages": [{"role": "user", "content": "'
        for _ in range(70):
            yield b"y" * 1024
        yield b'"}]}'

    response = http.post("/v1/chat/completions", content=chunked())
    assert response.status_code == 413


def test_health_and_openapi(http: httpx.Client) -> None:
    health = http.get("/health").json()
    assert health["status"] == "ok" and health["models"] >= 3
    schema = http.get("/openapi.json").json()
    assert "/v1/chat/completions" in schema["paths"]
    assert "/v1/models" in schema["paths"]
    assert "ChatCompletionRequest" in json.dumps(schema)


def test_stream_disconnect_cancels_upstream() -> None:
    forever = make_provider("Forever", forever=True, delay=0.02)
    with serve(create_app([forever])) as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        body = {"model": "toy-1", "messages": MESSAGES, "stream": True}
        with http.stream("POST", "/v1/chat/completions", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    break
        assert forever.probe.closed.wait(WAIT)


def test_non_stream_disconnect_cancels_upstream() -> None:
    hanging = make_provider("Hanging", first_delay=60)
    with serve(create_app([hanging])) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                url + "/v1/chat/completions",
                json={"model": "toy-1", "messages": MESSAGES},
                timeout=httpx.Timeout(WAIT, read=0.5),
            )
        assert hanging.probe.closed.wait(WAIT)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"messages": MESSAGES}),
        ("/v1/responses", {"input": "hi"}),
        ("/v1/completions", {"prompt": "hi"}),
    ],
)
def test_stream_disconnect_before_the_first_text_cancels_upstream(
    path: str, body: dict[str, object]
) -> None:
    # A client that leaves while the provider has not answered yet (the chat page's Stop
    # during the wait) ends the provider too, not only once a stream has begun.
    hanging = make_provider("Hanging", first_delay=60)
    with serve(create_app([hanging])) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                url + path,
                json={"model": "toy-1", "stream": True, **body},
                timeout=httpx.Timeout(WAIT, read=0.5),
            )
        assert hanging.probe.closed.wait(WAIT)


def test_sync_provider_does_not_block_the_event_loop() -> None:
    gate = threading.Event()
    blocking = make_provider("Blocking", base=ToySync)

    def wait_for_gate(*args: Any, **kwargs: Any) -> Iterator[str]:
        blocking.probe.started.set()
        assert gate.wait(WAIT)
        yield "released"

    blocking.create_completion = classmethod(wait_for_gate)
    with serve(create_app([blocking])) as url:
        result: list[httpx.Response] = []
        body = {"model": "toy-1", "messages": MESSAGES}
        worker = threading.Thread(
            target=lambda: result.append(
                httpx.post(url + "/v1/chat/completions", json=body, timeout=WAIT)
            )
        )
        worker.start()
        assert blocking.probe.started.wait(WAIT)
        # The provider is blocked in its thread; the server must still answer.
        assert httpx.get(url + "/health", timeout=WAIT).status_code == 200
        assert worker.is_alive()
        gate.set()
        worker.join(WAIT)
        assert result[0].json()["choices"][0]["message"]["content"] == "released"


def test_offline_mode() -> None:
    with serve(create_app(offline=True)) as url:
        models = httpx.get(url + "/v1/models", timeout=WAIT).json()["data"]
        assert models
        body = {"model": models[0]["id"], "messages": MESSAGES}
        response = httpx.post(url + "/v1/chat/completions", json=body, timeout=60)
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"]


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_messages"):
        Limits(max_messages=0)


@given(
    text=st.text(),
    cid=st.text(),
    model=st.text(),
    provider=st.none() | st.text(),
)
def test_content_frame_matches_the_full_chunk(
    text: str, cid: str, model: str, provider: str | None
) -> None:
    def chunk(content: str) -> ChatCompletionChunk:
        return ChatCompletionChunk.build(
            content, completion_id=cid, model=model, provider=provider, created=1_700_000_000
        )

    head, tail = content_frame(chunk(""))
    full = sse(chunk_data(chunk(text)))
    assert head + json.dumps(text, ensure_ascii=False) + tail == full
