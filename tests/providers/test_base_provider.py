"""Provider base classes: the three call styles in and outside a running loop, errors, early close,
url-derived endpoints, model lookup and the g4f introspection surface."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from fastg4f.errors import FastG4FError, ModelNotFoundError
from fastg4f.providers import (
    AbstractProvider,
    AsyncGeneratorProvider,
    AsyncProvider,
    BaseProvider,
    ProviderModelMixin,
    url_endpoint,
)
from fastg4f.providers.asyncio import run_sync, to_async_iter, to_sync_iter
from fastg4f.typing import Messages

MESSAGES: Messages = [{"role": "user", "content": "hi"}]
WAIT = 10.0  # upper bound for waiting on another thread; never reached when things work


class Boom(Exception):
    """The error the test providers raise."""


@dataclass
class Probe:
    """What a provider's implementation observed while it ran."""

    started: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    exits: list[str] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)


def chunks(model: str, count: int) -> list[str]:
    return [f"{model}:{i} " for i in range(count)]


class StreamGen(AsyncGeneratorProvider, ProviderModelMixin):
    url = "https://stream.example/base"
    working = True
    default_model = "m1"
    models: ClassVar[list[str]] = ["m1", "m2", "gpt-4o"]
    model_aliases: ClassVar[dict[str, str]] = {"alias": "m2", "gpt-4o": "chatgpt-4o-latest"}

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        *,
        probe: Probe,
        count: int | None = 3,
        fail_at: int | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        probe.threads.add(threading.get_ident())
        try:
            i = 0
            while count is None or i < count:
                if i == fail_at:
                    raise Boom(f"boom at {i}")
                await asyncio.sleep(0)
                yield f"{model}:{i} "
                probe.started.set()
                i += 1
            probe.exits.append("done")
        except GeneratorExit:
            probe.exits.append("GeneratorExit")
            raise
        except asyncio.CancelledError:
            probe.exits.append("CancelledError")
            raise
        finally:
            probe.closed.set()


class SyncGen(AbstractProvider):
    url = "https://sync.example"
    supports_stream = True

    @classmethod
    def create_completion(
        cls,
        model: str,
        messages: Messages,
        stream: bool,
        *,
        probe: Probe,
        count: int | None = 3,
        fail_at: int | None = None,
        **kwargs: Any,
    ) -> Iterator[str]:
        probe.threads.add(threading.get_ident())
        try:
            i = 0
            while count is None or i < count:
                if i == fail_at:
                    raise Boom(f"boom at {i}")
                time.sleep(0)
                yield f"{model}:{i} "
                probe.started.set()
                i += 1
            probe.exits.append("done")
        except GeneratorExit:
            probe.exits.append("GeneratorExit")
            raise
        finally:
            probe.closed.set()


class Whole(AsyncProvider):
    url = "https://whole.example"

    @classmethod
    async def create_async(
        cls,
        model: str,
        messages: Messages,
        *,
        probe: Probe,
        count: int | None = 3,
        fail_at: int | None = None,
        **kwargs: Any,
    ) -> str:
        probe.threads.add(threading.get_ident())
        try:
            if fail_at is not None:
                raise Boom(f"boom at {fail_at}")
            if count is None:
                probe.started.set()
                await asyncio.sleep(3600)
            await asyncio.sleep(0)
            probe.exits.append("done")
            return "".join(chunks(model, count or 0))
        except asyncio.CancelledError:
            probe.exits.append("CancelledError")
            raise
        finally:
            probe.closed.set()


PROVIDERS = [StreamGen, SyncGen, Whole]


def expected_chunks(provider: type[BaseProvider], count: int = 3) -> list[str]:
    # An AsyncProvider answers in one piece whatever the style.
    return ["".join(chunks("m1", count))] if provider is Whole else chunks("m1", count)


def run_sync_style(provider: type[BaseProvider], probe: Probe, **kwargs: Any) -> list[str]:
    return list(provider.create_completion("m1", MESSAGES, stream=True, probe=probe, **kwargs))


async def run_async_style(provider: type[AbstractProvider], probe: Probe, **kwargs: Any) -> str:
    return await provider.create_async("m1", MESSAGES, probe=probe, **kwargs)


async def run_async_gen_style(
    provider: type[AbstractProvider], probe: Probe, **kwargs: Any
) -> list[str]:
    return [c async for c in provider.create_async_generator("m1", MESSAGES, probe=probe, **kwargs)]


