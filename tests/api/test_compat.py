"""What OpenAI clients send and expect: JSON errors, schema types, nulls, tool histories,
``max_tokens``, the Responses API, legacy completions, unknown routes, and one usage estimate."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import openai
import pytest

from fastg4f.api import create_app
from fastg4f.client import Client
from fastg4f.models import ModelTable
from fastg4f.providers import AsyncGeneratorProvider
from fastg4f.typing import Messages
from tests.api.conftest import serve, started_url, wait_healthy
from tests.toy_providers import answer_text, answer_words, make_provider

MESSAGES = [{"role": "user", "content": "Grüße, 世界"}]
WAIT = 10.0

ECHO = make_provider("Echo", models=("toy-1", "gpt-4o"))


class Recorder(AsyncGeneratorProvider):
    """Answers ``ok`` and keeps the messages it was given."""

    url = "https://recorder.invalid"
    working = True
    models: ClassVar[list[str]] = ["rec-1"]
    default_model = "rec-1"
    seen: ClassVar[list[Messages]] = []

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncIterator[str]:
        cls.seen.append(messages)
        yield "ok"


OFF = make_provider("Off", models=("off-1",), default_model="off-1", working=False)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(create_app([ECHO, OFF, Recorder])) as url:
        yield url


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0) as client:
        yield client


def _post(url: str, body: Any, path: str = "/v1/chat/completions") -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=WAIT)


def _error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


# ---------------------------------------------------------------- JSON and content type


def test_malformed_json_says_where(base_url: str) -> None:
    body = b'{\n  "model": "toy-1",\n  "messages": [}\n'
    response = httpx.post(base_url + "/v1/chat/completions", content=body, timeout=WAIT)
    error = _error(response)
    assert error["param"] is None
    assert "line 3" in error["message"] and "column" in error["message"]
    empty = httpx.post(base_url + "/v1/chat/completions", content=b"", timeout=WAIT)
    assert _error(empty)["param"] is None


def test_body_without_json_content_type_is_read_as_json(base_url: str) -> None:
    # curl -d sends application/x-www-form-urlencoded; OpenAI parses the body as JSON anyway.
    body = json.dumps({"model": "toy-1", "messages": MESSAGES}).encode()
    for ctype in ("application/x-www-form-urlencoded", "text/plain", None):
        headers = {} if ctype is None else {"content-type": ctype}
        response = httpx.post(
            base_url + "/v1/chat/completions", content=body, headers=headers, timeout=WAIT
        )
        assert response.status_code == 200, (ctype, response.text)


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        ([{"role": "user"}], "messages[0].content"),
        ([{"role": "user", "content": None}], "messages[0].content"),
        (
            [{"role": "system", "content": "s"}, {"role": "user", "content": 5}],
            "messages[1].content",
        ),
        ([{"content": "x"}], "messages[0].role"),
        ([{"role": "tool", "content": "r"}], "messages[0].tool_call_id"),
        (["hello"], "messages[0]"),
    ],
)
def test_invalid_messages_are_rejected(base_url: str, messages: list[Any], param: str) -> None:
    error = _error(_post(base_url, {"model": "toy-1", "messages": messages}))
    assert error["param"] == param, error


def test_nulls_are_accepted_where_openai_accepts_them(sdk: openai.OpenAI, base_url: str) -> None:
    body = {
        "model": "toy-1",
        "messages": MESSAGES,
        "stream": None,
        "stream_options": None,
        "temperature": None,
        "top_p": None,
        "n": None,
        "max_tokens": None,
        "stop": None,
        "seed": None,
        "user": None,
        "tools": None,
    }
    response = _post(base_url, body)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "chat.completion"


def test_tools_with_tool_choice_none_are_accepted(base_url: str) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    body = {"model": "toy-1", "messages": MESSAGES, "tools": tools, "tool_choice": "none"}
    assert _post(base_url, body).status_code == 200
    del body["tool_choice"]
    assert _error(_post(base_url, body))["param"] == "tools"


def test_a_tool_call_history_is_rendered_as_text(base_url: str) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    history = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 °C, sunny"},
        {"role": "user", "content": "Thanks. And now?"},
    ]
    response = _post(base_url, {"model": "rec-1", "messages": history})
    assert response.status_code == 200, response.text
    seen = Recorder.seen[-1]
    assert [m["role"] for m in seen] == ["user", "assistant", "user", "user"]
    assert "get_weather" in seen[1]["content"] and "Paris" in seen[1]["content"]
    assert "18 °C, sunny" in seen[2]["content"] and "call_1" in seen[2]["content"]


# ---------------------------------------------------------------- max_tokens


def test_max_tokens_cuts_the_answer(sdk: openai.OpenAI) -> None:
    words = answer_words("Echo", "toy-1", MESSAGES)
    assert len(words) > 2
    whole = sdk.chat.completions.create(model="toy-1", messages=MESSAGES, max_tokens=2)  # type: ignore[arg-type]
    assert whole.choices[0].message.content == "".join(words[:2])
    assert whole.choices[0].finish_reason == "length"
    stream = sdk.chat.completions.create(
        model="toy-1",
        messages=MESSAGES,  # type: ignore[arg-type]
        max_completion_tokens=2,
        stream=True,
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "".join(words[:2])
    assert chunks[-1].choices[0].finish_reason == "length"
    enough = sdk.chat.completions.create(
        model="toy-1",
        messages=MESSAGES,  # type: ignore[arg-type]
        max_tokens=len(words) + 5,
    )
    assert enough.choices[0].finish_reason == "stop"


# ---------------------------------------------------------------- usage


def test_client_and_server_estimate_the_same_usage(sdk: openai.OpenAI) -> None:
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Grüße, 世界 — one two three four five six seven"},
    ]
    served = sdk.chat.completions.create(model="toy-1", messages=history)  # type: ignore[arg-type]
    local = Client(table=ModelTable([ECHO, OFF, Recorder])).chat.completions.create(
        model="toy-1", messages=history
    )
    assert served.usage is not None and local.usage is not None
    assert served.usage.prompt_tokens == local.usage.prompt_tokens
    assert served.usage.completion_tokens == local.usage.completion_tokens


# ---------------------------------------------------------------- Responses API


def test_responses_api_with_the_sdk(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="toy-1", input="Grüße, 世界", instructions="Be brief.")
    expected = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Grüße, 世界"},
    ]
    assert response.status == "completed"
    assert response.output_text == answer_text("Echo", "toy-1", expected)
    assert response.usage is not None and response.usage.output_tokens > 0
    listed = sdk.responses.create(
        model="toy-1",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "Grüße, 世界"}]}],
        max_output_tokens=2,
    )
    assert listed.status == "incomplete"
    assert listed.incomplete_details is not None
    assert listed.incomplete_details.reason == "max_output_tokens"
    assert listed.output_text == "".join(answer_words("Echo", "toy-1", MESSAGES)[:2])


def test_responses_api_stream_with_the_sdk(sdk: openai.OpenAI) -> None:
    events = list(sdk.responses.create(model="toy-1", input="Grüße, 世界", stream=True))
    types = [e.type for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == answer_text("Echo", "toy-1", MESSAGES)
    final = events[-1].response  # type: ignore[union-attr]
    assert final.output_text == text


def test_responses_api_refuses_previous_response_id(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="previous_response_id") as info:
        sdk.responses.create(model="toy-1", input="x", previous_response_id="resp_1")
    assert info.value.param == "previous_response_id"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- legacy completions, routes


def test_legacy_completions(sdk: openai.OpenAI) -> None:
    done = sdk.completions.create(model="toy-1", prompt="Grüße, 世界")
    assert done.object == "text_completion"
    assert done.choices[0].text == answer_text("Echo", "toy-1", MESSAGES)
    stream = sdk.completions.create(model="toy-1", prompt="Grüße, 世界", stream=True)
    pieces = list(stream)
    assert "".join(p.choices[0].text for p in pieces) == answer_text("Echo", "toy-1", MESSAGES)
    assert pieces[-1].choices[0].finish_reason == "stop"


def test_unknown_routes_list_the_known_ones(base_url: str) -> None:
    error = _error(httpx.get(base_url + "/v1/embeddings", timeout=WAIT), 404)
    for route in ("/v1/chat/completions", "/v1/responses", "/v1/completions", "/v1/models"):
        assert route in error["message"]


def test_hints_name_what_the_http_client_can_change(base_url: str) -> None:
    error = _error(_post(base_url, {"model": "toy-1", "messages": MESSAGES, "provider": "Off"}))
    assert "ignore_working" not in error["message"]
    assert "provider" in error["message"]
    missing = _error(_post(base_url, {"model": "nope", "messages": MESSAGES}), 404)
    assert "/v1/models" in missing["message"]
    # Routed by model to providers that are all marked not working: no Python remedy either.
    none = _error(_post(base_url, {"model": "off-1", "messages": MESSAGES}), 503)
    assert "ignore_working=" not in none["message"] and "emulators.offline" not in none["message"]
    assert "Off" in none["message"] and "--ignore-working" in none["message"]


# ---------------------------------------------------------------- the command


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTG4F_")}
    return subprocess.run(
        [sys.executable, "-m", "fastg4f", "api", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli("--port", str(port))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0] and "in use" in lines[0]
    assert "Traceback" not in result.stderr


def test_non_loopback_bind_without_key_warns() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli("--host", "0.0.0.0", "--port", str(port))
        with_key = _cli("--host", "0.0.0.0", "--port", str(port), "--api-key", "k")
    assert result.returncode != 0
    assert "warning" in result.stderr.lower() and "--api-key" in result.stderr
    assert with_key.returncode != 0
    assert "warning" not in with_key.stderr.lower()


def test_request_limits_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fastg4f", "api", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    for flag in (
        "--max-body-bytes",
        "--max-messages",
        "--max-message-chars",
        "--max-providers",
        "--max-connections",
        "--header-timeout",
        "--body-timeout",
        "--keep-alive-timeout",
        "--allowed-hosts",
    ):
        assert flag in result.stdout, flag


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


KEY_ARGS = ("--api-key", "s3cret-in-args")


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
def test_workers_get_the_key_without_the_environment() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTG4F_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "api", "--port", "0", "--workers", "2", *KEY_ARGS],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        url = started_url(process.stderr)
        wait_healthy(url)  # the workers start after the line
        assert httpx.get(url + "/v1/models", timeout=WAIT).status_code == 401
        headers = {"authorization": "Bearer s3cret-in-args"}
        assert httpx.get(url + "/v1/models", headers=headers, timeout=WAIT).status_code == 200
        workers = _children(process.pid)
        assert workers
        for pid in workers:
            with open(f"/proc/{pid}/environ", "rb") as f:
                assert b"s3cret-in-args" not in f.read()
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
