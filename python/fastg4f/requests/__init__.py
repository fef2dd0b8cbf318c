"""HTTP sessions (curl_cffi with browser impersonation, or httpx), responses, ``raise_for_status``.

Importing this package imports neither curl_cffi nor httpx: the transport is imported when the
first session is created.
"""

from __future__ import annotations

from fastg4f.requests._base import (
    DEFAULT_IMPERSONATE,
    DEFAULT_TIMEOUT,
    IDEMPOTENT_METHODS,
    MAX_REDIRECTS,
    Headers,
    Response,
    StreamResponse,
)
from fastg4f.requests.session import (
    Backend,
    Session,
    StreamSession,
    available_backends,
    default_backend,
)
from fastg4f.requests.status import (
    CLOUDFLARE_MARKERS,
    ERROR_BODY_CHARS,
    ERROR_BODY_READ_LIMIT,
    UNUSUAL_ACTIVITY,
    error_detail,
    is_cloudflare,
    raise_for_status,
    status_error,
)

__all__ = [
    "CLOUDFLARE_MARKERS",
    "DEFAULT_IMPERSONATE",
    "DEFAULT_TIMEOUT",
    "ERROR_BODY_CHARS",
    "ERROR_BODY_READ_LIMIT",
    "IDEMPOTENT_METHODS",
    "MAX_REDIRECTS",
    "UNUSUAL_ACTIVITY",
    "Backend",
    "Headers",
    "Response",
    "Session",
    "StreamResponse",
    "StreamSession",
    "available_backends",
    "default_backend",
    "error_detail",
    "is_cloudflare",
    "raise_for_status",
    "status_error",
]
