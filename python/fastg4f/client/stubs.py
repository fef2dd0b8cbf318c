"""OpenAI-shaped result objects of the client (``ChatCompletion``, ``ChatCompletionChunk`` ...).

Plain dataclasses with the OpenAI field names; ``model_dump()`` / ``to_json()`` give the JSON-ready
dict the OpenAI API would send, ``model_dump_json()`` the JSON text. ``provider`` names the
provider that answered (a fastg4f/g4f extension).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastg4f.providers.helper import format_prompt
from fastg4f.routing import is_working
from fastg4f.typing import Messages

if TYPE_CHECKING:
    from fastg4f.models import ModelTable

__all__ = [
    "ChatCompletion",
    "ChatCompletionChoice",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionDeltaChoice",
    "ChatCompletionMessage",
    "Choice",
    "ChunkChoice",
    "ModelInfo",
    "ModelList",
    "Usage",
    "UsageModel",
    "completion_id",
    "estimate_tokens",
    "routable_models",
    "stop_list",
]


def completion_id() -> str:
    """A fresh ``chatcmpl-…`` id."""
    return "chatcmpl-" + secrets.token_hex(12)


_fresh_id = completion_id


def stop_list(stop: str | Sequence[str] | None, limit: int | None = None) -> list[str]:
    """The stop sequences of a request as a list (``None``: none).

    Raises:
        ValueError: More than ``limit`` sequences (OpenAI allows 4), or an empty one.
    """
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else list(stop)
    if limit is not None and len(stops) > limit:
        raise ValueError(f"At most {limit} stop sequences, got {len(stops)}")
    if any(not s for s in stops):
        raise ValueError("Stop sequences must not be empty")
    return stops


def routable_models(table: ModelTable, ignore_working: bool = False) -> list[str]:
    """The model ids of ``table`` a request can be routed to, sorted (``models.list()``)."""
    entries = table.entries()
    return [
        name
        for name in sorted(entries)
        if ignore_working or any(is_working(c.provider) for c in entries[name])
    ]


def estimate_tokens(text: str) -> int:
    """An **estimate** of the token count of ``text``: one token per 4 characters, rounded up.

    fastg4f ships no tokenizer; the providers do not report usage. This is OpenAI's rule of thumb
    for English text, so ``usage`` numbers are estimates, never billing-grade counts.
    """
    return (len(text) + 3) // 4


class _Dumpable:
    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        """The object as a JSON-ready dict (OpenAI's field names)."""
        data: dict[str, Any] = _plain(self)
        return _drop_none(data) if exclude_none else data

    def to_json(self) -> dict[str, Any]:
        """g4f's name for :meth:`model_dump` (a dict, not a string)."""
        return self.model_dump()

    def model_dump_json(self, exclude_none: bool = False) -> str:
        """The object as JSON text."""
        return json.dumps(self.model_dump(exclude_none), ensure_ascii=False, separators=(",", ":"))

    def __getitem__(self, key: str) -> Any:
        # g4f results are also read like dicts: response["choices"].
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:  # one entry per dataclass type
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for these objects, without its deep copy of every leaf.

    Dataclasses become dicts and lists, tuples and dicts are rebuilt (a dump never shares a
    container with the object); other values (strings, numbers, ``None``) are returned as they
    are. ``asdict`` costs several times more, and the server dumps a few chunks per stream.
    """
    cls = type(value)
    if cls in _LEAVES:
        return value
    if hasattr(cls, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in _field_names(cls)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


@dataclass
class Usage(_Dumpable):
    """Token counts (**estimated**, see :func:`estimate_tokens`)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def estimate(cls, prompt: str, completion: str) -> Usage:
        """Estimated usage of a prompt text and an answer."""
        p, c = estimate_tokens(prompt), estimate_tokens(completion)
        return cls(p, c, p + c)

    @classmethod
    def of_messages(cls, messages: Messages, completion: str) -> Usage:
        """Estimated usage of a conversation (as the providers' prompt text) and its answer.

        The one estimate the client and the API server report for the same request.
        """
        return cls.estimate(format_prompt(messages), completion)


UsageModel = Usage
"""g4f's name for :class:`Usage`."""


@dataclass
class ChatCompletionMessage(_Dumpable):
    """The answer message: ``role`` is ``"assistant"``."""

    content: str | None
    role: str = "assistant"
    tool_calls: list[dict[str, Any]] | None = None


@dataclass
class ChatCompletionChoice(_Dumpable):
    """One choice of a :class:`ChatCompletion` (there is always exactly one)."""

    index: int
    message: ChatCompletionMessage
    finish_reason: str | None = "stop"
    logprobs: Any = None


Choice = ChatCompletionChoice


@dataclass
class ChatCompletion(_Dumpable):
    """A whole answer, shaped like OpenAI's ``chat.completion`` object."""

    id: str
    model: str
    provider: str | None
    choices: list[ChatCompletionChoice]
    usage: Usage | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    object: str = "chat.completion"
    system_fingerprint: str | None = None

    @classmethod
    def build(
        cls,
        content: str,
        *,
        model: str,
        provider: str | None,
        usage: Usage | None = None,
        completion_id: str | None = None,
        finish_reason: str = "stop",
    ) -> ChatCompletion:
        """One-choice completion with ``content`` as the assistant's message."""
        return cls(
            id=completion_id or _fresh_id(),
            model=model,
            provider=provider,
            choices=[ChatCompletionChoice(0, ChatCompletionMessage(content), finish_reason)],
            usage=usage,
        )


@dataclass
class ChatCompletionDelta(_Dumpable):
    """The new part of a streamed message (``role`` only in the first chunk)."""

    content: str | None = None
    role: str | None = None


@dataclass
class ChatCompletionDeltaChoice(_Dumpable):
    """One choice of a :class:`ChatCompletionChunk`."""

    index: int
    delta: ChatCompletionDelta
    finish_reason: str | None = None
    logprobs: Any = None


ChunkChoice = ChatCompletionDeltaChoice


@dataclass
class ChatCompletionChunk(_Dumpable):
    """One piece of a streamed answer, shaped like OpenAI's ``chat.completion.chunk``."""

    id: str
    model: str
    provider: str | None
    choices: list[ChatCompletionDeltaChoice]
    created: int = field(default_factory=lambda: int(time.time()))
    object: str = "chat.completion.chunk"
    usage: Usage | None = None
    system_fingerprint: str | None = None

    @classmethod
    def build(
        cls,
        content: str | None,
        *,
        completion_id: str,
        model: str,
        provider: str | None,
        created: int,
        role: str | None = None,
        finish_reason: str | None = None,
    ) -> ChatCompletionChunk:
        """One-choice chunk."""
        delta = ChatCompletionDelta(content, role)
        return cls(
            id=completion_id,
            model=model,
            provider=provider,
            choices=[ChatCompletionDeltaChoice(0, delta, finish_reason)],
            created=created,
        )


@dataclass
class ModelInfo(_Dumpable):
    """One entry of :class:`ModelList` (OpenAI's ``model`` object)."""

    id: str
    owned_by: str = "fastg4f"
    created: int = 0
    object: str = "model"


@dataclass
class ModelList(_Dumpable):
    """OpenAI's ``list`` of models; iterating it yields the :class:`ModelInfo` entries."""

    data: list[ModelInfo]
    object: str = "list"

    @classmethod
    def of(cls, names: Sequence[str], owners: Mapping[str, str] | None = None) -> ModelList:
        """A list of the given model ids."""
        owners = owners or {}
        return cls([ModelInfo(name, owners.get(name) or "fastg4f") for name in names])

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
