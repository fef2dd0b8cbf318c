"""What the provider documents promise: module paths, ChatGpt's helpers, the model rule."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

import fastg4f.Provider
from fastg4f.emulators import OfflineUrls
from fastg4f.errors import ModelNotFoundError
from fastg4f.providers import Aichat, ChatGpt, Chatgpt4o, ChatGptEs, ChatGptt
from fastg4f.providers.base_provider import ProviderModelMixin
from fastg4f.providers.response import (
    FinishReason,
    HiddenResponse,
    ImageResponse,
    JsonConversation,
    Reasoning,
    Usage,
    is_content,
)
from tests.providers._calls import call

PROVIDERS = [ChatGpt, ChatGptt, Chatgpt4o, ChatGptEs, Aichat]
MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_provider_module_path(provider: type[Any]) -> None:
    name = provider.__name__
    module = importlib.import_module(f"fastg4f.Provider.{name}")
    assert getattr(module, name) is provider
    # Importing the module keeps the package attribute the class (g4f's ``Provider.X``).
    assert getattr(fastg4f.Provider, name) is provider
    assert sys.modules[f"fastg4f.Provider.{name}"] is module


def test_chatgpt_module_helpers(urls: OfflineUrls) -> None:
    from fastg4f.Provider.ChatGpt import (
        format_conversation,
        get_config,
        get_requirements_token,
        init_session,
    )

    config = get_config("Mozilla/5.0 Test")
    assert config[4] == "Mozilla/5.0 Test"
    assert get_requirements_token(config).startswith("gAAAAAC")
    assert format_conversation(MESSAGES)[0]["content"]["parts"] == ["Hi"]
    with init_session(ChatGpt.user_agent) as session:
        assert session.cookies.get("oai-did")  # the page's cookies are in the session


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_one_model_rule_unknown_names_run_with_the_default(
    urls: OfflineUrls, provider: type[Any]
) -> None:
    answer = call(provider, "async", MESSAGES, model="no-such-model", cookies={"a": "1"}, pause=0)
    assert answer and answer[0]
    if issubclass(provider, ProviderModelMixin):
        assert provider.get_model("no-such-model") == provider.default_model
        assert provider.last_model == provider.default_model


def test_an_alias_to_an_unlisted_model_is_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ChatGptt, "model_aliases", {"x": "not-listed"})
    with pytest.raises(ModelNotFoundError, match="not available from ChatGptt"):
        ChatGptt.get_model("x")


def test_response_objects() -> None:
    assert FinishReason("length").reason == "length"
    usage = Usage(input_tokens=2, output_tokens=5)
    assert usage.get_dict() == {"prompt_tokens": 2, "completion_tokens": 5, "total_tokens": 7}
    assert JsonConversation(conversation_id="x").get_dict() == {"conversation_id": "x"}
    assert str(Reasoning(token="t")) == "t" and not is_content(Reasoning(token="t"))
    assert str(ImageResponse("https://x/i.png", "a cat")) == "![a cat](https://x/i.png)"
    assert is_content(ImageResponse("u", "a")) and not is_content(FinishReason("stop"))
    assert isinstance(usage, HiddenResponse) and str(usage) == ""


def test_all_extra_has_every_optional_feature() -> None:
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text("utf-8"))["project"]["optional-dependencies"]
    # Everything optional for users (not the test and dev tools), by self-reference.
    assert extras["all"] == ["fastg4f[api,cli]"]
    assert set(extras) - {"all", "test", "dev"} == {"api", "cli"}
