"""OpenAI-compatible HTTP server (extra ``api``: FastAPI + uvicorn, imported only here).

Endpoints: ``POST /v1/chat/completions`` (JSON or ``text/event-stream``), ``POST /v1/responses``
(the Responses API, text; see :mod:`fastg4f.api.responses`), the legacy ``POST /v1/completions``
(``prompt`` is one user message), ``GET /v1/models``, ``GET /v1/models/{id}``, ``GET /health``,
``GET /openapi.json``. Any other ``/v1`` route answers 404 listing these. Errors are OpenAI error
objects ``{"error": {"message", "type", "param", "code"}}``:

======================================================  ======
what                                                    status
======================================================  ======
malformed JSON, invalid or unsupported field, bad Host  400
missing/wrong API key (``--api-key``), checked first    401
unknown model / route                                   404
request body not received in time                       408
request body over the limit                             413
every upstream failure was a rate limit                 429
other upstream failures                                 502
no working provider serves the model                    503
every upstream failure was a timeout                    504
======================================================  ======

An error after the stream has begun is sent as a last ``data: {"error": {...}}`` event (the
OpenAI SDK raises it as ``APIError``) and no ``[DONE]`` follows.

The body is read as JSON whatever its ``Content-Type`` (as OpenAI does); fields are checked with
OpenAI's types, without coercion (``"stream": "yes"`` is a 400), and ``null`` is accepted
wherever OpenAI accepts it. Chat request fields (everything else is a 400, as OpenAI answers
unknown arguments):

* honoured: ``model``, ``messages`` (text content; ``developer`` is sent as ``system``; an
  assistant's ``tool_calls`` and ``tool`` results are rendered as text), ``stream``,
  ``stream_options.include_usage`` (a last chunk with estimated ``usage``), ``stop`` (up to 4
  strings; the answer is cut before the first), ``max_tokens``/``max_completion_tokens`` (the
  answer stops after that many chunks from the provider, ``finish_reason: "length"``), ``n``
  (only 1), ``provider`` (a fastg4f extension: a provider name, or several separated by commas,
  tried in that order; repeated names count once, at most ``Limits.max_providers``).
* passed to the provider, which may ignore them: ``temperature``, ``top_p``, ``max_tokens``,
  ``presence_penalty``, ``frequency_penalty``, ``seed``.
* accepted and ignored: ``user``, ``metadata``, ``store``, ``service_tier``,
  ``parallel_tool_calls``, ``reasoning_effort``, ``prompt_cache_key``, ``safety_identifier``,
  ``verbosity``, ``modalities`` ``["text"]``, ``tools`` with ``tool_choice: "none"``,
  ``tool_choice`` ``"auto"`` without tools, ``logprobs`` ``false``, ``response_format``
  ``{"type": "text"}``.
* rejected (400) because no provider can honour them: ``tools``/``functions`` unless
  ``tool_choice``/``function_call`` is ``"none"``, ``tool_choice`` ``"required"`` or a named
  tool, ``logprobs: true``, ``top_logprobs > 0``, ``logit_bias`` (non-empty), ``response_format``
  JSON modes, ``audio``, ``prediction``, ``web_search_options``, non-text content parts,
  ``n > 1``.

Limits (see :class:`Limits`, all settable from ``fastg4f api``): body size and read time,
message count, characters per message, providers per request, connections, header read time,
keep-alive time. A server bound to loopback answers only loopback ``Host`` names (DNS
rebinding); ``allowed_hosts`` widens that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastg4f.api.limits import LOOPBACK_HOSTS, Limits

if TYPE_CHECKING:
    from fastg4f.api.app import create_app, create_app_from_env
    from fastg4f.api.errors import APIError, to_api_error
    from fastg4f.api.server import run_api

_LAZY = {
    "create_app": "fastg4f.api.app",
    "create_app_from_env": "fastg4f.api.app",
    "APIError": "fastg4f.api.errors",
    "to_api_error": "fastg4f.api.errors",
    "run_api": "fastg4f.api.server",
}

__all__ = [
    "LOOPBACK_HOSTS",
    "APIError",
    "Limits",
    "create_app",
    "create_app_from_env",
    "run_api",
    "to_api_error",
]


def __getattr__(name: str) -> Any:
    # FastAPI and uvicorn are imported on first use, so ``Limits`` needs neither.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
