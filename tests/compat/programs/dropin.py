"""Common g4f programs: an explicit provider marked not working, g4f's positional order,
max_tokens, response objects, registered models and the package's top-level names."""

import asyncio

from g4f import ChatCompletion, get_cookies
from g4f.client import AsyncClient, Client
from g4f.cookies import get_cookies as cookies_get_cookies
from g4f.errors import ProviderNotWorkingError
from g4f.models import Model, ModelUtils
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import FinishReason, JsonConversation, Reasoning, Usage

MESSAGES = [{"role": "user", "content": "Hello"}]


class Parts(AsyncGeneratorProvider):
    """A custom provider as g4f's framework writes one (marked not working, as many are)."""

    working = False

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield JsonConversation(conversation_id="c1")
        for part in ["One ", "two ", "three ", "four"]:
            yield part
        yield Usage(prompt_tokens=3, completion_tokens=4)
        yield FinishReason("stop")


class Thinker(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield Reasoning(token="hmm ")
        yield "answer"
        yield FinishReason("content_filter")


def explicit_provider():
    client = Client(provider=Parts)
    whole = client.chat.completions.create(MESSAGES, "")
    per_call = Client().chat.completions.create(MESSAGES, "", provider=Parts)
    try:
        ChatCompletion.create("", MESSAGES, provider=Parts)
        legacy = "answered"
    except ProviderNotWorkingError as error:
        legacy = str(error)
    legacy_ignored = ChatCompletion.create("", MESSAGES, provider=Parts, ignore_working=True)
    return {
        "client": whole.choices[0].message.content,
        "per_call": per_call.choices[0].message.content,
        "usage": whole.usage.total_tokens,
        "finish": whole.choices[0].finish_reason,
        "legacy": legacy,
        "legacy_ignored": legacy_ignored,
    }


def max_tokens():
    client = Client(provider=Parts)
    cut = client.chat.completions.create(MESSAGES, "", max_tokens=2)
    chunks = list(client.chat.completions.create(MESSAGES, "", stream=True, max_tokens=3))
    whole = client.chat.completions.create("Hello", "", max_tokens=10)

    async def run_async():
        aclient = AsyncClient(provider=Parts)
        acut = await aclient.chat.completions.create(MESSAGES, "", max_tokens=1)
        achunks = [
            c
            async for c in aclient.chat.completions.create(MESSAGES, "", stream=True, max_tokens=2)
        ]
        return acut, achunks

    acut, achunks = asyncio.run(run_async())
    return {
        "cut": (cut.choices[0].message.content, cut.choices[0].finish_reason),
        "stream": [(c.choices[0].delta.content, c.choices[0].finish_reason) for c in chunks],
        "whole": (whole.choices[0].message.content, whole.choices[0].finish_reason),
        "async_cut": (acut.choices[0].message.content, acut.choices[0].finish_reason),
        "async_stream": [(c.choices[0].delta.content, c.choices[0].finish_reason) for c in achunks],
    }


def response_objects():
    response = Client(provider=Thinker).chat.completions.create(MESSAGES, "")
    return response.choices[0].message.content, response.choices[0].finish_reason


def registered_model():
    ModelUtils.convert["my-model"] = Model(name="my-model", base_provider="", best_provider=Thinker)
    try:
        by_name = ChatCompletion.create("my-model", MESSAGES)
        by_client = (
            Client().chat.completions.create(MESSAGES, "my-model").choices[0].message.content
        )
    finally:
        del ModelUtils.convert["my-model"]
    return by_name, by_client


def top_level():
    return get_cookies is cookies_get_cookies
