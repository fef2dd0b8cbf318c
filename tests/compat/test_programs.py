"""g4f-style programs (``programs/*.py``) run against the emulators with only the prefix changed."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from fastg4f.emulators import OfflineUrls, expected_answer
from fastg4f.pow import verify_token
from fastg4f.providers.helper import format_prompt
from tests.compat._g4f import PROGRAMS, load_program
from tests.servers import LocalServer

pytestmark = pytest.mark.timeout(120)


def answer(provider: str, messages: Sequence[Mapping[str, Any]]) -> str:
    """What the emulator of ``provider`` answers to ``messages`` sent by the provider class."""
    if provider == "ChatGpt":
        return expected_answer(provider, messages)
    return expected_answer(provider, format_prompt(list(messages)))


def test_every_program_is_run_by_a_test() -> None:
    tested = {
        "chat_completion", "client_async", "client_sync", "cookies", "debug_flags", "dropin",
        "errors", "inside_loop", "models", "proof_of_work", "provider_styles", "requests_status",
        "retry_provider",
    }  # fmt: skip
    assert {path.stem for path in PROGRAMS.glob("*.py")} == tested


def test_provider_call_styles(emulators: OfflineUrls) -> None:
    program = load_program("provider_styles")
    messages = program["MESSAGES"]
    sync, asynchronous, info = program["main"]()
    assert sync == {name: answer(name, messages) for name in ("ChatGpt", "Chatgpt4o", "ChatGptt")}
    assert asynchronous == {
        name: answer(name, messages) for name in ("Aichat", "ChatGptt", "Chatgpt4o", "ChatGpt")
    }
    assert info["dict"] == {"name": "ChatGptt", "url": emulators["ChatGptt"], "label": None}
    assert info["parent"] == "Aichat"
    assert info["params"].startswith("fastg4f.Provider.ChatGpt supports: (\n    model: str,\n")
    assert list(info["parameters"])[:3] == ["model", "messages", "stream"]
    as_json = info["json"]
    assert (as_json["provider"], as_json["model"], as_json["stream"]) == ("ChatGpt", "auto", True)
    assert as_json["messages"] == [
        {"role": "system", "content": ""},
        {"role": "user", "content": ""},
    ]
    json.dumps(as_json)  # as_json=True gives plain JSON values


def test_chat_completion(emulators: OfflineUrls) -> None:
    program = load_program("chat_completion")
    messages = program["MESSAGES"]
    results = program["main"]()
    assert results["by_class"] == answer("ChatGpt", messages)
    assert results["by_name"] == answer("Chatgpt4o", messages)
    assert "".join(results["stream"]) == answer("ChatGptt", messages)
    assert results["model_object"] == answer("ChatGpt", messages)  # first in the model table
    assert "Retired is not working" in results["not_working"]
    assert results["ignore_working"] == "still here"
    assert "Chatgpt4o does not support streaming" in results["no_stream"]
    assert results["ignore_stream"] == [answer("Chatgpt4o", messages)]
    assert results["async"] == answer("Aichat", messages)


def test_client(emulators: OfflineUrls) -> None:
    program = load_program("client_sync")
    messages = program["MESSAGES"]
    results = program["main"]()
    assert results["default"] == answer("ChatGptt", messages)
    assert results["override"] == answer("Aichat", messages)
    # a provider that cannot stream: its answer as one chunk, then the closing chunk
    assert results["chunks"] == [answer("Chatgpt4o", messages), ""]
    assert results["stream"] == answer("ChatGptt", messages)


def test_async_client_both_stream_styles(emulators: OfflineUrls) -> None:
    program = load_program("client_async")
    messages = program["MESSAGES"]
    results = program["main"]()
    assert results == {
        "whole": answer("ChatGptt", messages),
        "openai": answer("ChatGptt", messages),
        "g4f": answer("ChatGpt", messages),
        "stream": answer("ChatGptt", messages),
    }


def test_sync_calls_inside_a_running_loop(emulators: OfflineUrls) -> None:
    program = load_program("inside_loop")
    messages = program["MESSAGES"]
    assert program["main"]() == {
        "ChatCompletion": answer("Aichat", messages),
        "create_completion": answer("ChatGptt", messages),
        "Client": answer("Chatgpt4o", messages),
    }


def test_retry_and_iter_list_providers(emulators: OfflineUrls) -> None:
    emulators.emulators.configure("ChatGptt", fault="rate_limit", fault_count=None)
    program = load_program("retry_provider")
    messages = program["MESSAGES"]
    assert program["main"]() == {
        "retry": answer("Aichat", messages),
        "retry_last": "Aichat",
        "iter_list": answer("Chatgpt4o", messages),
        "iter_list_last": "Chatgpt4o",
    }


def test_errors_caught_by_g4f_names(emulators: OfflineUrls) -> None:
    for name in ("Aichat", "ChatGptt"):
        emulators.emulators.configure(name, fault="rate_limit", fault_count=None)
    assert load_program("errors")["main"]() == [
        ("RateLimitError", True),
        ("ModelNotFoundError", True),
        ("ProviderNotFoundError", True),
        ("RetryProviderError", True),
    ]


def test_model_objects(emulators: OfflineUrls) -> None:
    program = load_program("models")
    messages = program["MESSAGES"]
    assert program["main"]() == {
        "same": True,
        "is_model": True,
        "name": "gpt-4o",
        "base_provider": "OpenAI",
        "answer": answer("ChatGpt", messages),
        "by_default": answer("Aichat", messages),
    }


def test_requests_and_raise_for_status(http_server: LocalServer) -> None:
    results = load_program("requests_status")["main"](http_server.base)
    assert results["echo"] == {"q": "1"}
    assert "HTTP 429" in results["async_error"]
    assert "Too many requests, slow down" in results["async_error"]
    assert "HTTP 418" in results["sync_error"]
    assert "teapot" in results["sync_error"]


def test_cookie_helpers(tmp_path: Path) -> None:
    from fastg4f.cookies import set_cookies, set_cookies_dir

    (tmp_path / "example.com.json").write_text('{"sid": "from-file"}', "utf-8")
    (tmp_path / "other.net.json").write_text('{"x": "1"}', "utf-8")
    try:
        results = load_program("cookies")["main"](str(tmp_path))
    finally:
        set_cookies_dir(None)
        set_cookies("example.com", None)
        set_cookies("other.net", None)
        set_cookies("example.org", None)
    assert results == {
        "dir": str(tmp_path),
        "files": {"sid": "from-file"},
        "by_hand": {"session": "by-hand"},
    }


def test_proof_of_work_functions() -> None:
    results = load_program("proof_of_work")["main"]()
    assert verify_token(results["answer"], "0.42", "0fffff")
    assert verify_token(results["proof"], "0.42", "0fffff")
    assert results["not_required"] is None
    requirements = results["requirements"]
    assert requirements.startswith("gAAAAAC")
    config = json.loads(base64.b64decode(requirements[len("gAAAAAC") :]))
    assert isinstance(config, list)
    assert config[4].startswith("Mozilla/5.0 (X11; Linux x86_64)")


def test_debug_flags() -> None:
    import fastg4f.debug

    try:
        assert load_program("debug_flags")["main"]() == (True, False)
        assert fastg4f.debug.logging is True
    finally:
        fastg4f.debug.logging = False


def test_client_runs_an_explicit_provider_marked_not_working() -> None:
    results = load_program("dropin")["explicit_provider"]()
    assert results["client"] == results["per_call"] == "One two three four"
    # The provider's Usage and FinishReason are the completion's (JsonConversation adds no text).
    assert (results["usage"], results["finish"]) == (7, "stop")
    # Only the legacy API checks the flag, and says how to pass it.
    assert "Parts is not working" in results["legacy"]
    assert "ignore_working=True" in results["legacy"]
    assert results["legacy_ignored"] == "One two three four"


def test_max_tokens_cuts_after_that_many_chunks() -> None:
    results = load_program("dropin")["max_tokens"]()
    assert results["cut"] == ("One two ", "length")
    assert results["stream"] == [
        ("One ", None),
        ("two ", None),
        ("three ", None),
        (None, "length"),
    ]
    assert results["whole"] == ("One two three four", "stop")
    assert results["async_cut"] == ("One ", "length")
    assert results["async_stream"] == [("One ", None), ("two ", None), (None, "length")]


def test_response_objects_of_a_custom_provider() -> None:
    content, finish = load_program("dropin")["response_objects"]()
    assert (content, finish) == ("answer", "content_filter")  # reasoning is not answer text


def test_models_users_register_route_to_their_best_provider() -> None:
    # The legacy API joins reasoning into the answer, the client does not (both as g4f).
    assert load_program("dropin")["registered_model"]() == ("hmm answer", "answer")


def test_top_level_names() -> None:
    assert load_program("dropin")["top_level"]() is True
