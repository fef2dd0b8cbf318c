"""Fail-over between providers with ``RetryProvider``/``IterListProvider`` given classes."""

import g4f
from g4f.client import Client
from g4f.Provider import Aichat, Chatgpt4o, ChatGptt, IterListProvider, RetryProvider

MESSAGES = [{"role": "user", "content": "Which provider answered?"}]


def main():
    retry = RetryProvider([ChatGptt, Aichat], shuffle=False)
    client = Client(provider=retry)
    response = client.chat.completions.create(model="", messages=MESSAGES)
    iter_list = IterListProvider([ChatGptt, Chatgpt4o], shuffle=False)
    text = g4f.ChatCompletion.create(model="", messages=MESSAGES, provider=iter_list)
    return {
        "retry": response.choices[0].message.content,
        "retry_last": retry.last_provider.__name__,
        "iter_list": text,
        "iter_list_last": iter_list.last_provider.__name__,
    }
