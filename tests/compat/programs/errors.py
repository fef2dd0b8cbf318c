"""Errors caught by g4f's class names."""

import g4f
from g4f.errors import (
    ModelNotFoundError,
    ProviderNotFoundError,
    RateLimitError,
    ResponseStatusError,
    RetryProviderError,
)
from g4f.Provider import Aichat, ChatGptt, RetryProvider

MESSAGES = [{"role": "user", "content": "Hello"}]


def main():
    caught = []
    try:
        g4f.ChatCompletion.create(model="", messages=MESSAGES, provider=Aichat)
    except RateLimitError as error:
        caught.append(("RateLimitError", isinstance(error, ResponseStatusError)))
    try:
        g4f.ChatCompletion.create(model="no-such-model", messages=MESSAGES)
    except ModelNotFoundError:
        caught.append(("ModelNotFoundError", True))
    try:
        g4f.ChatCompletion.create(model="", messages=MESSAGES, provider="NoSuchProvider")
    except ProviderNotFoundError:
        caught.append(("ProviderNotFoundError", True))
    try:
        g4f.ChatCompletion.create(
            model="", messages=MESSAGES, provider=RetryProvider([Aichat, ChatGptt])
        )
    except RetryProviderError:
        caught.append(("RetryProviderError", True))
    return caught
