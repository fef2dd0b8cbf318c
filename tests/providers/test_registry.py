"""The provider registry (``fastg4f.providers``, g4f's ``fastg4f.Provider``), ``offline()``,
``fastg4f emulate``, class attributes, and the hang fault with timeouts."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

import fastg4f
from fastg4f import emulators
from fastg4f.errors import TimeoutError
from fastg4f.providers import (
    AbstractProvider,
    Aichat,
    AsyncGeneratorProvider,
    AsyncProvider,
    ChatGpt,
    Chatgpt4o,
    ChatGptEs,
    ChatGptt,
    __providers__,
)

MESSAGES = [{"role": "user", "content": "hallo"}]


def test_provider_package_reexports_the_same_objects() -> None:
    import fastg4f.Provider as Provider
    from fastg4f.Provider import ChatGpt as G4fChatGpt
    from fastg4f.Provider import ProviderUtils, __map__, base_provider, helper
    from fastg4f.providers import base_provider as our_base
    from fastg4f.providers import helper as our_helper

    assert G4fChatGpt is ChatGpt
    assert Provider.__providers__ is __providers__
    assert [p.__name__ for p in __providers__] == list(emulators.PROVIDER_NAMES)
    assert set(Provider.__all__) >= {p.__name__ for p in __providers__}
    for provider in __providers__:
        assert getattr(Provider, provider.__name__) is provider
        assert ProviderUtils.convert[provider.__name__] is provider
        assert __map__[provider.__name__] is provider
    assert base_provider.AsyncGeneratorProvider is our_base.AsyncGeneratorProvider
    assert helper.format_prompt is our_helper.format_prompt
    assert fastg4f.Provider is Provider


@pytest.mark.parametrize(
    ("provider", "base", "attributes"),
    [
        (
            ChatGpt,
            AbstractProvider,
            {
                "label": "ChatGpt",
                "url": "https://chatgpt.com",
                "working": False,
                "supports_message_history": True,
                "supports_system_message": True,
                "supports_stream": True,
                "default_model": "auto",
                "models": [
                    "auto",
                    "gpt-3.5-turbo",
                    "gpt-4o",
                    "gpt-4o-mini",
                    "gpt-4",
                    "gpt-4-turbo",
                    "chatgpt-4o-latest",
                ],
                "model_aliases": {"gpt-4o": "chatgpt-4o-latest"},
            },
        ),
        (
            ChatGptt,
            AsyncGeneratorProvider,
            {
                "url": "https://chatgptt.me",
                "api_endpoint": "https://chatgptt.me/wp-admin/admin-ajax.php",
                "working": False,
                "supports_stream": True,
                "supports_system_message": True,
                "supports_message_history": True,
                "default_model": "gpt-4o",
                "models": ["gpt-4", "gpt-4o", "gpt-4o-mini"],
            },
        ),
        (
            Chatgpt4o,
            AsyncProvider,
            {
                "url": "https://chatgpt4o.one",
                "working": False,
                "default_model": "gpt-4o-mini-2024-07-18",
                "models": ["gpt-4o-mini-2024-07-18"],
                "model_aliases": {"gpt-4o-mini": "gpt-4o-mini-2024-07-18"},
            },
        ),
        (
            ChatGptEs,
            AsyncGeneratorProvider,
            {
                "url": "https://chatgpt.es",
                "api_endpoint": "https://chatgpt.es/wp-admin/admin-ajax.php",
                "working": False,
                "supports_stream": True,
                "supports_system_message": False,
                "supports_message_history": False,
                "default_model": "gpt-4o",
                "models": ["gpt-4", "gpt-4o", "gpt-4o-mini"],
            },
        ),
        (
            Aichat,
            AsyncProvider,
            {
                "url": "https://chat-gpt.org/chat",
                "api_endpoint": "https://chat-gpt.org/api/text",
                "working": False,
                "supports_gpt_35_turbo": True,
            },
        ),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_class_attributes(provider: Any, base: type, attributes: dict[str, Any]) -> None:
    assert issubclass(provider, base)
    for name, value in attributes.items():
        assert getattr(provider, name) == value, name


def test_aichat_create_async_is_static() -> None:
    assert isinstance(Aichat.__dict__["create_async"], staticmethod)


def test_chatgpt4o_timeout_default() -> None:
    assert Chatgpt4o.get_parameters()["timeout"].default == 120


def test_offline_points_and_restores_every_url() -> None:
    before = {p: p.url for p in __providers__}
    assert not emulators.is_offline()
    assert emulators.emulated_providers() == frozenset()
    with emulators.offline() as urls:
        assert emulators.is_offline()
        assert emulators.emulated_providers() == set(emulators.PROVIDER_NAMES)
        assert emulators.is_emulated(ChatGpt) and emulators.is_emulated("Aichat")
        for provider in __providers__:
            assert provider.url == urls[provider.__name__]
        assert ChatGptt.api_endpoint == urls["ChatGptt"] + "/wp-admin/admin-ajax.php"
        with emulators.offline() as inner:
            assert ChatGpt.url == inner["ChatGpt"] != urls["ChatGpt"]
            assert emulators.is_emulated(ChatGpt)
        assert ChatGpt.url == urls["ChatGpt"]
        Aichat.url = "http://127.0.0.1:1/elsewhere"
        assert not emulators.is_emulated(Aichat)
    assert {p: p.url for p in __providers__} == before
    assert not emulators.is_offline()
    with pytest.raises(KeyError), emulators.offline():
        raise KeyError("boom")
    assert {p: p.url for p in __providers__} == before


def test_offline_sets_up_the_demo_and_restores_it() -> None:
    from fastg4f.cookies import stored_cookies
    from fastg4f.providers.helper import format_prompt

    assert ChatGpt.default_pause == 2.0
    with emulators.offline() as urls:
        host = urls["Aichat"].split("//")[1].split(":")[0]
        assert ChatGpt.default_pause == 0
        assert stored_cookies(host) == emulators.EMULATOR_SESSION_COOKIE
        answer = asyncio.run(Aichat.create_async("", MESSAGES, timeout=10))
        assert answer == emulators.expected_answer("Aichat", format_prompt(MESSAGES))
    assert ChatGpt.default_pause == 2.0
    assert "default_pause" not in vars(ChatGpt) or vars(ChatGpt)["default_pause"] == 2.0
    assert stored_cookies(host) is None


def test_offline_passes_emulator_options() -> None:
    with emulators.offline(chatgpt={"stream_format": "legacy", "difficulty": "00ffff"}) as urls:
        options = urls.emulators.options("ChatGpt")
        assert (options.stream_format, options.difficulty) == ("legacy", "00ffff")  # type: ignore[attr-defined]
        answer = asyncio.run(ChatGpt.create_async("", MESSAGES, pause=0, timeout=10))
        assert answer == emulators.expected_answer("ChatGpt", MESSAGES)


def test_hang_ends_in_a_timeout_for_every_provider() -> None:
    async def one(provider: Any) -> BaseException | str:
        try:
            kwargs: dict[str, Any] = {"timeout": 1, "cookies": {"c": "1"}}
            if provider is ChatGpt:
                kwargs["pause"] = 0
            return await asyncio.wait_for(provider.create_async("", MESSAGES, **kwargs), 10)
        except BaseException as exc:  # returned and checked below
            return exc

    async def all_providers() -> list[BaseException | str]:
        return await asyncio.gather(*(one(p) for p in __providers__))

    with emulators.offline() as urls:
        for name in emulators.PROVIDER_NAMES:
            urls.emulators.configure(name, fault="hang", hang_seconds=25)
        start = time.monotonic()
        results = asyncio.run(all_providers())
    assert time.monotonic() - start < 8
    for provider, result in zip(__providers__, results, strict=True):
        assert isinstance(result, TimeoutError), (provider, result)


def test_emulate_command() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "fastg4f", "emulate", "--no-pow", "--stream-format", "legacy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().split() for _ in range(6)]
            found = dict(line for line in lines if len(line) == 2)
            assert list(found) == list(emulators.PROVIDER_NAMES)
            with urllib.request.urlopen(found["Aichat"], timeout=10) as page:
                assert page.status == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.parametrize("provider", __providers__, ids=lambda p: p.__name__)
def test_fault_count_delay_and_page_faults(provider: Any) -> None:
    from fastg4f.errors import CloudflareError, RateLimitError

    kwargs: dict[str, Any] = {"timeout": 10, "cookies": {"c": "1"}}
    if provider is ChatGpt:
        kwargs["pause"] = 0
    name = provider.__name__
    with emulators.offline() as urls:
        urls.emulators.configure(name, fault="rate_limit", fault_count=1, delay=0.05)
        with pytest.raises(RateLimitError):
            asyncio.run(provider.create_async("", MESSAGES, **kwargs))
        # the fault cleared itself after one request; the delay only slows things down
        assert asyncio.run(provider.create_async("", MESSAGES, **kwargs))
        if provider is not Aichat:  # Aichat never loads a page
            urls.emulators.configure(
                name, fault="cloudflare", fault_count=None, fault_pages=True, delay=0
            )
            Chatgpt4o._store_tokens(None, None)
            with pytest.raises(CloudflareError):
                asyncio.run(provider.create_async("", MESSAGES, **kwargs))
