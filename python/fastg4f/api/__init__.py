"""OpenAI-compatible HTTP server (extra ``api``: FastAPI + uvicorn, imported only here).

Endpoints: ``POST /v1/chat/completions`` (JSON or ``text/event-stream``), ``GET /v1/models``,
``GET /v1/models/{id}``, ``GET /health``, ``GET /openapi.json``. Errors are OpenAI error objects
``{"error": {"message", "type", "param", "code"}}``:

======================================================  ======
what                                                    status
======================================================  ======
malformed JSON, invalid or unsupported field            400
missing/wrong API key (``--api-key``)                   401
unknown model / route                                   404
request body over the limit                             413
every upstream failure was a rate limit                 429
other upstream failures                                 502
no working provider serves the model                    503
every upstream failure was a timeout                    504
======================================================  ======

An error after the stream has begun is sent as a last ``data: {"error": {...}}`` event (the
OpenAI SDK raises it as ``APIError``) and no ``[DONE]`` follows.

Request fields (everything else is rejected with 400, as OpenAI does for unknown arguments):

* honoured: ``model``, ``messages`` (text content; ``developer`` is sent as ``system``),
  ``stream``, ``stream_options.include_usage`` (a last chunk with estimated ``usage``), ``stop``
  (up to 4 strings; the answer is cut before the first), ``n`` (only 1), ``provider`` (a fastg4f
  extension: a provider name, or several separated by commas, tried in that order).
* passed to the provider, which may ignore them: ``temperature``, ``top_p``, ``max_tokens``,
  ``max_completion_tokens`` (as ``max_tokens``), ``presence_penalty``, ``frequency_penalty``,
  ``seed``.
* accepted and ignored: ``user``, ``metadata``, ``store``, ``service_tier``,
  ``parallel_tool_calls``, ``reasoning_effort``, ``prompt_cache_key``, ``safety_identifier``,
  ``verbosity``, ``modalities`` ``["text"]``, ``tool_choice`` ``"none"``/``"auto"``, ``logprobs``
  ``false``, ``response_format`` ``{"type": "text"}``.
* rejected (400) because no provider can honour them: ``tools``/``functions`` (non-empty),
  ``tool_choice`` ``"required"`` or a named tool, ``logprobs: true``, ``top_logprobs > 0``,
  ``logit_bias`` (non-empty), ``response_format`` JSON modes, ``audio``, ``prediction``,
  ``web_search_options``, non-text content parts, ``tool``/``function`` messages, ``n > 1``.

Limits (see :class:`Limits`): body size, message count, characters per message.
"""

from __future__ import annotations

from fastg4f.api.app import Limits, create_app, create_app_from_env, run_api

__all__ = ["Limits", "create_app", "create_app_from_env", "run_api"]
