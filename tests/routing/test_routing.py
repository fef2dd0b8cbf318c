"""Fail-over rules of IterListProvider/RetryProvider and the model table (real toy providers)."""

from __future__ import annotations

import asyncio
import random
from contextlib import closing
from typing import Any

import pytest

import fastg4f.emulators
from fastg4f import models, routing
from fastg4f.errors import (
    ModelNotFoundError,
    NoProviderError,
    RateLimitError,
    ResponseError,
    RetryNoProviderError,
    RetryProviderError,
    TimeoutError,
)
from fastg4f.models import ModelTable, ModelUtils, TableProvider, served_models
from fastg4f.providers.asyncio import run_sync
from fastg4f.routing import (
    Candidate,
    IterListProvider,
    RetryProvider,
    failover,
    is_working,
    register_emulation,
)
from tests.toy_providers import ToySync, ToyWhole, answer_text, answer_words, make_provider

MESSAGES = [{"role": "user", "content": "grüß dich"}]
WAIT = 10.0


class Boom(Exception):
    pass


def collect(provider: Any, model: str = "toy-1", **kwargs: Any) -> str:
    return "".join(provider.create_completion(model, MESSAGES, stream=True, **kwargs))


def test_first_failure_moves_on_to_the_next_provider() -> None:
    a = make_provider("A", fail=Boom("a is down"))
    b = make_provider("B")
    router = IterListProvider([a, b], shuffle=False)
    assert collect(router) == answer_text("B", "toy-1", MESSAGES)
    assert router.last_provider is b
    assert len(a.probe.calls) == 1
    assert a.probe.closed.wait(WAIT)


def test_all_failing_lists_each_failure() -> None:
    a = make_provider("A", fail=Boom("a is down"))
    b = make_provider("B", base=ToySync, fail=RateLimitError("429 from b"))
    c = make_provider("C", empty=True)
    with pytest.raises(RetryProviderError) as info:
        collect(IterListProvider([a, b, c], shuffle=False))
    text = str(info.value)
    assert "A: Boom: a is down" in text
    assert "B: RateLimitError: 429 from b" in text
    assert "C: ResponseError: C finished without any text" in text
    found = info.value.exceptions  # type: ignore[attr-defined]
    assert list(found) == ["A", "B", "C"]
    assert isinstance(found["C"], ResponseError)


def test_error_after_first_text_propagates_without_fail_over() -> None:
    a = make_provider("A", fail=Boom("mid-stream"), fail_after=2)
    b = make_provider("B")
    router = IterListProvider([a, b], shuffle=False)
    seen: list[str] = []
    with pytest.raises(Boom, match="mid-stream"):
        for chunk in router.create_completion("toy-1", MESSAGES, stream=True):
            seen.append(chunk)
    assert seen == answer_words("A", "toy-1", MESSAGES)[:2]
    assert b.probe.calls == []  # never tried: no text from two providers


async def test_per_provider_timeout_bounds_the_first_text() -> None:
    slow = make_provider("Slow", first_delay=30)
    fast = make_provider("Fast")
    router = IterListProvider([slow, fast], shuffle=False, timeout=0.2)
    text = await router.create_async("toy-1", MESSAGES)
    assert text == answer_text("Fast", "toy-1", MESSAGES)
    assert slow.probe.closed.wait(WAIT)
    with pytest.raises(RetryProviderError, match="Slow: TimeoutError") as info:
        await IterListProvider([slow], shuffle=False, timeout=0.2).create_async("toy-1", MESSAGES)
    assert isinstance(info.value.exceptions["Slow"], TimeoutError)  # type: ignore[attr-defined]


async def test_timeout_also_bounds_sync_providers_in_threads() -> None:
    slow = make_provider("SlowSync", base=ToySync, first_delay=1.0)
    whole = make_provider("Whole", base=ToyWhole)
    router = IterListProvider([slow, whole], shuffle=False, timeout=0.1)
    assert await router.create_async("toy-1", MESSAGES) == answer_text("Whole", "toy-1", MESSAGES)
    assert slow.probe.closed.wait(WAIT)


def test_only_working_providers_unless_ignore_working() -> None:
    off = make_provider("Off", working=False)
    on = make_provider("On")
    assert collect(IterListProvider([off, on], shuffle=False)) == answer_text(
        "On", "toy-1", MESSAGES
    )
    assert off.probe.calls == []
    with pytest.raises(NoProviderError, match="Off") as info:
        collect(IterListProvider([off], shuffle=False))
    assert "ignore_working=True" in str(info.value)
    assert collect(IterListProvider([off], ignore_working=True)) == answer_text(
        "Off", "toy-1", MESSAGES
    )
    assert collect(IterListProvider([off]), ignore_working=True) == answer_text(
        "Off", "toy-1", MESSAGES
    )