# --- the three call styles -------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sync_style_without_a_running_loop(provider: type[AbstractProvider]) -> None:
    probe = Probe()
    assert run_sync_style(provider, probe) == expected_chunks(provider)
    assert probe.exits == ["done"]
    if provider is not SyncGen:
        # No loop is running: the async side is driven from the caller's own thread.
        assert probe.threads == {threading.get_ident()}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_sync_style_inside_a_running_loop(provider: type[AbstractProvider]) -> None:
    probe = Probe()
    assert run_sync_style(provider, probe) == expected_chunks(provider)
    assert probe.exits == ["done"]
    if provider is not SyncGen:
        # The caller's loop is busy waiting: the async side ran on a private loop thread.
        assert threading.get_ident() not in probe.threads


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_styles(provider: type[AbstractProvider]) -> None:
    probe = Probe()
    assert await run_async_style(provider, probe) == "".join(chunks("m1", 3))
    assert await run_async_gen_style(provider, Probe()) == expected_chunks(provider)
    assert probe.exits == ["done"]
    if provider is SyncGen:
        # The sync generator never runs on the event loop's thread.
        assert threading.get_ident() not in probe.threads


@pytest.mark.parametrize("provider", PROVIDERS)
def test_async_styles_from_sync_code(provider: type[AbstractProvider]) -> None:
    assert asyncio.run(run_async_style(provider, Probe())) == "".join(chunks("m1", 3))
    assert run_sync(run_async_gen_style(provider, Probe())) == expected_chunks(provider)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_aliases_call_the_same_styles(provider: type[AbstractProvider]) -> None:
    assert list(provider.create_function("m1", MESSAGES, True, probe=Probe())) == expected_chunks(
        provider
    )
    assert provider.get_create_function() == provider.create_completion
    result = provider.async_create_function("m1", MESSAGES, probe=Probe())
    if provider is StreamGen:
        assert provider.get_async_create_function() == provider.create_async_generator
        assert isinstance(result, AsyncIterator)
        assert [c async for c in result] == expected_chunks(provider)
    else:
        assert provider.get_async_create_function() == provider.create_async
        assert await result == "".join(chunks("m1", 3))  # type: ignore[misc]


# --- exceptions ------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sync_style_propagates_errors(provider: type[AbstractProvider]) -> None:
    probe = Probe()
    received = []
    with pytest.raises(Boom, match="boom at 2"):
        for chunk in provider.create_completion("m1", MESSAGES, True, probe=probe, fail_at=2):
            received.append(chunk)
    assert received == ([] if provider is Whole else chunks("m1", 2))
    assert probe.closed.is_set()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_sync_style_inside_a_loop_propagates_errors(provider: type[AbstractProvider]) -> None:
    with pytest.raises(Boom, match="boom at 1"):
        run_sync_style(provider, Probe(), fail_at=1)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_styles_propagate_errors(provider: type[AbstractProvider]) -> None:
    with pytest.raises(Boom, match="boom at 1"):
        await run_async_style(provider, Probe(), fail_at=1)
    with pytest.raises(Boom, match="boom at 1"):
        await run_async_gen_style(provider, Probe(), fail_at=1)


# --- stopping early cancels the underlying work -------------------------------------------------


def test_closing_the_sync_generator_closes_the_async_generator() -> None:
    probe = Probe()
    gen = StreamGen.create_completion("m1", MESSAGES, probe=probe, count=None)
    assert [next(gen), next(gen)] == chunks("m1", 2)
    assert not probe.closed.is_set()
    gen.close()
    assert probe.closed.is_set()
    assert probe.exits == ["GeneratorExit"]


async def test_closing_the_sync_generator_inside_a_loop_closes_the_async_generator() -> None:
    probe = Probe()
    gen = StreamGen.create_completion("m1", MESSAGES, probe=probe, count=None)
    for chunk in gen:
        if chunk == "m1:1 ":
            break
    gen.close()
    assert probe.closed.is_set()
    assert probe.exits == ["GeneratorExit"]


def test_dropping_the_sync_generator_closes_the_async_generator() -> None:
    probe = Probe()
    gen = StreamGen.create_completion("m1", MESSAGES, probe=probe, count=None)
    next(gen)
    del gen
    gc.collect()
    assert probe.closed.is_set()
    assert probe.exits == ["GeneratorExit"]


async def test_closing_the_async_generator_closes_the_sync_generator() -> None:
    probe = Probe()
    agen = SyncGen.create_async_generator("m1", MESSAGES, probe=probe, count=None)
    received = []
    async for chunk in agen:
        received.append(chunk)
        if len(received) == 2:
            break
    await agen.aclose()
    assert await asyncio.to_thread(probe.closed.wait, WAIT)
    assert probe.exits == ["GeneratorExit"]
    assert received == chunks("m1", 2)


