"""A g4f user calls provider classes directly, in every call style g4f documents."""

import asyncio

from g4f.Provider import Aichat, ChatGpt, Chatgpt4o, ChatGptt

MESSAGES = [{"role": "user", "content": "Hello, who are you?"}]


def sync_styles():
    streamed = "".join(ChatGpt.create_completion("auto", MESSAGES, stream=True))
    whole = "".join(Chatgpt4o.create_completion(model="", messages=MESSAGES, stream=False))
    alias = "".join(ChatGptt.create_function(model="", messages=MESSAGES, stream=True))
    return {"ChatGpt": streamed, "Chatgpt4o": whole, "ChatGptt": alias}


async def async_styles():
    answer = await Aichat.create_async(model="", messages=MESSAGES)
    chunks = [chunk async for chunk in ChatGptt.create_async_generator("", MESSAGES)]
    via_alias = await Chatgpt4o.async_create_function("", MESSAGES)
    from_sync_provider = await ChatGpt.create_async("", MESSAGES)
    return {
        "Aichat": answer,
        "ChatGptt": "".join(str(chunk) for chunk in chunks),
        "Chatgpt4o": via_alias,
        "ChatGpt": from_sync_provider,
    }


def introspection():
    return {
        "dict": ChatGptt.get_dict(),
        "parent": Aichat.get_parent(),
        "params": ChatGpt.params,
        "parameters": ChatGpt.get_parameters(),
        "json": ChatGpt.get_parameters(as_json=True),
    }


def main():
    return sync_styles(), asyncio.run(async_styles()), introspection()
