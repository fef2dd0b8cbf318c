"""Request bodies of the server, validated with OpenAI's types, and their translation into the
message list the providers take.

Types are strict, as OpenAI's schema is: ``"stream": "yes"`` or ``1`` and ``"max_tokens": "10"``
are rejected, not coerced; ``null`` is accepted wherever OpenAI documents it. The answers are
serialised from the client's result objects (:mod:`fastg4f.client.stubs`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fastg4f.api.errors import APIError, unsupported

__all__ = [
    "ChatCompletionRequest",
    "ChatMessage",
    "CompletionRequest",
    "ResponsesRequest",
    "parse_json",
    "render_messages",
    "validate",
]

_Model = TypeVar("_Model", bound=BaseModel)


class _Strict(BaseModel):
    """A request body: OpenAI's types without coercion; unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class _Open(BaseModel):
    """A nested object: strict types; unknown keys are ignored."""

    model_config = ConfigDict(extra="allow", strict=True)


class ContentPart(_Open):
    """A content part; only text parts (``text``, ``input_text``, ``output_text``) are read."""

    type: str
    text: str | None = None


class FunctionCall(_Open):
    """``{"name", "arguments"}`` of a tool or function call."""

    name: str
    arguments: str = ""


class ToolCall(_Open):
    """An assistant's earlier tool call (rendered as text for the providers)."""

    id: str
    type: str = "function"
    function: FunctionCall


class ChatMessage(_Open):
    """One message of ``messages``; which fields are required depends on ``role``."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None
    refusal: str | None = None


class StreamOptions(_Open):
    """``stream_options``; ``include_usage`` adds a last chunk with (estimated) usage."""

    include_usage: bool | None = None


_Penalty = Field(default=None, ge=-2, le=2)


class _Sampling(_Strict):
    """Fields every generation endpoint shares (passed to the provider, which may ignore them)."""

    model: str
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    provider: str | None = Field(default=None, description="fastg4f: provider name(s)")
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    user: str | None = None
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    service_tier: str | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None


class _Completing(_Sampling):
    """Fields chat completions and legacy completions share (Responses names them otherwise)."""

    max_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = _Penalty
    frequency_penalty: float | None = _Penalty
    seed: int | None = None
    stop: str | list[str] | None = None
    n: int | None = Field(default=None, ge=1)


class ChatCompletionRequest(_Completing):
    """The body of ``POST /v1/chat/completions`` (OpenAI's fields + ``provider``)."""

    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    parallel_tool_calls: bool | None = None
    reasoning_effort: str | None = None
    verbosity: str | None = None
    modalities: list[str] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0)
    logit_bias: dict[str, float] | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None


class CompletionRequest(_Completing):
    """The body of the legacy ``POST /v1/completions`` (``prompt`` becomes one user message)."""

    prompt: str | list[str]
    best_of: int | None = Field(default=None, ge=1)
    echo: bool | None = None
    suffix: str | None = None
    logprobs: int | None = Field(default=None, ge=0)
    logit_bias: dict[str, float] | None = None


class InputItem(_Open):
    """An item of the Responses API's ``input`` list (messages; tool items become text)."""

    type: str = "message"
    role: Literal["system", "developer", "user", "assistant"] | None = None
    content: str | list[ContentPart] | None = None
    name: str | None = None
    arguments: str | None = None
    call_id: str | None = None
    output: str | None = None


class ResponsesRequest(_Sampling):
    """The body of ``POST /v1/responses`` (text in, text out)."""

    input: str | list[InputItem]
    instructions: str | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    previous_response_id: str | None = None
    conversation: str | dict[str, Any] | None = None
    background: bool | None = None
    include: list[str] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    truncation: str | None = None
    top_logprobs: int | None = Field(default=None, ge=0)


# ---------------------------------------------------------------- parsing


