"""g4f's ``AsyncClient``: OpenAI's stream style, g4f's stream style and ``.stream()``."""

import asyncio

from g4f.client import AsyncClient
from g4f.Provider import ChatGpt, ChatGptt

MESSAGES = [{"role": "user", "content": "Explain streams in one line"}]


async def run():
    client = AsyncClient(provider=ChatGptt)
    response = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    whole = response.choices[0].message.content

    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    openai_style = ""
    async for chunk in stream:
        openai_style += chunk.choices[0].delta.content or ""

    g4f_style = ""
    async for chunk in client.chat.completions.create(
        model="", messages=MESSAGES, provider=ChatGpt, stream=True
    ):
        g4f_style += chunk.choices[0].delta.content or ""

    stream_method = ""
    async for chunk in client.chat.completions.stream(model="gpt-4o", messages=MESSAGES):
        stream_method += chunk.choices[0].delta.content or ""

    return {"whole": whole, "openai": openai_style, "g4f": g4f_style, "stream": stream_method}


def main():
    return asyncio.run(run())
