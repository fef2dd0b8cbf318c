"""g4f-compatible provider base classes; each derives the two call styles it does not implement.

* :class:`AbstractProvider` implements the sync generator ``create_completion``; ``create_async``
  and ``create_async_generator`` iterate it in a worker thread.
* :class:`AsyncProvider` implements the coroutine ``create_async``; ``create_completion`` runs it
  with ``run_sync`` and ``create_async_generator`` yields its answer once.
* :class:`AsyncGeneratorProvider` implements the async generator ``create_async_generator``;
  ``create_completion`` iterates it with ``to_sync_iter`` and ``create_async`` joins its chunks.

Sync styles also work inside a running event loop; closing any derived generator closes the
underlying one (see :mod:`fastg4f.providers.asyncio`).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, Callable, Coroutine, Iterable
from contextlib import aclosing
from typing import Any, ClassVar

from fastg4f.errors import ModelNotFoundError
from fastg4f.providers.asyncio import iterate_in_thread, run_sync, to_sync_iter
from fastg4f.providers.response import HiddenResponse, JsonResponse
from fastg4f.providers.types import BaseProvider, classproperty
from fastg4f.typing import AsyncResult, CreateResult, Messages

__all__ = [
    "BASIC_PARAMETERS",
    "PARAMETER_EXAMPLES",
    "SAFE_PARAMETERS",
    "AbstractProvider",
    "AsyncGeneratorProvider",
    "AsyncProvider",
    "BaseProvider",
    "ProviderModelMixin",
    "async_concat_chunks",
    "concat_chunks",
]

SAFE_PARAMETERS = frozenset(
    {
        "model", "messages", "stream", "timeout", "proxy", "images", "response_format",
        "prompt", "negative_prompt", "tools", "conversation", "history_disabled",
        "auto_continue", "temperature", "top_k", "top_p", "frequency_penalty",
        "presence_penalty", "max_tokens", "max_new_tokens", "stop", "api_key", "api_base",
        "seed", "width", "height", "proof_token", "max_retries", "web_search", "cookies",
    }
)  # fmt: skip
"""Parameter names :meth:`AbstractProvider.get_parameters` reports (the rest are internal)."""

BASIC_PARAMETERS: dict[str, Any] = {
    "provider": None,
    "model": "",
    "messages": [],
    "stream": False,
    "timeout": 0,
    "response_format": None,
    "max_tokens": None,
    "stop": None,
}
"""Parameters every request has, first in ``get_parameters(as_json=True)``."""

PARAMETER_EXAMPLES: dict[str, Any] = {
    "proxy": "http://user:password@127.0.0.1:3128",
    "temperature": 1,
    "top_k": 1,
    "top_p": 1,
    "frequency_penalty": 1,
    "presence_penalty": 1,
    "messages": [{"role": "system", "content": ""}, {"role": "user", "content": ""}],
    "response_format": {"type": "json_object"},
    "max_new_tokens": 1024,
    "max_tokens": 4096,
    "seed": 42,
    "stop": ["stop1", "stop2"],
    "tools": [],
    "cookies": {},
}
"""Example values used by ``get_parameters(as_json=True)`` for parameters without a default."""

_EMPTY = inspect.Parameter.empty
_TYPE_EXAMPLES: dict[str, Any] = {
    "str": "",
    "int": 0,
    "float": 0.0,
    "bool": False,
    "dict": {},
    "list": [],
    "Messages": [],
    "Cookies": {},
}


def concat_chunks(chunks: Iterable[Any]) -> str:
    """Joins the text of ``chunks``, skipping empty chunks, exceptions and the response objects
    that carry no text (:class:`~fastg4f.providers.response.HiddenResponse`, ``JsonResponse``),
    as g4f's legacy API does (a :class:`~fastg4f.providers.response.Reasoning` is joined)."""
    skipped = (Exception, HiddenResponse, JsonResponse)
    return "".join(str(c) for c in chunks if c and not isinstance(c, skipped))


async def async_concat_chunks(chunks: AsyncIterable[Any]) -> str:
    """Async :func:`concat_chunks`; the iterator is closed even when this is cancelled."""
    iterator = chunks.__aiter__()
    try:
        return concat_chunks([chunk async for chunk in iterator])
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def _annotation_name(annotation: Any) -> str:
    if annotation is _EMPTY:
        return ""
    if isinstance(annotation, str):
        return annotation
    return str(getattr(annotation, "__name__", annotation))