def test_emulated_providers_count_as_working(monkeypatch: pytest.MonkeyPatch) -> None:
    chatgpt = make_provider("ChatGpt", working=False)
    other = make_provider("NotEmulated", working=False)
    assert not is_working(chatgpt) and not is_working(other)
    # A registered emulation check makes the providers it accepts count as working.
    monkeypatch.setattr(routing, "_emulation_checks", list(routing._emulation_checks))
    register_emulation(lambda p: p is chatgpt)
    assert is_working(chatgpt) and not is_working(other)
    # The emulators register theirs on import; outside an offline() block it accepts nothing.
    assert fastg4f.emulators.is_emulated in routing._emulation_checks
    assert not fastg4f.emulators.is_emulated(other)


def test_provider_kwargs_pass_through_unchanged() -> None:
    a = make_provider("A", fail=Boom("down"))
    b = make_provider("B")
    router = IterListProvider([a, b], shuffle=False, timeout=5)
    text = collect(router, timeout=7, stream_extra=1, attempts=2, on_start_x=3)
    assert text == answer_text("B", "toy-1", MESSAGES)
    assert b.probe.calls[0][1] == {
        "timeout": 7,
        "stream_extra": 1,
        "attempts": 2,
        "on_start_x": 3,
        "stream": True,
    }


def test_empty_provider_list() -> None:
    with pytest.raises(RetryNoProviderError, match="no providers"):
        collect(IterListProvider([]))
    with pytest.raises(RetryNoProviderError, match="empty"):
        run_sync(failover([], MESSAGES).__anext__())


def test_rejects_non_providers_and_bad_settings() -> None:
    with pytest.raises(TypeError, match="provider class"):
        IterListProvider([object])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="max_retries"):
        RetryProvider([make_provider("A")], max_retries=0)
    with pytest.raises(ValueError, match="timeout"):
        IterListProvider([make_provider("A")], timeout=0)


def test_retry_provider_retries_a_lone_provider() -> None:
    flaky = make_provider("Flaky", fail=Boom("flaky"), fail_times=2)
    retry = RetryProvider([flaky], shuffle=False, single_provider_retry=True, max_retries=3)
    assert collect(retry) == answer_text("Flaky", "toy-1", MESSAGES)
    assert len(flaky.probe.calls) == 3
    flakier = make_provider("Flakier", fail=Boom("flaky"), fail_times=5)
    with pytest.raises(RetryProviderError) as info:
        collect(RetryProvider([flakier], single_provider_retry=True, max_retries=2))
    assert "Flakier (attempt 2): Boom: flaky" in str(info.value)
    once = make_provider("Once", fail=Boom("x"), fail_times=1)
    with pytest.raises(RetryProviderError):
        collect(RetryProvider([once]))  # g4f: no retry unless single_provider_retry
    assert len(once.probe.calls) == 1


def test_shuffle_uses_every_order() -> None:
    a, b, c = make_provider("A"), make_provider("B"), make_provider("C")
    router = IterListProvider([a, b, c], shuffle=True)
    random.seed(1234)
    orders = {tuple(x.provider for x in router.candidates("m")) for _ in range(200)}
    assert len(orders) == 6
    assert {tuple(x.provider for x in IterListProvider([a, b, c], False).candidates("m"))} == {
        (a, b, c)
    }


def test_closing_the_stream_closes_the_provider() -> None:
    forever = make_provider("Forever", forever=True)
    router = IterListProvider([forever], shuffle=False)
    with closing(router.create_completion("toy-1", MESSAGES, stream=True)) as stream:
        for i, _ in enumerate(stream):
            if i == 3:
                break
    assert forever.probe.closed.wait(WAIT)


async def test_async_generator_and_sync_inside_a_running_loop() -> None:
    a = make_provider("A", fail=Boom("down"))
    b = make_provider("B", base=ToySync)
    router = IterListProvider([a, b], shuffle=False)
    chunks = [c async for c in router.create_async_generator("toy-1", MESSAGES)]
    assert "".join(chunks) == answer_text("B", "toy-1", MESSAGES)
    assert len(chunks) > 1
    # The sync style inside a running loop (Jupyter): no asyncio patching needed.
    assert collect(router) == answer_text("B", "toy-1", MESSAGES)


