"""OpenAI error objects of the server and the mapping from fastg4f's exceptions to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from fastg4f import errors

__all__ = ["APIError", "error_response", "to_api_error"]


class APIError(Exception):
    """An error answered as an OpenAI error object ``{"error": {message, type, param, code}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "type": type, "param": param, "code": code}
        self.headers = dict(headers or {})


def error_response(error: APIError) -> JSONResponse:
    """The JSON response of ``error``."""
    return JSONResponse({"error": error.body}, status_code=error.status, headers=error.headers)


def unsupported(param: str, message: str) -> APIError:
    """A 400 for a parameter no provider can honour."""
    return APIError(400, message, param=param, code="unsupported_parameter")


def _leaf_errors(exc: BaseException) -> list[BaseException]:
    nested = getattr(exc, "exceptions", None)
    if isinstance(nested, dict) and nested:
        return [leaf for inner in nested.values() for leaf in _leaf_errors(inner)]
    return [exc]


def _upstream_status(exc: BaseException) -> tuple[int, str]:
    leaves = _leaf_errors(exc)
    if all(isinstance(e, errors.RateLimitError) for e in leaves):
        return 429, "rate_limit_exceeded"
    if all(isinstance(e, TimeoutError) for e in leaves):
        return 504, "upstream_timeout"
    return 502, "upstream_error"


_MODELS_HINT = "GET /v1/models lists the models this server routes"
_PROVIDER_HINT = (
    "name another provider in the 'provider' field or leave it out to route by model; "
    "the server's operator can start it with --ignore-working to use it anyway"
)


def to_api_error(exc: BaseException) -> APIError:
    """The OpenAI error for an exception raised by routing or a provider.

    Hints name what an HTTP client can change (the request's fields, other endpoints), not
    Python arguments.
    """
    if isinstance(exc, APIError):
        return exc
    message = str(exc) or type(exc).__name__
    if isinstance(exc, errors.ModelNotFoundError):
        return APIError(404, f"{message}. {_MODELS_HINT}", param="model", code="model_not_found")
    if isinstance(exc, errors.ProviderNotFoundError):
        return APIError(400, message, param="provider", code="provider_not_found")
    if isinstance(exc, errors.ProviderNotWorkingError):
        first = message.split(";")[0]
        return APIError(
            400, f"{first}; {_PROVIDER_HINT}", param="provider", code="provider_not_working"
        )
    if isinstance(exc, errors.NoProviderError | errors.RetryNoProviderError):
        # The library's message ends in the Python remedy (``ignore_working=True``): keep the fact.
        fact = message.split("; ")[0]
        return APIError(
            503,
            f"{fact}. Try another model ({_MODELS_HINT}) or name a provider in 'provider'; "
            "the server's operator can start it with --ignore-working to use providers not "
            "marked working, or with --offline to answer from the local emulators",
            type="server_error",
            code="no_provider",
        )
    status, code = _upstream_status(exc)
    if not isinstance(exc, errors.FastG4FError):
        message = f"{type(exc).__name__}: {message}"
    return APIError(status, message, type="upstream_error", code=code)