def _params(cls: type[AbstractProvider]) -> str:
    args = ""
    for name, param in cls.get_parameters().items():
        args += f"\n    {name}: {_annotation_name(param.annotation)}"
        if param.default is not _EMPTY:
            default = getattr(cls, "default_model", "") if name == "model" else param.default
            args += f' = "{default}"' if isinstance(default, str) else f" = {default}"
        args += ","
    return f"fastg4f.Provider.{cls.__name__} supports: ({args}\n)"


class AbstractProvider(BaseProvider):
    """A provider implementing the sync generator :meth:`create_completion`.

    Derived: :meth:`create_async` and :meth:`create_async_generator` run it in a worker thread
    (the event loop is never blocked); closing or cancelling them closes the sync generator.
    """

    @classmethod
    def _main_function(cls) -> Callable[..., Any]:
        return cls.create_completion

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """Returns the whole answer of :meth:`create_completion` (``stream=False``)."""
        stream = kwargs.pop("stream", False)
        return await async_concat_chunks(
            iterate_in_thread(lambda: cls.create_completion(model, messages, stream, **kwargs))
        )

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        """Yields the chunks of :meth:`create_completion`, iterated in a worker thread."""
        chunks = iterate_in_thread(lambda: cls.create_completion(model, messages, stream, **kwargs))
        async with aclosing(chunks):
            async for chunk in chunks:
                yield chunk

    @classmethod
    def get_parameters(cls, as_json: bool = False) -> dict[str, Any]:
        """The public parameters of the provider's main call style.

        Args:
            as_json: Return JSON-ready example values (``BASIC_PARAMETERS`` first, the provider's
                name, default model and ``supports_stream`` filled in) instead of
                :class:`inspect.Parameter` objects.

        Returns:
            ``{name: inspect.Parameter}`` for the names in ``SAFE_PARAMETERS`` (``stream`` only if
            the provider streams), or ``{name: example value}`` with ``as_json``.
        """
        signature = inspect.signature(cls._main_function())
        params = {
            name: param
            for name, param in signature.parameters.items()
            if name in SAFE_PARAMETERS and (name != "stream" or cls.supports_stream)
        }
        if not as_json:
            return params
        merged: dict[str, Any] = {
            **BASIC_PARAMETERS,
            **params,
            "provider": cls.__name__,
            "model": getattr(cls, "default_model", None) or "",
            "stream": cls.supports_stream,
        }
        return {
            name: cls._example_value(name, value) if isinstance(value, inspect.Parameter) else value
            for name, value in merged.items()
        }

    @classmethod
    def _example_value(cls, name: str, param: inspect.Parameter) -> Any:
        if param.default is not _EMPTY and param.default is not None:
            return param.default
        if name in PARAMETER_EXAMPLES:
            if name == "messages" and not cls.supports_system_message:
                return PARAMETER_EXAMPLES[name][-1:]
            return PARAMETER_EXAMPLES[name]
        annotation = _annotation_name(param.annotation)
        if "None" in annotation or "Optional" in annotation:
            return None
        example = _TYPE_EXAMPLES.get(annotation.split("[", 1)[0].strip())
        return example.copy() if isinstance(example, (dict, list)) else example

    params = classproperty(_params)
    """The ``"fastg4f.Provider.<Name> supports: (...)"`` text listing the parameters."""


class AsyncProvider(AbstractProvider):
    """A provider implementing the coroutine :meth:`create_async` (one whole answer).

    Derived: :meth:`create_completion` runs it to completion (``run_sync``, also inside a running
    loop) and yields the answer once; :meth:`create_async_generator` yields it once.
    """

    @classmethod
    def _main_function(cls) -> Callable[..., Any]:
        return cls.create_async

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any
    ) -> CreateResult:
        """Yields the whole answer of :meth:`create_async` as one chunk."""
        del stream  # the answer is one piece either way
        yield run_sync(cls.create_async(model, messages, **kwargs))

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """Returns the whole answer (implemented by the provider)."""
        raise NotImplementedError(f"{cls.__name__} must implement create_async")

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        """Yields the whole answer of :meth:`create_async` as one chunk."""
        del stream
        yield await cls.create_async(model, messages, **kwargs)


