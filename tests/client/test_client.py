"""ChatCompletion (g4f's legacy API), Client and AsyncClient against real toy providers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastg4f
from fastg4f import models
from fastg4f.client import AsyncChatCompletionResponse, AsyncClient, Client
from fastg4f.client import ChatCompletion as ChatCompletionObject
from fastg4f.client.service import (
    ChatCompletion,
    apply_stop,
    convert_to_provider,
    get_model_and_provider,
)
from fastg4f.errors import (
    ModelNotFoundError,
    NoProviderError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RetryProviderError,
    StreamNotSupportedError,
)
from fastg4f.models import ModelTable, TableProvider
from fastg4f.providers.asyncio import run_sync
from fastg4f.routing import IterListProvider, RetryProvider
from tests.toy_providers import ToySync, ToyWhole, answer_text, answer_words, make_provider

MESSAGES = [{"role": "user", "content": "Hallo, 世界"}]
WAIT = 10.0


class Boom(Exception):
    pass


# ---------------------------------------------------------------- ChatCompletion (legacy)


def test_chat_completion_create_string_and_stream() -> None:
    echo = make_provider("Echo")
    assert ChatCompletion.create("toy-1", MESSAGES, provider=echo) == answer_text(
        "Echo", "toy-1", MESSAGES
    )
    chunks = list(ChatCompletion.create("toy-1", MESSAGES, provider=echo, stream=True))
    assert chunks == answer_words("Echo", "toy-1", MESSAGES)
    assert fastg4f.ChatCompletion is ChatCompletion


def test_chat_completion_model_object_and_default() -> None:
    echo = make_provider("Echo")
    assert ChatCompletion.create(models.gpt_4o, MESSAGES, provider=echo) == answer_text(
        "Echo", "gpt-4o", MESSAGES
    )
    # models.default: an empty model name, which the provider resolves to its default model.
    assert ChatCompletion.create(models.default, MESSAGES, provider=echo) == answer_text(
        "Echo", "toy-1", MESSAGES
    )


def test_chat_completion_not_working_and_stream_checks() -> None:
    off = make_provider("Off", working=False)
    with pytest.raises(ProviderNotWorkingError, match="Off is not working"):
        ChatCompletion.create("toy-1", MESSAGES, provider=off)
    assert ChatCompletion.create("toy-1", MESSAGES, provider=off, ignore_working=True)
    whole = make_provider("Whole", base=ToyWhole)
    with pytest.raises(StreamNotSupportedError, match="ignore_stream=True"):
        ChatCompletion.create("toy-1", MESSAGES, provider=whole, stream=True)
    chunks = list(
        ChatCompletion.create("toy-1", MESSAGES, provider=whole, stream=True, ignore_stream=True)
    )
    assert chunks == [answer_text("Whole", "toy-1", MESSAGES)]


def test_provider_names_resolve_against_the_given_providers() -> None:
    a, b = make_provider("Alpha"), make_provider("Beta")
    assert convert_to_provider("Alpha", providers=[a, b]) is a
    assert convert_to_provider("beta", providers=[a, b]) is b
    pair = convert_to_provider("Beta, Alpha", providers=[a, b])
    assert isinstance(pair, IterListProvider) and pair.providers == [b, a]
    with pytest.raises(ProviderNotFoundError, match="Known providers: Alpha, Beta"):
        convert_to_provider("Gamma", providers=[a, b])
    with pytest.raises(ProviderNotFoundError, match=r"'Gamma' not found\. Known providers: "):
        ChatCompletion.create("toy-1", MESSAGES, provider="Gamma")


def test_unknown_model_without_provider() -> None:
    table = ModelTable([make_provider("Echo")])
    with pytest.raises(ModelNotFoundError, match="Known models: gpt-4o, toy-1"):
        get_model_and_provider("gpt-5", None, table=table)
    name, provider = get_model_and_provider("gpt-4o", None, table=table)
    assert name == "gpt-4o" and isinstance(provider, TableProvider)


async def test_chat_completion_create_async() -> None:
    echo = make_provider("Echo", base=ToySync)
    text = await ChatCompletion.create_async("toy-1", MESSAGES, provider=echo)
    assert text == answer_text("Echo", "toy-1", MESSAGES)
    gen = ChatCompletion.create_async("toy-1", MESSAGES, provider=echo, stream=True)
    assert isinstance(gen, AsyncIterator)
    assert [c async for c in gen] == answer_words("Echo", "toy-1", MESSAGES)


async def test_sync_chat_completion_inside_a_running_loop() -> None:
    echo = make_provider("Echo")
    assert ChatCompletion.create("toy-1", MESSAGES, provider=echo) == answer_text(
        "Echo", "toy-1", MESSAGES
    )


def test_retry_provider_as_provider_routes_and_respects_ignore_working() -> None:
    off = make_provider("Off", working=False)
    down = make_provider("Down", fail=Boom("down"))
    retry = RetryProvider([down, off], shuffle=False)
    with pytest.raises(RetryProviderError, match="Down: Boom: down"):
        ChatCompletion.create("toy-1", MESSAGES, provider=retry)
    assert ChatCompletion.create("toy-1", MESSAGES, provider=retry, ignore_working=True) == (
        answer_text("Off", "toy-1", MESSAGES)
    )


# ---------------------------------------------------------------- Client


def test_client_completion_shape() -> None:
    down = make_provider("Down", fail=Boom("down"))
    echo = make_provider("Echo")
    client = Client(table=ModelTable([down, echo]))
    response = client.chat.completions.create(MESSAGES, "gpt-4o")
    assert isinstance(response, ChatCompletionObject)
    assert response.choices[0].message.content == answer_text("Echo", "gpt-4o", MESSAGES)
    assert response.choices[0].message.role == "assistant"
    assert response.choices[0].finish_reason == "stop"
    assert response.provider == "Echo" and response.model == "gpt-4o"
    assert response.object == "chat.completion" and response.id.startswith("chatcmpl-")
    assert response.usage is not None and response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )
    dumped = json.loads(response.model_dump_json())
    assert dumped == response.model_dump() == response.to_json()
    assert dumped["choices"][0]["message"]["content"] == response.choices[0].message.content
    assert response["choices"][0].index == 0


def test_client_stream_chunks() -> None:
    echo = make_provider("Echo")
    client = Client(table=ModelTable([echo]))
    chunks = list(client.chat.completions.create(MESSAGES, "gpt-4o", stream=True))
    words = answer_words("Echo", "gpt-4o", MESSAGES)
    assert [c.choices[0].delta.content for c in chunks] == [*words, None]
    assert [c.choices[0].delta.role for c in chunks] == ["assistant"] + [None] * len(words)
    assert [c.choices[0].finish_reason for c in chunks] == [None] * len(words) + ["stop"]
    assert len({c.id for c in chunks}) == 1
    assert all(c.object == "chat.completion.chunk" and c.provider == "Echo" for c in chunks)
    streamed = list(client.chat.completions.stream(MESSAGES, "gpt-4o"))
    assert streamed[0].choices[0].delta.content == words[0]


def test_client_default_provider_and_override() -> None:
    a, b = make_provider("A"), make_provider("B", base=ToySync)
    client = Client(provider=a)
    assert client.chat.completions.create(MESSAGES, "toy-1").provider == "A"
    response = client.chat.completions.create(MESSAGES, "toy-1", provider=b)
    assert response.provider == "B"
    assert response.choices[0].message.content == answer_text("B", "toy-1", MESSAGES)


def test_client_non_streaming_provider_streams_one_chunk() -> None:
    whole = make_provider("Whole", base=ToyWhole)
    chunks = list(Client(provider=whole).chat.completions.create(MESSAGES, "toy-1", stream=True))
    assert [c.choices[0].delta.content for c in chunks] == [
        answer_text("Whole", "toy-1", MESSAGES),
        None,
    ]


def test_client_errors_at_the_call() -> None:
    client = Client(table=ModelTable([make_provider("Echo")]))
    with pytest.raises(ModelNotFoundError):
        client.chat.completions.create(MESSAGES, "gpt-5", stream=True)
    with pytest.raises(TypeError, match="messages must be a list"):
        client.chat.completions.create({"role": "user"}, "toy-1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_tokens"):
        client.chat.completions.create(MESSAGES, "toy-1", max_tokens=-1)
    with pytest.raises(ValueError, match="raw=True"):
        client.chat.completions.create(MESSAGES, "toy-1", raw=True)


def test_client_stop_and_kwargs_reach_the_provider() -> None:
    echo = make_provider("Echo")
    client = Client(provider=echo, proxy="http://127.0.0.1:9", timeout=30)
    response = client.chat.completions.create(MESSAGES, "toy-1", stop=["says"], temperature=0.2)
    assert response.choices[0].message.content == "Echo[toy-1] "
    kwargs = echo.probe.calls[-1][1]
    assert kwargs["proxy"] == "http://127.0.0.1:9"
    assert kwargs["timeout"] == 30 and kwargs["temperature"] == 0.2
    assert echo.probe.closed.wait(WAIT)


def test_routed_client_passes_timeout_to_providers() -> None:
    down = make_provider("Down", fail=Boom("down"))
    echo = make_provider("Echo")
    client = Client(table=ModelTable([down, echo]), timeout=9)
    response = client.chat.completions.create(MESSAGES, "gpt-4o", proxy="http://127.0.0.1:9")
    assert response.provider == "Echo"
    assert echo.probe.calls[0][1]["timeout"] == 9
    assert echo.probe.calls[0][1]["proxy"] == "http://127.0.0.1:9"


def test_client_models_list() -> None:
    on = make_provider("On", models=("m-on",), default_model="m-on")
    off = make_provider("Off", models=("m-off",), default_model="m-off", working=False)
    listed = Client(table=ModelTable([on, off])).models.list()
    assert [m.id for m in listed] == ["m-on"]
    assert listed.model_dump()["data"][0] == {
        "id": "m-on",
        "owned_by": "fastg4f",
        "created": 0,
        "object": "model",
    }
    assert [m.id for m in Client(table=ModelTable([on, off]), ignore_working=True).models.list()]


async def test_sync_client_inside_a_running_loop() -> None:
    echo = make_provider("Echo")
    client = Client(provider=echo)
    assert client.chat.completions.create(MESSAGES, "toy-1").choices[0].message.content
    assert len(list(client.chat.completions.create(MESSAGES, "toy-1", stream=True))) > 2


# ---------------------------------------------------------------- AsyncClient


async def test_async_client_completion() -> None:
    client = AsyncClient(provider=make_provider("Echo", base=ToySync))
    response = await client.chat.completions.create(MESSAGES, "toy-1")
    assert response.choices[0].message.content == answer_text("Echo", "toy-1", MESSAGES)
    assert [m.id for m in await AsyncClient(table=ModelTable([])).models.list()] == []


async def test_async_client_stream_openai_and_g4f_styles() -> None:
    client = AsyncClient(provider=make_provider("Echo"))
    words = answer_words("Echo", "toy-1", MESSAGES)
    stream = await client.chat.completions.create(MESSAGES, "toy-1", stream=True)
    assert isinstance(stream, AsyncChatCompletionResponse)
    assert [c.choices[0].delta.content async for c in stream] == [*words, None]
    direct = client.chat.completions.create(MESSAGES, "toy-1", stream=True)
    assert [c.choices[0].delta.content async for c in direct] == [*words, None]
    g4f_stream = client.chat.completions.stream(MESSAGES, "toy-1")
    assert [c.choices[0].delta.content async for c in g4f_stream] == [*words, None]
    with pytest.raises(TypeError, match="not a stream"):
        async for _ in client.chat.completions.create(MESSAGES, "toy-1"):
            pass


async def test_async_client_aclose_closes_the_provider() -> None:
    forever = make_provider("Forever", forever=True, delay=0.01)
    client = AsyncClient(provider=forever)
    async with await client.chat.completions.create(MESSAGES, "toy-1", stream=True) as stream:
        async for chunk in stream:
            assert chunk.choices[0].delta.content
            break
    assert await asyncio.to_thread(forever.probe.closed.wait, WAIT)


def test_unawaited_response_runs_nothing() -> None:
    echo = make_provider("Echo")
    AsyncClient(provider=echo).chat.completions.create(MESSAGES, "toy-1")
    assert echo.probe.calls == []


# ---------------------------------------------------------------- stop sequences


def _reference_stop(text: str, stops: list[str]) -> str:
    cuts = [i for i in (text.find(s) for s in stops) if i >= 0]
    return text[: min(cuts)] if cuts else text


async def _aiter(parts: list[str]) -> AsyncIterator[str]:
    for part in parts:
        yield part


@given(
    parts=st.lists(st.text(alphabet="ab✓c", max_size=6), max_size=8),
    stops=st.lists(st.text(alphabet="ab✓", min_size=1, max_size=3), min_size=1, max_size=4),
)
def test_apply_stop_matches_reference(parts: list[str], stops: list[str]) -> None:
    async def run() -> str:
        return "".join([p async for p in apply_stop(_aiter(parts), stops)])

    assert run_sync(run()) == _reference_stop("".join(parts), stops)


def test_apply_stop_rejects_empty_stop() -> None:
    async def run() -> None:
        async for _ in apply_stop(_aiter(["x"]), [""]):
            pass

    with pytest.raises(ValueError, match="must not be empty"):
        run_sync(run())


def test_explicit_providers_run_whatever_their_working_flag() -> None:
    retired = make_provider("Retired", working=False)
    other = make_provider("Other", working=False)
    table = ModelTable([retired])
    client = Client(table=table)
    # Routing by model skips them (and says what to pass)...
    with pytest.raises(NoProviderError, match="ignore_working=True"):
        client.chat.completions.create(MESSAGES, "toy-1")
    # ...an explicit provider, a retry provider of them, or a name, runs.
    for provider in (retired, IterListProvider([other, retired], shuffle=False), "Retired"):
        response = client.chat.completions.create(MESSAGES, "toy-1", provider=provider)
        assert response.choices[0].message.content.startswith(("Retired", "Other"))
    assert Client(provider=retired, table=table).chat.completions.create(MESSAGES).choices
    # The legacy API keeps g4f's check.
    with pytest.raises(ProviderNotWorkingError, match="ignore_working=True"):
        fastg4f.ChatCompletion.create("toy-1", MESSAGES, provider=retired)


def test_max_tokens_cuts_a_streaming_providers_answer_also_when_not_streamed() -> None:
    # ChatGpt gives its whole text as one chunk when asked not to stream; with max_tokens the
    # client asks it to stream, so the limit counts the same chunks, streamed or not, as g4f.
    from fastg4f.emulators import expected_answer, offline
    from fastg4f.Provider import ChatGpt

    with offline():
        client = Client(provider=ChatGpt)
        chunks = list(client.chat.completions.create(MESSAGES, "", stream=True, max_tokens=2))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
        whole = client.chat.completions.create(MESSAGES, "", max_tokens=2)
        async_client = AsyncClient(provider=ChatGpt)

        async def not_streamed() -> ChatCompletionObject:
            return await async_client.chat.completions.create(MESSAGES, "", max_tokens=2)

        later = asyncio.run(not_streamed())
    assert chunks[-1].choices[0].finish_reason == "length"
    assert 0 < len(streamed) < len(expected_answer("ChatGpt", MESSAGES))
    for response in (whole, later):
        assert response.choices[0].message.content == streamed
        assert response.choices[0].finish_reason == "length"


async def test_async_client_max_tokens_and_a_string_message() -> None:
    echo = make_provider("Echo")
    client = AsyncClient(provider=echo)
    response = await client.chat.completions.create("hi there", "toy-1", max_tokens=2)
    assert response.choices[0].message.content == "Echo[toy-1] says: "
    assert response.choices[0].finish_reason == "length"
    assert echo.probe.calls[-1][1]["max_tokens"] == 2  # also passed to the provider


def test_a_provider_name_as_the_model_asks_for_its_default_model() -> None:
    alpha = make_provider("Alpha", default_model="toy-1")
    table = ModelTable([alpha])
    assert get_model_and_provider("Alpha", None, False, table=table) == ("toy-1", alpha)
    response = Client(table=table).chat.completions.create(MESSAGES, "Alpha")
    assert response.choices[0].message.content == answer_text("Alpha", "toy-1", MESSAGES)


def test_ignore_working_false_also_checks_an_explicit_provider() -> None:
    retired = make_provider("Retired", working=False)
    with pytest.raises(ProviderNotWorkingError, match="ignore_working=True"):
        Client(provider=retired, ignore_working=False).chat.completions.create(MESSAGES)
    with pytest.raises(ProviderNotWorkingError):
        Client().chat.completions.create(MESSAGES, provider=retired, ignore_working=False)


def test_a_stream_ends_with_the_usage_the_provider_reported() -> None:
    # As g4f's client: the last chunk of a stream carries the provider's Usage (None without).
    from fastg4f.providers import AsyncGeneratorProvider
    from fastg4f.providers.response import FinishReason, Usage

    class Counted(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(  # type: ignore[override]
            cls, model: str, messages: object, stream: bool = True, **kwargs: object
        ) -> AsyncIterator[object]:
            yield "one "
            yield "two"
            yield Usage(prompt_tokens=7, completion_tokens=2, total_tokens=9)
            yield FinishReason("stop")

    chunks = list(Client(provider=Counted).chat.completions.create(MESSAGES, "", stream=True))
    assert [c.usage for c in chunks[:-1]] == [None, None]
    usage = chunks[-1].usage
    assert usage is not None and (usage.prompt_tokens, usage.total_tokens) == (7, 9)
    plain = list(
        Client(provider=make_provider("Echo")).chat.completions.create(MESSAGES, "", stream=True)
    )
    assert plain[-1].usage is None
