"""``POST /v1/responses`` (OpenAI's Responses API, text) and the legacy ``POST /v1/completions``.

Both run the same :class:`~fastg4f.api.generate.Generation` as chat completions; only the wire
shapes differ. A streamed response sends OpenAI's event sequence: ``response.created``,
``response.in_progress``, ``response.output_item.added``, ``response.content_part.added``,
``response.output_text.delta`` (one per delta), ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done`` and ``response.completed`` (or
``response.incomplete`` when ``max_output_tokens`` cut the answer, ``response.failed`` on an
upstream error after the stream began), each with its ``sequence_number``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fastg4f.api.errors import to_api_error, unsupported
from fastg4f.api.generate import (
    Generation,
    aclose,
    complete_unless_disconnected,
    event_stream,
    first_unless_disconnected,
    generation_endpoint,
    read_body,
    sampling_options,
    settings_of,
    sse,
)
from fastg4f.api.schemas import (
    ChatMessage,
    CompletionRequest,
    ResponsesRequest,
    input_messages,
    render_messages,
)

__all__ = ["completions", "responses"]

_PASSED = ("temperature", "top_p")


def _check_responses(body: ResponsesRequest) -> None:
    if body.previous_response_id is not None:
        raise unsupported(
            "previous_response_id",
            "previous_response_id is not supported: this server stores no responses; send the "
            "whole conversation in 'input'",
        )
    if body.conversation is not None:
        raise unsupported("conversation", "conversation is not supported; send 'input'")
    if body.background:
        raise unsupported("background", "background responses are not supported")
    if body.tools and body.tool_choice != "none":
        raise unsupported(
            "tools", 'Tool calling is not supported by the providers; send tool_choice "none"'
        )
    if body.text is not None:
        fmt = body.text.get("format") or {"type": "text"}
        if not isinstance(fmt, dict) or fmt.get("type") != "text":
            raise unsupported("text.format", "Only the text format is supported (no JSON schema)")


class _Envelope:
    """The response object of one Responses API call, as it evolves."""

    def __init__(self, body: ResponsesRequest, generation: Generation) -> None:
        self.body = body
        self.generation = generation
        self.id = "resp_" + secrets.token_hex(24)
        self.message_id = "msg_" + secrets.token_hex(24)
        self.created = int(time.time())
        self.sequence = 0

    def message(self, text: str, status: str) -> dict[str, Any]:
        content = [] if status == "in_progress" else [self.part(text)]
        return {
            "id": self.message_id,
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": content,
        }

    @staticmethod
    def part(text: str) -> dict[str, Any]:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def response(self, status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        generation, body = self.generation, self.body
        text = "".join(generation.text)
        incomplete = status == "incomplete"
        usage = generation.usage()
        done = status in ("completed", "incomplete")
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "error": error,
            "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
            "instructions": body.instructions,
            "max_output_tokens": body.max_output_tokens,
            "model": generation.model_label,
            "provider": generation.provider_label,
            "output": [self.message(text, "completed" if done else status)] if done else [],
            "parallel_tool_calls": False,
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "store": False,
            "temperature": body.temperature,
            "text": {"format": {"type": "text"}},
            "tool_choice": body.tool_choice or "none",
            "tools": [],
            "top_p": body.top_p,
            "truncation": "disabled",
            "usage": {
                "input_tokens": usage.prompt_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": usage.completion_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": usage.total_tokens,
            }
            if done
            else None,
            "user": body.user,
            "metadata": body.metadata or {},
        }

    def final_status(self) -> str:
        return "incomplete" if self.generation.finish_reason == "length" else "completed"

    def event(self, kind: str, **fields: Any) -> str:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return sse(data, kind)


def _generation(request: Request, body: Any, messages: list[ChatMessage], **kw: Any) -> Generation:
    settings = settings_of(request)
    limits = settings.limits
    return Generation(
        settings,
        body.model,
        render_messages(messages, limits.max_messages, limits.max_message_chars),
        bool(body.stream),
        provider=body.provider,
        options=sampling_options(body, _PASSED),
        **kw,
    )


@generation_endpoint
async def responses(request: Request) -> Response | dict[str, Any]:
    """A Responses API call (text in, text out; ``stream: true`` sends ``response.*`` events)."""
    body = await read_body(request, ResponsesRequest)
    _check_responses(body)
    generation = _generation(request, body, input_messages(body), max_tokens=body.max_output_tokens)
    envelope = _Envelope(body, generation)
    if not body.stream:
        await complete_unless_disconnected(generation, request)
        return envelope.response(envelope.final_status())
    deltas, first = await first_unless_disconnected(generation, request)
    return event_stream(_response_events(envelope, deltas, first))


async def _response_events(
    envelope: _Envelope, deltas: AsyncIterator[str], first: str | None
) -> AsyncIterator[str]:
    item = {"item_id": envelope.message_id, "output_index": 0}
    yield envelope.event("response.created", response=envelope.response("in_progress"))
    yield envelope.event("response.in_progress", response=envelope.response("in_progress"))
    yield envelope.event(
        "response.output_item.added",
        output_index=0,
        item=envelope.message("", "in_progress"),
    )
    yield envelope.event(
        "response.content_part.added", **item, content_index=0, part=envelope.part("")
    )
    try:
        if first:
            yield envelope.event(
                "response.output_text.delta", **item, content_index=0, delta=first, logprobs=[]
            )
        async for text in deltas:
            yield envelope.event(
                "response.output_text.delta", **item, content_index=0, delta=text, logprobs=[]
            )
    except Exception as exc:
        error = to_api_error(exc).body
        failed = envelope.response("failed", {"code": error["code"], "message": error["message"]})
        yield envelope.event("response.failed", response=failed)
        return
    finally:
        await aclose(deltas)
    text = "".join(envelope.generation.text)
    yield envelope.event(
        "response.output_text.done", **item, content_index=0, text=text, logprobs=[]
    )
    yield envelope.event(
        "response.content_part.done", **item, content_index=0, part=envelope.part(text)
    )
    yield envelope.event(
        "response.output_item.done", output_index=0, item=envelope.message(text, "completed")
    )
    status = envelope.final_status()
    yield envelope.event(f"response.{status}", response=envelope.response(status))


# ---------------------------------------------------------------- legacy completions


def _completion(
    cid: str, created: int, generation: Generation, text: str, finish: str | None
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "text_completion",
        "created": created,
        "model": generation.model_label,
        "provider": generation.provider_label,
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
    }


def _check_completion(body: CompletionRequest) -> str:
    prompt = body.prompt
    if isinstance(prompt, list):
        if len(prompt) != 1:
            raise unsupported("prompt", "Only one prompt per request is supported")
        prompt = prompt[0]
    for name, ok in (
        ("n", body.n in (None, 1)),
        ("best_of", body.best_of in (None, 1)),
        ("suffix", body.suffix is None),
        ("logprobs", not body.logprobs),
        ("logit_bias", not body.logit_bias),
    ):
        if not ok:
            raise unsupported(name, f"{name} is not supported by the providers")
    return prompt


@generation_endpoint
async def completions(request: Request) -> Response | dict[str, Any]:
    """A legacy text completion: ``prompt`` is sent as one user message."""
    body = await read_body(request, CompletionRequest)
    prompt = _check_completion(body)
    cid, created = "cmpl-" + secrets.token_hex(12), int(time.time())
    echo = prompt if body.echo else ""
    generation = _generation(
        request,
        body,
        [ChatMessage(role="user", content=prompt)],
        max_tokens=body.max_tokens,
        stop=body.stop,
    )
    if not body.stream:
        text = await complete_unless_disconnected(generation, request)
        done = _completion(cid, created, generation, echo + text, generation.finish_reason)
        return {**done, "usage": generation.usage().model_dump()}
    deltas, first = await first_unless_disconnected(generation, request)

    async def events() -> AsyncIterator[str]:
        try:
            yield sse(_completion(cid, created, generation, echo + (first or ""), None))
            async for text in deltas:
                yield sse(_completion(cid, created, generation, text, None))
        except Exception as exc:
            yield sse({"error": to_api_error(exc).body})
            return
        finally:
            await aclose(deltas)
        yield sse(_completion(cid, created, generation, "", generation.finish_reason))
        if body.stream_options and body.stream_options.include_usage:
            usage = {**_completion(cid, created, generation, "", None), "choices": []}
            yield sse({**usage, "usage": generation.usage().model_dump()})
        yield "data: [DONE]\n\n"

    return event_stream(events())
