"""g4f's legacy ``ChatCompletion`` API, as in g4f's README."""

import asyncio

import g4f
from g4f.errors import ProviderNotWorkingError, StreamNotSupportedError
from g4f.providers.base_provider import AsyncGeneratorProvider

MESSAGES = [{"role": "user", "content": "Write one word"}]


class Retired(AsyncGeneratorProvider):
    """A provider written by the user, marked as not working."""

    url = "https://retired.invalid"
    working = False
    supports_stream = True

    @classmethod
    async def create_async_generator(cls, model, messages, proxy=None, **kwargs):
        yield "still "
        yield "here"


def main():
    results = {}
    results["by_class"] = g4f.ChatCompletion.create(
        model=g4f.models.default, messages=MESSAGES, provider=g4f.Provider.ChatGpt
    )
    results["by_name"] = g4f.ChatCompletion.create(
        model="", messages=MESSAGES, provider="Chatgpt4o"
    )
    response = g4f.ChatCompletion.create(
        model="gpt-4o", messages=MESSAGES, provider=g4f.Provider.ChatGptt, stream=True
    )
    results["stream"] = [message for message in response]
    results["model_object"] = g4f.ChatCompletion.create(model=g4f.models.gpt_4o, messages=MESSAGES)
    try:
        g4f.ChatCompletion.create(model="", messages=MESSAGES, provider=Retired)
    except ProviderNotWorkingError as error:
        results["not_working"] = str(error)
    results["ignore_working"] = g4f.ChatCompletion.create(
        model="", messages=MESSAGES, provider=Retired, ignore_working=True
    )
    try:
        g4f.ChatCompletion.create(
            model="", messages=MESSAGES, provider=g4f.Provider.Chatgpt4o, stream=True
        )
    except StreamNotSupportedError as error:
        results["no_stream"] = str(error)
    results["ignore_stream"] = list(
        g4f.ChatCompletion.create(
            model="",
            messages=MESSAGES,
            provider=g4f.Provider.Chatgpt4o,
            stream=True,
            ignore_stream=True,
        )
    )
    results["async"] = asyncio.run(
        g4f.ChatCompletion.create_async(model="", messages=MESSAGES, provider=g4f.Provider.Aichat)
    )
    return results
