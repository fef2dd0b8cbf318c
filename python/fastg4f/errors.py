"""Exceptions raised by fastg4f, rooted at :class:`FastG4FError`, with g4f's class names."""

from __future__ import annotations

import builtins

__all__ = [
    "AuthenticationRequiredError",
    "CloudflareError",
    "ConnectionError",
    "ConversationLimitError",
    "FastG4FError",
    "G4FError",
    "MissingAccessToken",
    "MissingAiohttpSocksError",
    "MissingAuthError",
    "MissingRequirementsError",
    "ModelNotAllowedError",
    "ModelNotFoundError",
    "ModelNotSupportedError",
    "NestAsyncioError",
    "NoImageResponseError",
    "NoMediaResponseError",
    "NoProviderError",
    "NoValidHarFileError",
    "PaymentRequiredError",
    "ProofOfWorkError",
    "ProviderNotFoundError",
    "ProviderNotWorkingError",
    "RateLimitError",
    "ResponseError",
    "ResponseStatusError",
    "RetryNoProviderError",
    "RetryProviderError",
    "StreamDecodeError",
    "StreamNotSupportedError",
    "TimeoutError",
    "TurnstileError",
    "VersionNotFoundError",
]


class FastG4FError(Exception):
    """Base class of every error fastg4f raises on purpose."""


G4FError = FastG4FError
"""g4f's name of the base class (the same class)."""


class ProviderNotFoundError(FastG4FError):
    """No provider has the requested name; check ``fastg4f.Provider.__all__``."""


class ProviderNotWorkingError(FastG4FError):
    """The provider is marked ``working = False``; pass ``ignore_working=True`` to use it anyway."""


class StreamNotSupportedError(FastG4FError):
    """``stream=True`` was asked of a provider that cannot stream; pass ``ignore_stream=True``."""


class ModelNotFoundError(FastG4FError):
    """The model is unknown to the provider or to the model table."""


class ModelNotAllowedError(FastG4FError):
    """The model exists but may not be used with this provider."""


class ModelNotSupportedError(FastG4FError):
    """The provider does not support the requested model."""


class RetryProviderError(FastG4FError):
    """Every provider tried by a retry/fail-over provider failed."""


class RetryNoProviderError(FastG4FError):
    """A retry/fail-over provider was given no provider to try."""


class NoProviderError(RetryNoProviderError):
    """No (working) provider serves the requested model."""


class VersionNotFoundError(FastG4FError):
    """Kept for g4f compatibility; fastg4f never looks up versions online."""


class MissingRequirementsError(FastG4FError):
    """An optional dependency is missing; the message names the package to install."""


class NestAsyncioError(MissingRequirementsError):
    """Kept for g4f compatibility; fastg4f's sync APIs work inside a running loop without it."""


class MissingAiohttpSocksError(MissingRequirementsError):
    """Kept for g4f compatibility; fastg4f's sessions handle SOCKS proxies without aiohttp."""


class MissingAuthError(FastG4FError):
    """The provider needs cookies or credentials that were not given."""


AuthenticationRequiredError = MissingAuthError
"""Older g4f name of :class:`MissingAuthError` (the same class)."""

MissingAccessToken = MissingAuthError
"""Older g4f name for a missing access token: :class:`MissingAuthError` (the same class)."""


class PaymentRequiredError(FastG4FError):
    """The upstream asked for payment (HTTP 402)."""


class NoMediaResponseError(FastG4FError):
    """A media (image/audio) request got no media back; kept for g4f compatibility."""


NoImageResponseError = NoMediaResponseError
"""Older g4f name of :class:`NoMediaResponseError` (the same class)."""


class NoValidHarFileError(FastG4FError):
    """No usable HAR capture was found; kept for g4f compatibility (fastg4f needs none)."""


class ConversationLimitError(FastG4FError):
    """The provider refused to continue the conversation (its turn or length limit)."""


class ResponseError(FastG4FError):
    """The upstream answered with something fastg4f cannot use."""


class ResponseStatusError(ResponseError):
    """The upstream answered with an HTTP error status."""


class RateLimitError(ResponseStatusError):
    """The upstream rate-limited the request (HTTP 429 or an "unusual activity" answer)."""


class CloudflareError(ResponseStatusError):
    """The upstream answered with a Cloudflare challenge page; retry later or pass cookies."""


class TimeoutError(FastG4FError, builtins.TimeoutError):
    """A request or a proof-of-work solve ran out of time (also a builtin ``TimeoutError``)."""


class ConnectionError(FastG4FError, builtins.ConnectionError):
    """A connection to the upstream or to the proxy failed (also a builtin ``ConnectionError``)."""


class ProofOfWorkError(FastG4FError):
    """A proof-of-work challenge was malformed or could not be solved within its budget."""


class TurnstileError(FastG4FError, ValueError):
    """A turnstile program was malformed or exceeded a limit."""


class StreamDecodeError(FastG4FError, ValueError):
    """A stream exceeded a documented limit or could not be decoded."""
