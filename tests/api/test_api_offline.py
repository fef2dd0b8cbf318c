"""The OpenAI-compatible server in offline mode: the real providers against their emulators,
driven by the official openai SDK (sync and async, stream and not) and plain httpx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import openai
import pytest

import fastg4f.emulators
from fastg4f.api import create_app
from fastg4f.providers import ChatGptEs
from fastg4f.providers.helper import format_prompt
from tests.api.conftest import serve

MESSAGES = [
    {"role": "system", "content": "Sei kurz."},
    {"role": "user", "content": "Grüße, 世界 — wie geht's?"},
]
# Prompt-based emulators answer from the formatted prompt; ChatGpt from the message list.
PROMPT_PROVIDERS = ["ChatGptt", "Chatgpt4o", "Aichat"]


def expected(provider: str) -> str:
    if provider == "ChatGpt":
        return fastg4f.emulators.expected_answer("ChatGpt", MESSAGES)
    if provider == "ChatGptEs":
        prompt = f"{ChatGptEs.SYSTEM_PROMPT} {format_prompt(MESSAGES)}"
        return fastg4f.emulators.expected_answer("ChatGptEs", prompt)
    return fastg4f.emulators.expected_answer(provider, format_prompt(MESSAGES))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(create_app(offline=True, route_timeout=30)) as url:
        yield url


@pytest.fixture(scope="module")
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0) as client:
        yield client


@pytest.mark.parametrize("provider", ["ChatGpt", *PROMPT_PROVIDERS])
def test_sdk_completion_from_each_emulated_provider(sdk: openai.OpenAI, provider: str) -> None:
    response = sdk.chat.completions.create(
        model="gpt-4o-mini" if provider != "ChatGpt" else "auto",
        messages=MESSAGES,  # type: ignore[arg-type]
        extra_body={"provider": provider},
        timeout=30,
    )
    assert response.choices[0].message.content == expected(provider)
    assert response.choices[0].finish_reason == "stop"
    assert response.object == "chat.completion"


@pytest.mark.parametrize("provider", ["ChatGpt", "ChatGptt"])
def test_sdk_stream_from_emulated_provider(sdk: openai.OpenAI, provider: str) -> None:
    stream = sdk.chat.completions.create(
        model="auto" if provider == "ChatGpt" else "gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        extra_body={"provider": provider},
        timeout=30,
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.choices[0].delta.role is None for c in chunks[1:])
    assert chunks[-1].choices[0].finish_reason == "stop"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == expected(provider)


def test_async_sdk_routes_by_model(base_url: str) -> None:
    async def main() -> tuple[str, str]:
        async with openai.AsyncOpenAI(
            base_url=base_url + "/v1", api_key="unused", max_retries=0
        ) as client:
            whole = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=MESSAGES,  # type: ignore[arg-type]
                timeout=30,
            )
            stream = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
                timeout=30,
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream])
            return whole.choices[0].message.content or "", text

    whole, streamed = asyncio.run(main())
    # Routed by model to one of the emulated providers that serve gpt-4o-mini.
    answers = {expected(p) for p in ["ChatGpt", "ChatGptEs", *PROMPT_PROVIDERS]}
    assert whole in answers
    assert streamed in answers


def test_models_list_comes_from_the_providers(base_url: str) -> None:
    models = httpx.get(base_url + "/v1/models", timeout=10).json()
    ids = {m["id"] for m in models["data"]}
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4"} <= ids
    assert models["object"] == "list"


def test_max_tokens_cuts_a_streaming_providers_answer_also_when_not_streamed(
    sdk: openai.OpenAI,
) -> None:
    # ChatGpt streams its answer in many chunks: max_tokens counts them whether or not the HTTP
    # client asked for a stream (the provider is asked to stream either way).
    stream = sdk.chat.completions.create(
        model="auto",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        max_tokens=2,
        extra_body={"provider": "ChatGpt"},
        timeout=30,
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream)
    whole = sdk.chat.completions.create(
        model="auto",
        messages=MESSAGES,  # type: ignore[arg-type]
        max_tokens=2,
        extra_body={"provider": "ChatGpt"},
        timeout=30,
    )
    # The two cuts hold the same number of chunks, but a chunk carries whatever text arrived in
    # one network read, so the two texts may differ in length: both are cut prefixes.
    answer = expected("ChatGpt")
    cut = whole.choices[0].message.content or ""
    assert whole.choices[0].finish_reason == "length"
    for text in (streamed, cut):
        assert 0 < len(text) < len(answer) and answer.startswith(text)
