"""``raise_for_status``: HTTP error statuses → fastg4f errors, for sync and async responses."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncGenerator, Generator
from typing import Any

from fastg4f.errors import CloudflareError, RateLimitError, ResponseStatusError
from fastg4f.requests._base import Response, StreamResponse

__all__ = [
    "CLOUDFLARE_MARKERS",
    "ERROR_BODY_CHARS",
    "ERROR_BODY_READ_LIMIT",
    "is_cloudflare",
    "raise_for_status",
]

ERROR_BODY_READ_LIMIT = 64 * 1024
"""At most this many bytes of an error body are read (the rest is discarded with the stream)."""

ERROR_BODY_CHARS = 500
"""At most this many characters of the body appear in an error message (then ``…``)."""

CLOUDFLARE_MARKERS = (
    "<title>Just a moment...</title>",
    "Just a moment...",
    "cf-please-wait",
    '<div id="cf-please-wait">',
    "<title>Attention Required! | Cloudflare</title>",
    "cf-chl-bypass",
    "challenge-platform",
)
"""Body fragments that identify a Cloudflare challenge page (on a 403 or 503)."""


def is_cloudflare(status: int, headers: Any, body: str) -> bool:
    """``True`` if a 403/503 answer is a Cloudflare challenge.

    It is when the ``cf-mitigated: challenge`` header is present or the body contains one of
    :data:`CLOUDFLARE_MARKERS`.
    """
    if status not in (403, 503):
        return False
    if str(headers.get("cf-mitigated", "")).lower() == "challenge":
        return True
    return any(marker in body for marker in CLOUDFLARE_MARKERS)


def _truncate(text: str) -> str:
    text = text.strip()
    return text if len(text) <= ERROR_BODY_CHARS else text[:ERROR_BODY_CHARS] + "…"


def _detail(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or "detail" not in data:
        return None
    detail = data["detail"]
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):
        return str(detail["message"])
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)


def _error(status: int, url: str, headers: Any, body: str, message: str | None) -> Exception:
    where = f"{status} from {url}"
    if status == 429:
        reason = message or _truncate(_detail(body) or body) or "no details"
        return RateLimitError(
            f"rate limited (HTTP {where}): {reason}; wait and retry, or use another provider"
        )
    if is_cloudflare(status, headers, body):
        return CloudflareError(
            f"blocked by a Cloudflare challenge (HTTP {where}); retry later, use another "
            "network/proxy, or pass the site's cookies (cf_clearance)"
            + (f": {message}" if message else "")
        )
    detail = _detail(body)
    if message:
        text = message
    elif detail is not None:
        text = _truncate(detail)
    else:
        text = _truncate(body) or "(empty body)"
    return ResponseStatusError(f"HTTP {where}: {text}")


def _read_limited_sync(response: Response) -> str:
    if response._content is not None:
        data = response._content
    elif response._consumed:
        data = b""
    else:
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_content():
            parts.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_READ_LIMIT:
                break
        response.close()
        data = b"".join(parts)
    return data[:ERROR_BODY_READ_LIMIT].decode(response.encoding, errors="replace")


async def _read_limited_async(response: StreamResponse) -> str:
    if response._content is not None:
        data = response._content
    elif response._consumed:
        data = b""
    else:
        parts: list[bytes] = []
        size = 0
        chunks: AsyncGenerator[bytes, None] = response.iter_content()
        try:
            async for chunk in chunks:
                parts.append(chunk)
                size += len(chunk)
                if size >= ERROR_BODY_READ_LIMIT:
                    break
        finally:
            await chunks.aclose()
        data = b"".join(parts)
    return data[:ERROR_BODY_READ_LIMIT].decode(response.encoding, errors="replace")


class _Checked:
    """The result of :func:`raise_for_status`: awaiting it raises the pending error, if any."""

    __slots__ = ("_awaited", "_message", "_response")

    def __init__(self, response: StreamResponse | None, message: str | None) -> None:
        self._response = response
        self._message = message
        self._awaited = False

    def __await__(self) -> Generator[Any, None, None]:
        self._awaited = True
        if self._response is None:
            return
        yield from self._check().__await__()

    def __del__(self) -> None:
        if self._response is not None and not self._awaited:
            warnings.warn(
                f"raise_for_status() found HTTP {self._response.status} on an async response "
                "but was not awaited, so nothing was raised; use `await raise_for_status(resp)`",
                RuntimeWarning,
                stacklevel=2,
            )

    async def _check(self) -> None:
        assert self._response is not None
        body = await _read_limited_async(self._response)
        r = self._response
        raise _error(r.status, r.url, r.headers, body, self._message)

    def __repr__(self) -> str:
        state = "ok" if self._response is None else f"error pending ({self._response.status})"
        return f"<raise_for_status: {state}>"


def raise_for_status(
    response: Response | StreamResponse | Any, message: str | None = None
) -> _Checked:
    """Raise a fastg4f error if ``response`` has an error status (>= 400).

    Works as a plain call on a sync :class:`Response` (it raises right away) and as
    ``await raise_for_status(resp)`` on both kinds. An async :class:`StreamResponse` body can
    only be read asynchronously, so on an async response the call **must be awaited**: the
    plain call returns an awaitable that reads the body and raises (and warns with a
    ``RuntimeWarning`` if it is dropped without being awaited). Awaiting the result of a
    sync check (or of an OK response) does nothing.

    Mapping: 429 → :class:`~fastg4f.errors.RateLimitError`; a Cloudflare challenge
    (403/503 with ``cf-mitigated: challenge`` or a body marker, see :func:`is_cloudflare`) →
    :class:`~fastg4f.errors.CloudflareError`; a JSON body with ``detail`` → that detail in the
    message; any other status >= 400 → :class:`~fastg4f.errors.ResponseStatusError` with the
    status, the URL and the body. At most :data:`ERROR_BODY_READ_LIMIT` bytes of the body are
    read and at most :data:`ERROR_BODY_CHARS` characters quoted.

    Args:
        response: a fastg4f response (or any object with ``status``/``status_code``, ``url``,
            ``headers`` and a ``text`` attribute or method, read synchronously).
        message: replaces the body/detail in the error message.

    Returns:
        An awaitable; awaiting it raises the error of an async response, else does nothing.
    """
    status = getattr(response, "status", None)
    if not isinstance(status, int):
        status = int(response.status_code)
    if status < 400:
        return _Checked(None, message)
    if isinstance(response, StreamResponse):
        return _Checked(response, message)
    if isinstance(response, Response):
        body = _read_limited_sync(response)
    else:
        text = getattr(response, "text", "")
        body = text() if callable(text) else str(text)
    headers = getattr(response, "headers", None) or {}
    raise _error(status, str(getattr(response, "url", "")), headers, body, message)