class AsyncGeneratorProvider(AbstractProvider):
    """A provider implementing the async generator :meth:`create_async_generator`.

    Derived: :meth:`create_completion` iterates it from sync code (``to_sync_iter``, also inside
    a running loop; closing the sync generator ``aclose()``\\ s it); :meth:`create_async` joins
    its chunks (``stream=False``).
    """

    supports_stream: ClassVar[bool] = True

    @classmethod
    def _main_function(cls) -> Callable[..., Any]:
        return cls.create_async_generator

    @classmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> CreateResult:
        """Yields the chunks of :meth:`create_async_generator` from sync code."""
        return to_sync_iter(cls.create_async_generator(model, messages, stream=stream, **kwargs))

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """Returns the joined chunks of :meth:`create_async_generator` with ``stream=False``."""
        kwargs.pop("stream", None)
        return await async_concat_chunks(
            cls.create_async_generator(model, messages, stream=False, **kwargs)
        )

    @classmethod
    def create_async_generator(
        cls, model: str, messages: Messages, stream: bool = True, **kwargs: Any
    ) -> AsyncResult:
        """Yields the answer's text (implemented by the provider as an async generator)."""
        raise NotImplementedError(f"{cls.__name__} must implement create_async_generator")

    @classmethod
    def async_create_function(
        cls, *args: Any, **kwargs: Any
    ) -> AsyncResult | Coroutine[Any, Any, str]:
        """Alias of :meth:`create_async_generator`."""
        return cls.create_async_generator(*args, **kwargs)

    @classmethod
    def get_async_create_function(cls) -> Callable[..., Any]:
        """Returns :meth:`create_async_generator` (older g4f API)."""
        return cls.create_async_generator


class ProviderModelMixin:
    """Model names of a provider: ``default_model``, ``models``, ``model_aliases``.

    Attributes:
        default_model: Used for an empty or unknown model name.
        models: The provider's own model names.
        model_aliases: Public name → the provider's own name.
        last_model: The model the last :meth:`get_model` call resolved to (g4f compatibility).
    """

    default_model: ClassVar[str | None] = None
    models: ClassVar[list[str]] = []
    model_aliases: ClassVar[dict[str, str]] = {}
    image_models: ClassVar[list[str]] = []
    vision_models: ClassVar[list[str]] = []
    last_model: ClassVar[str | None] = None

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        """Returns (a copy of) ``models``, or ``[default_model]`` when ``models`` is empty."""
        if not cls.models and cls.default_model:
            return [cls.default_model]
        return list(cls.models)

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """Resolves a model name: the one rule of every fastg4f provider.

        A listed model returns itself; an alias returns its target; an empty or unknown name
        returns ``default_model`` (a provider without ``default_model`` gets an unknown name back
        unchanged). Use :meth:`get_model_strict` to reject unknown names.

        Raises:
            ModelNotFoundError: An alias resolves to a model the provider does not list (its
                model list and aliases disagree), or no model was given and the provider has no
                ``default_model``.
        """
        models = cls.get_models(**kwargs)
        if model and model in models:
            resolved = model
        elif model and model in cls.model_aliases:
            resolved = cls.model_aliases[model]
            if models and resolved not in models:
                raise ModelNotFoundError(
                    f"Model {model!r} is not available from {cls.__name__}: it stands for "
                    f"{resolved!r}, which is not in its models ({', '.join(models)})"
                )
        elif cls.default_model:
            resolved = cls.default_model
        elif model:
            resolved = model
        else:
            raise ModelNotFoundError(
                f"No model given and {cls.__name__} has no default_model; pass a model name"
            )
        cls.last_model = resolved
        return resolved

    @classmethod
    def get_model_strict(cls, model: str | None, **kwargs: Any) -> str:
        """Resolves a model name, rejecting unknown ones (used by routing).

        A listed model returns itself, an alias its target, an empty name ``default_model``.

        Raises:
            ModelNotFoundError: The name is neither listed nor an alias (the message lists the
                available models and aliases), or it is empty and there is no ``default_model``.
        """
        models = cls.get_models(**kwargs)
        if model and model in models:
            return model
        if model and model in cls.model_aliases:
            return cls.model_aliases[model]
        if not model and cls.default_model:
            return cls.default_model
        available = ", ".join(models) or "(none)"
        aliases = ", ".join(f"{a} -> {t}" for a, t in cls.model_aliases.items())
        raise ModelNotFoundError(
            f"Model {model!r} is not available from {cls.__name__}. "
            f"Available models: {available}" + (f"; aliases: {aliases}" if aliases else "")
        )
