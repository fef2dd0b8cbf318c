"""g4f's ``Client``, as in g4f's client documentation."""

from g4f.client import Client
from g4f.Provider import Aichat, Chatgpt4o, ChatGptt

MESSAGES = [{"role": "user", "content": "Say this is a test"}]


def main():
    client = Client(provider=ChatGptt)
    response = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    default_provider = response.choices[0].message.content

    response = client.chat.completions.create(model="", messages=MESSAGES, provider=Aichat)
    override = response.choices[0].message.content

    stream = client.chat.completions.create(
        model="", messages=MESSAGES, provider=Chatgpt4o, stream=True
    )
    not_streaming_provider = [chunk.choices[0].delta.content or "" for chunk in stream]

    streamed = ""
    for chunk in client.chat.completions.stream(model="gpt-4o", messages=MESSAGES):
        if chunk.choices[0].delta.content:
            streamed += chunk.choices[0].delta.content

    return {
        "default": default_provider,
        "override": override,
        "chunks": not_streaming_provider,
        "stream": streamed,
        "model": response.model,
    }
