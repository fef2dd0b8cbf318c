"""``model_dump`` of the client's result objects: what ``dataclasses.asdict`` gives, fresh."""

from __future__ import annotations

import dataclasses

from fastg4f.client.stubs import ChatCompletion, ChatCompletionChunk, ModelList, Usage


def test_dump_equals_asdict_and_shares_no_container() -> None:
    completion = ChatCompletion.build(
        "hi", model="m", provider="p", usage=Usage(1, 2, 3), completion_id="x", finish_reason="stop"
    )
    completion.choices[0].message.tool_calls = [{"a": (1, {"b": None}), "c": [1.5, True]}]
    chunk = ChatCompletionChunk.build(
        "t", completion_id="i", model="m", provider=None, created=1, role="assistant"
    )
    for result in (completion, chunk, ModelList.of(["a", "b"])):
        assert result.model_dump() == dataclasses.asdict(result)  # type: ignore[call-overload]
    dumped = completion.model_dump()
    dumped["choices"][0]["message"]["tool_calls"][0]["c"].append("x")
    dumped["choices"][0]["message"]["content"] = "changed"
    assert completion.choices[0].message.tool_calls == [{"a": (1, {"b": None}), "c": [1.5, True]}]
    assert completion.choices[0].message.content == "hi"
    assert chunk.model_dump(exclude_none=True)["choices"][0]["delta"] == {
        "content": "t",
        "role": "assistant",
    }
