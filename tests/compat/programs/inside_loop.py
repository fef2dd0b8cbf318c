"""g4f's sync entry points called from async code (g4f needed nest_asyncio for this)."""

import asyncio

import g4f
from g4f.client import Client

MESSAGES = [{"role": "user", "content": "Are we inside a loop?"}]


async def handler():
    text = g4f.ChatCompletion.create(model="", messages=MESSAGES, provider=g4f.Provider.Aichat)
    chunks = list(g4f.Provider.ChatGptt.create_completion(model="", messages=MESSAGES, stream=True))
    client = Client(provider=g4f.Provider.Chatgpt4o)
    response = client.chat.completions.create(model="", messages=MESSAGES)
    return {
        "ChatCompletion": text,
        "create_completion": "".join(chunks),
        "Client": response.choices[0].message.content,
    }


def main():
    return asyncio.run(handler())
