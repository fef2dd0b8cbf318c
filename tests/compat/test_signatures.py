"""Public call signatures against g4f's, parameter by parameter.

g4f's signatures are recorded below as data (read from g4f 8.8.6's source). A g4f program calls
with g4f's positional order and g4f's keyword names, so for each function: the positional
parameters are g4f's, in g4f's order, with g4f's defaults; ``**kwargs`` is there when g4f has
it. fastg4f may add keyword-only parameters after them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import fastg4f
from fastg4f import cookies
from fastg4f.client import AsyncClient, AsyncCompletions, Client, Completions
from fastg4f.client.service import ChatCompletion, convert_to_provider, get_model_and_provider
from fastg4f.providers import Aichat, ChatGpt, Chatgpt4o, ChatGptEs, ChatGptt
from fastg4f.routing import IterListProvider, RetryProvider

REQUIRED = object()
"""A parameter without a default."""

_CREATE = [
    ("messages", REQUIRED),
    ("model", ""),
    ("provider", None),
    ("stream", False),
    ("proxy", None),
    ("image", None),
    ("image_name", None),
    ("response_format", None),
    ("max_tokens", None),
    ("stop", None),
    ("ignore_stream", False),
    ("raw", False),
]
_LEGACY = [
    ("model", REQUIRED),
    ("messages", REQUIRED),
    ("provider", None),
    ("stream", False),
    ("image", None),
    ("image_name", None),
    ("ignore_working", False),
    ("ignore_stream", False),
]

# name: (g4f's positional parameters with defaults, whether g4f takes **kwargs)
G4F: dict[str, tuple[list[tuple[str, Any]], bool]] = {
    "client.Completions.create": (_CREATE, True),
    "client.AsyncCompletions.create": (_CREATE, True),
    "client.Completions.stream": ([("messages", REQUIRED), ("model", "")], True),
    "client.AsyncCompletions.stream": ([("messages", REQUIRED), ("model", "")], True),
    "client.Client": ([("provider", None), ("media_provider", None)], True),
    "client.AsyncClient": ([("provider", None), ("media_provider", None)], True),
    "ChatCompletion.create": (_LEGACY, True),
    "ChatCompletion.create_async": (_LEGACY, True),
    "client.service.get_model_and_provider": (
        [
            ("model", REQUIRED),
            ("provider", REQUIRED),
            ("stream", False),
            ("ignore_working", False),
            ("ignore_stream", False),
            ("logging", True),
            ("has_images", False),
        ],
        False,
    ),
    "client.service.convert_to_provider": ([("provider", REQUIRED)], False),
    "providers.retry_provider.IterListProvider": ([("providers", ()), ("shuffle", True)], False),
    "providers.retry_provider.RetryProvider": (
        [
            ("providers", REQUIRED),
            ("shuffle", True),
            ("single_provider_retry", False),
            ("max_retries", 3),
        ],
        False,
    ),
    "cookies.set_cookies": ([("domain_name", REQUIRED), ("cookies", None)], False),
}

# g4f's own default is a mutable ``[]`` for IterListProvider; an empty tuple is the same call.
OURS: dict[str, Callable[..., Any]] = {
    "client.Completions.create": Completions.create,
    "client.AsyncCompletions.create": AsyncCompletions.create,
    "client.Completions.stream": Completions.stream,
    "client.AsyncCompletions.stream": AsyncCompletions.stream,
    "client.Client": Client.__init__,
    "client.AsyncClient": AsyncClient.__init__,
    "ChatCompletion.create": ChatCompletion.create,
    "ChatCompletion.create_async": ChatCompletion.create_async,
    "client.service.get_model_and_provider": get_model_and_provider,
    "client.service.convert_to_provider": convert_to_provider,
    "providers.retry_provider.IterListProvider": IterListProvider.__init__,
    "providers.retry_provider.RetryProvider": RetryProvider.__init__,
    "cookies.set_cookies": cookies.set_cookies,
}

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


def test_every_recorded_signature_is_checked() -> None:
    assert set(OURS) == set(G4F)


@pytest.mark.parametrize("name", sorted(G4F))
def test_signature_matches_g4f(name: str) -> None:
    expected, has_kwargs = G4F[name]
    params = _parameters(OURS[name])
    positional = [p for p in params if p.kind in POSITIONAL]
    assert [p.name for p in positional] == [n for n, _ in expected], name
    for param, (pname, default) in zip(positional, expected, strict=True):
        if default is REQUIRED:
            assert param.default is inspect.Parameter.empty, f"{name}({pname}) must be required"
        else:
            assert param.default == default, f"{name}({pname}) default"
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params) == has_kwargs, name
    assert not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params), name


def test_top_level_names_of_g4f() -> None:
    # g4f's package __init__, for the parts fastg4f reproduces.
    names = [
        "AsyncClient", "AsyncResult", "ChatCompletion", "Client", "CreateResult", "Messages",
        "Model", "ProviderType", "async_concat_chunks", "concat_chunks", "debug", "get_cookies",
        "get_model_and_provider", "set_cookies", "to_sync_generator",
    ]  # fmt: skip
    for name in names:
        assert getattr(fastg4f, name) is not None, name
    assert fastg4f.get_cookies is cookies.get_cookies


# The documented signature of each provider's main call style (docs/PROVIDERS.md).
PROVIDER_SIGNATURES = {
    ChatGpt: ("create_completion", ["model", "messages", "stream"]),
    ChatGptt: ("create_async_generator", ["model", "messages", "proxy"]),
    ChatGptEs: ("create_async_generator", ["model", "messages", "proxy"]),
    Chatgpt4o: ("create_async", ["model", "messages", "proxy"]),
    Aichat: ("create_async", ["model", "messages", "proxy"]),
}


@pytest.mark.parametrize("provider", list(PROVIDER_SIGNATURES), ids=lambda p: p.__name__)
def test_provider_positional_order(provider: type[Any]) -> None:
    method, expected = PROVIDER_SIGNATURES[provider]
    params = [p for p in _parameters(getattr(provider, method)) if p.kind in POSITIONAL]
    assert [p.name for p in params[: len(expected)]] == expected
    if expected[-1] == "proxy":
        assert params[2].default is None
