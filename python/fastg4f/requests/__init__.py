"""HTTP sessions (curl_cffi with browser impersonation, or httpx), responses, ``raise_for_status``.

Importing this package imports neither curl_cffi nor httpx: the transport is imported when the
first session is created.
"""

from __future__ import annotations

from fastg4f.requests._base import (
    DEFAULT_IMPERSONATE,
    DEFAULT_TIMEOUT,
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
    is_cloudflare,
    raise_for_status,
)

__all__ = [
    "CLOUDFLARE_MARKERS",
    "DEFAULT_IMPERSONATE",
    "DEFAULT_TIMEOUT",
    "ERROR_BODY_CHARS",
    "ERROR_BODY_READ_LIMIT",
    "MAX_REDIRECTS",
    "Backend",
    "Headers",
    "Response",
    "Session",
    "StreamResponse",
    "StreamSession",
    "available_backends",
    "default_backend",
    "is_cloudflare",
    "raise_for_status",
]
