"""Response objects a provider may yield besides text (g4f's ``providers.response`` names).

A provider written for g4f imports these from ``g4f.providers.response``; with fastg4f it imports
them from here and runs unchanged. How the client and the API server treat them:

* :class:`FinishReason` sets the answer's ``finish_reason``; :class:`Usage` replaces the
  estimated ``usage``; neither adds text.
* :class:`Reasoning`, every :class:`HiddenResponse` (:class:`ToolCalls`, :class:`ProviderInfo`
  ...) and :class:`JsonConversation` add no text to the answer, as in g4f's client.
* Any other object (:class:`ImageResponse`, :class:`Sources` ...) is added to the answer as
  ``str(obj)``, as g4f's client does.

The classes are plain containers: fastg4f's own providers yield only text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AudioResponse",
    "AuthResult",
    "BaseConversation",
    "ContinueResponse",
    "DebugResponse",
    "FinishReason",
    "HeadersResponse",
    "HiddenResponse",
    "ImagePreview",
    "ImageResponse",
    "JsonConversation",
    "JsonMixin",
    "JsonRequest",
    "JsonResponse",
    "MediaResponse",
    "Parameters",
    "PlainTextResponse",
    "PreviewResponse",
    "ProviderInfo",
    "RawResponse",
    "Reasoning",
    "RequestLogin",
    "ResponseType",
    "SourceLink",
    "Sources",
    "SuggestedFollowups",
    "SynthesizeData",
    "TitleGeneration",
    "ToolCalls",
    "Usage",
    "VariantResponse",
    "VideoResponse",
    "is_content",
]


class ResponseType:
    """Base of every response object; ``str(obj)`` is the text it adds to the answer."""

    def __str__(self) -> str:
        return ""


class JsonMixin:
    """Keyword arguments become attributes; :meth:`get_dict` gives them back."""

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_dict(self) -> dict[str, Any]:
        """The public attributes as a dict."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """An instance with ``data`` as its attributes."""
        return cls(**data)

    def reset(self) -> None:
        """Removes every attribute."""
        vars(self).clear()


class HiddenResponse(ResponseType):
    """A response object that adds no text (metadata)."""


class RawResponse(ResponseType, JsonMixin):
    """A provider's raw JSON event."""


class JsonResponse(ResponseType, JsonMixin):
    """A JSON answer passed through as an object."""

    def __str__(self) -> str:
        return str(self.get_dict())


class HeadersResponse(HiddenResponse, JsonMixin):
    """The HTTP headers of the provider's answer."""


class JsonRequest(HiddenResponse, JsonMixin):
    """The JSON request a provider sent (for debugging)."""