async def test_cancelling_a_routed_stream_closes_the_provider() -> None:
    forever = make_provider("Forever", forever=True, delay=0.01)
    gen = IterListProvider([forever], shuffle=False).create_async_generator("toy-1", MESSAGES)

    async def consume() -> None:
        async for _ in gen:
            pass

    task = asyncio.ensure_future(consume())
    assert await asyncio.to_thread(forever.probe.started.wait, WAIT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert forever.probe.closed.wait(WAIT)


def test_on_start_names_the_answering_provider() -> None:
    a = make_provider("A", fail=Boom("down"))
    b = make_provider("B")
    seen: list[Candidate] = []
    run_sync(
        _drain(failover([Candidate(a, "x"), Candidate(b, "y")], MESSAGES, on_start=seen.append))
    )
    assert seen == [Candidate(b, "y")]
    assert b.probe.calls[0][0] == "y"


async def _drain(gen: Any) -> list[Any]:
    return [c async for c in gen]


# ---------------------------------------------------------------- model table


def test_served_models_rules() -> None:
    p = make_provider(
        "P", models=("p-1", "gpt-4o"), default_model="p-1", aliases={"gpt-4o": "x", "mini": "p-1"}
    )
    assert served_models(p) == {"p-1": "p-1", "gpt-4o": "gpt-4o", "mini": "p-1"}
    bare = make_provider("Bare", models=(), default_model=None, supports_gpt_35_turbo=True)
    assert served_models(bare) == {"gpt-3.5-turbo": "gpt-3.5-turbo"}
    only_default = make_provider("OnlyDefault", models=(), default_model="d")
    assert served_models(only_default) == {"d": "d"}


def test_table_maps_public_names_to_providers_and_their_names() -> None:
    a = make_provider("A", models=("a-1",), default_model="a-1", aliases={"gpt-4o": "a-4o"})
    b = make_provider("B", models=("gpt-4o", "b-1"), default_model="b-1", working=False)
    table = ModelTable([a, b])
    assert table.names() == ["a-1", "b-1", "gpt-4o"]
    assert table.candidates("gpt-4o") == [Candidate(a, "a-4o"), Candidate(b, "gpt-4o")]
    assert table.candidates("gpt-4o", ignore_working=False) == [Candidate(a, "a-4o")]
    assert table.candidates("") == [Candidate(a, "a-1"), Candidate(b, "b-1")]
    assert "gpt-4o" in table and "nope" not in table
    with pytest.raises(ModelNotFoundError, match=r"'nope' not found. Known models: a-1, b-1"):
        table.candidates("nope")


def test_table_provider_routes_with_provider_specific_names() -> None:
    a = make_provider("A", models=("a-1",), default_model="a-1", aliases={"gpt-4o": "a-4o"})
    a.fail = Boom("a down")
    b = make_provider("B", models=("gpt-4o",), default_model="gpt-4o")
    router = TableProvider("gpt-4o", ModelTable([a, b]))
    assert router.providers == [a, b]
    assert collect(router, "") == answer_text("B", "gpt-4o", MESSAGES)
    assert a.probe.calls[0][0] == "a-4o"
    with pytest.raises(AttributeError, match="follows the model table"):
        router.providers = [a]
    off = make_provider("Off", working=False)
    with pytest.raises(NoProviderError, match="No working provider for model 'toy-1'"):
        collect(TableProvider("toy-1", ModelTable([off])))


def test_empty_registry_says_so() -> None:
    table = ModelTable([])
    with pytest.raises(ModelNotFoundError, match="no provider is registered"):
        table.candidates("gpt-4o")


def test_named_models_and_model_utils() -> None:
    assert models.gpt_4o.name == "gpt-4o" and models.gpt_4o.base_provider == "OpenAI"
    assert models.default.name == ""
    assert isinstance(models.gpt_4o_mini.best_provider, TableProvider)
    assert ModelUtils.convert["gpt-4o"] is models.gpt_4o
    assert "gpt-3.5-turbo" in ModelUtils.convert
    assert "no-such-model" not in ModelUtils.convert
    assert ModelUtils.get(models.gpt_4) is models.gpt_4
    assert ModelUtils.get("") is models.default
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        ModelUtils.get("no-such-model")
    assert set(ModelUtils.convert) >= {"gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo"}