def parse_json(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, whatever the ``Content-Type`` says (as OpenAI does).

    Raises:
        APIError: 400 saying what is wrong and where (line and column), ``param`` null.
    """
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _unparsable(f"the body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _unparsable(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(value, dict):
        raise _unparsable(f"expected a JSON object, got {type(value).__name__}")
    return value


def _unparsable(detail: str) -> APIError:
    return APIError(
        400,
        f"We could not parse the JSON body of your request: {detail}. "
        "The API expects a JSON object.",
    )


_FIELD = re.compile(r"[a-z_][a-z0-9_]*")
_TYPE_TAGS = {"str", "int", "float", "bool", "none"}


def _param(loc: tuple[int | str, ...]) -> str | None:
    """OpenAI's ``param`` (``messages[0].content``) for a pydantic error location.

    The location stops before pydantic's union and type tags (``str``, ``list[ContentPart]``).
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _FIELD.fullmatch(part) and part not in _TYPE_TAGS:
            out += f".{part}" if out else part
        else:
            break
    return out or None


def _describe(problem: Any) -> str:
    where = _param(tuple(problem.get("loc", ()))) or "body"
    kind = problem.get("type")
    if kind == "extra_forbidden":
        return f"Unrecognized request argument supplied: {where}"
    if kind == "missing":
        return f"Missing required parameter: '{where}'"
    return f"Invalid value for '{where}': {problem.get('msg')}"


def validate(model: type[_Model], data: dict[str, Any]) -> _Model:
    """``data`` as ``model``, or a 400 naming the first wrong field (``param``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors()
        param = _param(tuple(problems[0]["loc"])) if problems else None
        # Pydantic reports each member of a union; the first problem per place is enough.
        seen: dict[str | None, str] = {}
        for problem in problems:
            seen.setdefault(_param(tuple(problem["loc"])), _describe(problem))
        message = "; ".join(list(seen.values())[:5])
        raise APIError(400, message, param=param, code="invalid_request") from None


# ---------------------------------------------------------------- messages for the providers


def _missing(param: str) -> APIError:
    return APIError(400, f"Missing required parameter: '{param}'", param=param)


def _text(content: str | list[ContentPart] | None, param: str) -> str:
    if not isinstance(content, list):
        return content or ""
    texts = []
    for j, part in enumerate(content):
        if part.type not in ("text", "input_text", "output_text", "refusal") or part.text is None:
            raise unsupported(
                f"{param}[{j}]",
                f"Content part type {part.type!r} is not supported; send text parts",
            )
        texts.append(part.text)
    return "\n".join(texts)


def _tool_call_text(name: str, arguments: str, call_id: str | None = None) -> str:
    label = f"tool call {call_id}" if call_id else "tool call"
    return f"[{label}: {name}({arguments})]"


def _render(message: ChatMessage, i: int) -> dict[str, str]:
    """One message as ``{"role", "content"}`` text; tool traffic becomes readable text."""
    param = f"messages[{i}]"
    fields = message.model_fields_set
    calls = message.tool_calls or []
    if message.role == "assistant":
        if message.content is None and not calls and message.function_call is None:
            if "content" not in fields:
                raise _missing(f"{param}.content")
            raise APIError(
                400,
                f"Invalid value for '{param}.content': expected a string or text parts, got null "
                "(an assistant message without content needs tool_calls)",
                param=f"{param}.content",
            )
        parts = [_text(message.content, f"{param}.content")] if message.content else []
        parts += [_tool_call_text(c.function.name, c.function.arguments, c.id) for c in calls]
        if message.function_call is not None:
            call = message.function_call
            parts.append(_tool_call_text(call.name, call.arguments))
        return {"role": "assistant", "content": "\n".join(parts)}
    if "content" not in fields:
        raise _missing(f"{param}.content")
    if message.content is None and message.role != "function":
        raise APIError(
            400,
            f"Invalid value for '{param}.content': expected a string or text parts, got null",
            param=f"{param}.content",
        )
    text = _text(message.content, f"{param}.content")
    if message.role == "tool":
        if message.tool_call_id is None:
            raise _missing(f"{param}.tool_call_id")
        return {"role": "user", "content": f"[tool result {message.tool_call_id}]: {text}"}
    if message.role == "function":
        if message.name is None:
            raise _missing(f"{param}.name")
        return {"role": "user", "content": f"[function result {message.name}]: {text}"}
    role = "system" if message.role == "developer" else message.role
    return {"role": role, "content": text}


def render_messages(
    messages: list[ChatMessage], max_messages: int, max_chars: int
) -> list[dict[str, str]]:
    """The conversation as the providers take it (text only), within the limits.

    Raises:
        APIError: 400 for a message OpenAI would reject, non-text content, or a limit.
    """
    if len(messages) > max_messages:
        raise APIError(
            400,
            f"Too many messages: {len(messages)} (the limit is {max_messages})",
            param="messages",
            code="too_many_messages",
        )
    rendered = []
    for i, message in enumerate(messages):
        item = _render(message, i)
        if len(item["content"]) > max_chars:
            raise APIError(
                400,
                f"messages[{i}] has {len(item['content'])} characters (the limit is {max_chars})",
                param=f"messages[{i}].content",
                code="message_too_long",
            )
        rendered.append(item)
    return rendered


def input_messages(body: ResponsesRequest) -> list[ChatMessage]:
    """The Responses API's ``instructions`` and ``input`` as chat messages."""
    messages: list[ChatMessage] = []
    if body.instructions is not None:
        messages.append(ChatMessage(role="system", content=body.instructions))
    if isinstance(body.input, str):
        messages.append(ChatMessage(role="user", content=body.input))
        return messages
    for i, item in enumerate(body.input):
        if item.type == "message":
            if item.role is None:
                raise _missing(f"input[{i}].role")
            if item.content is None:
                raise _missing(f"input[{i}].content")
            messages.append(ChatMessage(role=item.role, content=item.content))
        elif item.type == "function_call":
            text = _tool_call_text(item.name or "", item.arguments or "", item.call_id)
            messages.append(ChatMessage(role="assistant", content=text))
        elif item.type == "function_call_output":
            text = f"[tool result {item.call_id}]: {item.output or ''}"
            messages.append(ChatMessage(role="user", content=text))
        else:
            raise unsupported(f"input[{i}].type", f"Input item type {item.type!r} is not supported")
    return messages