class FinishReason(JsonMixin, HiddenResponse):
    """Why the answer ended (``"stop"``, ``"length"`` ...): the completion's ``finish_reason``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class ToolCalls(HiddenResponse):
    """Tool calls the model asked for."""

    def __init__(self, list: list[Any]) -> None:
        self.list = list

    def get_list(self) -> list[Any]:
        """The tool calls."""
        return self.list


_USAGE_NAMES = {
    "promptTokens": "prompt_tokens",
    "input_tokens": "prompt_tokens",
    "promptTokenCount": "prompt_tokens",
    "prompt": "prompt_tokens",
    "completionTokens": "completion_tokens",
    "output_tokens": "completion_tokens",
    "candidatesTokenCount": "completion_tokens",
    "completion": "completion_tokens",
    "totalTokenCount": "total_tokens",
}


class Usage(JsonMixin, HiddenResponse):
    """Token counts reported by the provider (replace the client's estimate).

    Accepts OpenAI's names (``prompt_tokens``, ``completion_tokens``, ``total_tokens``) and the
    other spellings g4f accepts (``input_tokens``/``output_tokens``, ``promptTokens`` ...);
    ``total_tokens`` is the sum when not given.
    """

    def __init__(self, output_tokens_details: Mapping[str, Any] | None = None, **kwargs: Any):
        counts: dict[str, Any] = {}
        for key, value in kwargs.items():
            if value is not None:
                counts[_USAGE_NAMES.get(key, key)] = value
        counts.update(output_tokens_details or {})
        if "total_tokens" not in counts and {"prompt_tokens", "completion_tokens"} <= set(counts):
            counts["total_tokens"] = counts["prompt_tokens"] + counts["completion_tokens"]
        super().__init__(**counts)


class AuthResult(JsonMixin, HiddenResponse):
    """Authentication data a provider hands back."""


class TitleGeneration(HiddenResponse):
    """A title for the conversation."""

    def __init__(self, title: str) -> None:
        self.title = title


class DebugResponse(HiddenResponse):
    """A debug log line."""

    def __init__(self, log: str) -> None:
        self.log = log


class PlainTextResponse(HiddenResponse):
    """Text outside the answer."""

    def __init__(self, text: str) -> None:
        self.text = text


class ContinueResponse(HiddenResponse):
    """A "continue generating" marker."""

    def __init__(self, log: str) -> None:
        self.log = log


class VariantResponse(HiddenResponse):
    """A variant of the answer."""

    def __init__(self, text: str) -> None:
        self.text = text


class Reasoning(ResponseType):
    """A piece of the model's reasoning (``token``) or a reasoning status line."""

    def __init__(
        self,
        token: str | None = None,
        label: str | None = None,
        status: str | None = None,
        is_thinking: str | None = None,
    ) -> None:
        self.token = token
        self.label = label
        self.status = status
        self.is_thinking = is_thinking

    def __str__(self) -> str:
        if self.is_thinking is not None:
            return self.is_thinking
        if self.token is not None:
            return self.token
        if self.status is None:
            return ""
        return f"{self.label}: {self.status}\n" if self.label is not None else f"{self.status}\n"

    def get_dict(self) -> dict[str, Any]:
        """The fields that are set."""
        return {k: v for k, v in vars(self).items() if v is not None}


class SourceLink(ResponseType):
    """One cited source, shown as a Markdown link."""

    def __init__(self, title: str, url: str) -> None:
        self.title = title
        self.url = url

    def __str__(self) -> str:
        return f" [[{self.title}]]({self.url})"


class Sources(ResponseType):
    """Cited sources (``[{"url": ..., "title": ...}]``), shown as a Markdown list."""

    def __init__(self, sources: Sequence[Mapping[str, Any]]) -> None:
        self.list: list[dict[str, Any]] = [dict(s) for s in sources if s.get("url")]

    def add_source(self, source: Mapping[str, Any] | str) -> None:
        """Adds one source (a dict with ``url``, or a URL)."""
        self.list.append({"url": source} if isinstance(source, str) else dict(source))

    def __str__(self) -> str:
        if not self.list:
            return ""
        lines = [
            f"{i}. [{s.get('title') or s['url']}]({s['url']})" for i, s in enumerate(self.list, 1)
        ]
        return "\n\n\n\n" + "\n".join(lines)


class BaseConversation(ResponseType):
    """State a provider hands back to continue the conversation (adds no text)."""


class JsonConversation(BaseConversation, JsonMixin):
    """Conversation state as attributes (``get_dict()`` to store it)."""


class SynthesizeData(HiddenResponse, JsonMixin):
    """Data for a text-to-speech request."""

    def __init__(self, provider: str, data: Mapping[str, Any]) -> None:
        self.provider = provider
        self.data = data


class SuggestedFollowups(HiddenResponse):
    """Follow-up questions the site suggests."""

    def __init__(self, suggestions: list[str]) -> None:
        self.suggestions = suggestions


class RequestLogin(HiddenResponse):
    """The provider needs a login (``label``, ``login_url``)."""

    def __init__(self, label: str, login_url: str) -> None:
        self.label = label
        self.login_url = login_url

    def to_string(self) -> str:
        """A Markdown link to the login page."""
        return f"[Login to {self.label}]({self.login_url})\n\n"


class MediaResponse(ResponseType):
    """Media URLs with an alt text and options."""

    def __init__(
        self,
        urls: str | list[str],
        alt: str,
        options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.urls = kwargs.get("images", urls)
        self.alt = alt
        self.options = dict(options or {})

    def get(self, key: str, default: Any = None) -> Any:
        """An option's value."""
        return self.options.get(key, default)

    def get_list(self) -> list[str]:
        """The URLs as a list."""
        return [self.urls] if isinstance(self.urls, str) else list(self.urls)


def _escape(text: str) -> str:
    """``html.escape``, imported on first use (``html`` loads a large entity table)."""
    from html import escape

    return escape(text)


class ImageResponse(MediaResponse):
    """Generated images, shown as Markdown images."""

    def __str__(self) -> str:
        alt = _escape(" ".join(self.alt.split()))
        return "\n".join(f"![{alt}]({url})" for url in self.get_list())


class ImagePreview(HiddenResponse, ImageResponse):
    """An image preview (adds no text)."""

    def __str__(self) -> str:
        return ""


class VideoResponse(MediaResponse):
    """Generated videos, shown as HTML ``<video>`` elements."""

    def __str__(self) -> str:
        return "\n".join(
            f'<video controls src="{_escape(url)}"></video>' for url in self.get_list()
        )


class AudioResponse(ResponseType):
    """Generated audio (a data URI or URL), shown as an HTML ``<audio>`` element."""

    def __init__(self, data: str, **kwargs: Any) -> None:
        self.data = data
        self.options = kwargs

    def __str__(self) -> str:
        return f'<audio controls src="{_escape(self.data)}"></audio>'


class PreviewResponse(HiddenResponse):
    """A preview of the answer (adds no text)."""

    def __init__(self, data: str) -> None:
        self.data = data

    def to_string(self) -> str:
        """The preview's text."""
        return str(self.data)


class Parameters(ResponseType, JsonMixin):
    """Request parameters echoed back (adds no text)."""


class ProviderInfo(HiddenResponse, JsonMixin):
    """Which provider and model answered."""


def is_content(chunk: object) -> bool:
    """Whether ``chunk`` adds text to the answer.

    A non-empty string or any other object except ``None``, exceptions and the response
    objects that add no text (:class:`HiddenResponse`, :class:`BaseConversation`,
    :class:`Parameters`, :class:`Reasoning`).
    """
    if isinstance(chunk, str):
        return bool(chunk)
    return chunk is not None and not isinstance(
        chunk, (BaseException, HiddenResponse, BaseConversation, Parameters, Reasoning)
    )