async def test_cancelling_create_async_closes_the_sync_generator() -> None:
    probe = Probe()
    task = asyncio.create_task(SyncGen.create_async("m1", MESSAGES, probe=probe, count=None))
    assert await asyncio.to_thread(probe.started.wait, WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(probe.closed.wait, WAIT)
    assert probe.exits == ["GeneratorExit"]


async def test_cancelling_create_async_cancels_the_async_generator() -> None:
    probe = Probe()
    task = asyncio.create_task(StreamGen.create_async("m1", MESSAGES, probe=probe, count=None))
    assert await asyncio.to_thread(probe.started.wait, WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert probe.closed.is_set()
    assert probe.exits == ["CancelledError"]


async def test_cancelling_create_async_generator_of_an_async_provider() -> None:
    probe = Probe()
    task = asyncio.create_task(run_async_gen_style(Whole, probe, count=None))
    assert await asyncio.to_thread(probe.started.wait, WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert probe.exits == ["CancelledError"]


# --- the bridges themselves ------------------------------------------------------------------


async def test_run_sync_nests_inside_a_running_loop() -> None:
    async def inner() -> int:
        await asyncio.sleep(0)
        return 41

    async def outer() -> int:
        # A sync bridge called from a coroutine that itself runs on a bridge's private loop.
        return run_sync(inner()) + 1

    assert run_sync(outer()) == 42


def test_run_sync_does_not_touch_the_global_event_loop() -> None:
    async def answer() -> str:
        return "ok"

    assert run_sync(answer()) == "ok"
    assert run_sync(answer()) == "ok"


async def test_to_async_iter_passes_async_iterables_through_and_keeps_context() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("caller")

    def produce() -> Iterator[str]:
        yield var.get()
        yield threading.current_thread().name

    received = [item async for item in to_async_iter(produce())]
    assert received == ["caller", "fastg4f-sync-iter"]

    async def agen() -> AsyncIterator[int]:
        yield 1

    source = agen()
    assert to_async_iter(source) is source


def test_to_sync_iter_runs_nothing_until_asked() -> None:
    started = []

    async def agen() -> AsyncIterator[int]:
        started.append(True)
        yield 1

    gen = to_sync_iter(agen())
    assert started == []
    assert list(gen) == [1]


# --- url-derived endpoints -------------------------------------------------------------------


class Site(AsyncGeneratorProvider):
    url = "http://127.0.0.1:8080/chatgpt"
    api_endpoint = url_endpoint("wp-admin/admin-ajax.php")
    conversation = url_endpoint("/backend-anon/conversation")


class Mirror(Site):
    url = "https://mirror.example/"


class SiteChild(Site):
    pass


def test_endpoints_keep_the_url_path() -> None:
    assert Site.api_endpoint == "http://127.0.0.1:8080/chatgpt/wp-admin/admin-ajax.php"
    assert Site.conversation == "http://127.0.0.1:8080/chatgpt/backend-anon/conversation"
    assert Mirror.api_endpoint == "https://mirror.example/wp-admin/admin-ajax.php"
    assert Site.url_join("api/text?x=1") == "http://127.0.0.1:8080/chatgpt/api/text?x=1"
    assert Site.url_join() == Site.url


def test_endpoints_follow_url_reassignment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Site, "url", "http://127.0.0.1:9999/emulated/chatgpt/")
    assert Site.api_endpoint == "http://127.0.0.1:9999/emulated/chatgpt/wp-admin/admin-ajax.php"
    assert SiteChild.api_endpoint == Site.api_endpoint  # inherited url, inherited endpoint
    assert Mirror.api_endpoint == "https://mirror.example/wp-admin/admin-ajax.php"
    monkeypatch.setattr(SiteChild, "url", "https://child.example/x")
    assert SiteChild.conversation == "https://child.example/x/backend-anon/conversation"
    assert Site.conversation.startswith("http://127.0.0.1:9999/")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (None, "url is not set"),
        ("", "url is not set"),
        ("ftp://files.example", "http:// or https://"),
        ("chatgpt.com", "http:// or https://"),
        ("https://x.example/?a=1", "query or fragment"),
    ],
)
def test_bad_urls_raise_clear_errors(
    monkeypatch: pytest.MonkeyPatch, url: str | None, words: str
) -> None:
    monkeypatch.setattr(Site, "url", url)
    with pytest.raises(ValueError, match=r"Site\.url") as error:
        _ = Site.api_endpoint
    assert words in str(error.value)


def test_relative_endpoints_replace_the_last_url_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    class Page(AsyncGeneratorProvider):
        url = "https://chat.example/chat"
        api_endpoint = url_endpoint("api/text", relative=True)

    assert Page.api_endpoint == "https://chat.example/api/text"
    monkeypatch.setattr(Page, "url", "http://127.0.0.1:8080/aichat/chat")
    assert Page.api_endpoint == "http://127.0.0.1:8080/aichat/api/text"
    monkeypatch.setattr(Page, "url", None)
    with pytest.raises(ValueError, match=r"Page\.url is not set"):
        _ = Page.api_endpoint


def test_absolute_endpoint_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="absolute URL"):
        Site.url_join("https://elsewhere.example/api")


# --- models ----------------------------------------------------------------------------------


class NoDefault(AsyncGeneratorProvider, ProviderModelMixin):
    models: ClassVar[list[str]] = ["x"]


def test_get_model_is_lenient_like_g4f() -> None:
    assert StreamGen.get_model("m2") == "m2"
    assert StreamGen.get_model("gpt-4o") == "gpt-4o"  # listed wins over alias
    assert StreamGen.get_model("alias") == "m2"
    assert StreamGen.get_model("unknown") == "m1"
    assert StreamGen.get_model("") == "m1"
    assert StreamGen.get_model(None) == "m1"
    assert StreamGen.last_model == "m1"
    assert NoDefault.get_model("anything") == "anything"
    with pytest.raises(ModelNotFoundError, match="no default_model"):
        NoDefault.get_model("")


def test_get_models() -> None:
    assert StreamGen.get_models() == ["m1", "m2", "gpt-4o"]
    StreamGen.get_models().append("mutated")
    assert "mutated" not in StreamGen.models

    class OnlyDefault(ProviderModelMixin):
        default_model = "d"

    assert OnlyDefault.get_models() == ["d"]


def test_get_model_strict() -> None:
    assert StreamGen.get_model_strict("m2") == "m2"
    assert StreamGen.get_model_strict("alias") == "m2"
    assert StreamGen.get_model_strict("") == "m1"
    with pytest.raises(ModelNotFoundError) as error:
        StreamGen.get_model_strict("gpt-5")
    message = str(error.value)
    assert "'gpt-5'" in message and "StreamGen" in message
    assert "m1, m2, gpt-4o" in message and "alias -> m2" in message
    assert isinstance(error.value, FastG4FError)
    with pytest.raises(ModelNotFoundError, match="Available models: x"):
        NoDefault.get_model_strict(None)


# --- introspection (g4f surface) ---------------------------------------------------------------


class Documented(AsyncGeneratorProvider, ProviderModelMixin):
    url = "https://documented.example"
    label = "Documented Label"
    default_model = "m1"
    parent = "Family"

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        proxy: str | None = None,
        timeout: int = 120,
        internal_flag: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        yield model


class Plain(AbstractProvider):
    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool, temperature: float | None = None
    ) -> Iterator[str]:
        yield model


def test_params_text() -> None:
    assert Documented.params == (
        "fastg4f.Provider.Documented supports: (\n"
        "    model: str,\n"
        "    messages: Messages,\n"
        "    stream: bool = True,\n"
        "    proxy: str | None = None,\n"
        "    timeout: int = 120,\n"
        ")"
    )
    # A provider that cannot stream does not list ``stream``.
    assert Plain.params == (
        "fastg4f.Provider.Plain supports: (\n"
        "    model: str,\n"
        "    messages: Messages,\n"
        "    temperature: float | None = None,\n"
        ")"
    )


def test_get_parameters() -> None:
    params = Documented.get_parameters()
    assert list(params) == ["model", "messages", "stream", "proxy", "timeout"]
    assert params["timeout"].default == 120
    as_json = Documented.get_parameters(as_json=True)
    assert as_json == {
        "provider": "Documented",
        "model": "m1",
        "messages": [{"role": "user", "content": ""}],
        "stream": True,
        "timeout": 120,
        "response_format": None,
        "max_tokens": None,
        "stop": None,
        "proxy": "http://user:password@127.0.0.1:3128",
    }
    assert json.loads(json.dumps(as_json)) == as_json
    plain = Plain.get_parameters(as_json=True)
    assert plain["stream"] is False and plain["model"] == ""
    assert plain["temperature"] == 1  # g4f's example value


def test_get_dict_and_parent() -> None:
    assert Documented.get_dict() == {
        "name": "Documented",
        "url": "https://documented.example",
        "label": "Documented Label",
    }
    assert Documented.get_parent() == "Family"
    assert Plain.get_parent() == "Plain"
    assert Plain.get_dict() == {"name": "Plain", "url": None, "label": None}


def test_class_attributes_have_g4f_defaults() -> None:
    for name in (
        "working",
        "needs_auth",
        "supports_system_message",
        "supports_message_history",
        "supports_gpt_35_turbo",
        "supports_gpt_4",
    ):
        assert getattr(BaseProvider, name) is False, name
    assert AbstractProvider.supports_stream is False
    assert AsyncGeneratorProvider.supports_stream is True
    assert BaseProvider.url is None and BaseProvider.api_endpoint is None
