"""``raise_for_status``: HTTP error statuses → fastg4f errors, for sync and async responses."""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Generator
from typing import Any

from fastg4f.errors import (
    CloudflareError,
    ConnectionError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
    TimeoutError,
)
from fastg4f.requests._base import Response, StreamResponse

__all__ = [
    "CLOUDFLARE_MARKERS",
    "ERROR_BODY_CHARS",
    "ERROR_BODY_READ_LIMIT",
    "UNUSUAL_ACTIVITY",
    "error_detail",
    "is_cloudflare",
    "raise_for_status",
    "read_error_text",
    "status_error",
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

UNUSUAL_ACTIVITY = "Unusual activity"
"""Marker of ChatGPT's bot-suspicion answer (``403 {"detail": "Unusual activity has been …"}``)."""

_DETAIL_KEYS = ("detail", "message", "msg", "error")


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


def error_detail(body: str) -> str:
    """The server's own words in an error body, cut to :data:`ERROR_BODY_CHARS` characters.

    A JSON object's first non-empty ``detail``, ``message``, ``msg`` or ``error`` member (a
    string, the ``message`` of an object, else the member as compact JSON); otherwise the
    body itself, stripped.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _truncate(body)
    if isinstance(data, dict):
        for key in _DETAIL_KEYS:
            value = data.get(key)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return _truncate(value["message"])
            if isinstance(value, str) and value.strip():
                return _truncate(value)
            if value not in (None, "", [], {}):
                return _truncate(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return _truncate(body)


def status_error(
    status: int,
    url: str,
    headers: Any,
    body: str,
    *,
    who: str | None = None,
    message: str | None = None,
) -> ResponseStatusError:
    """The fastg4f error for an HTTP error status (the one mapping of statuses to errors).

    429, and ChatGPT's bot-suspicion answer (:data:`UNUSUAL_ACTIVITY` in the body), →
    :class:`~fastg4f.errors.RateLimitError`; a Cloudflare challenge (:func:`is_cloudflare`) →
    :class:`~fastg4f.errors.CloudflareError`; anything else →
    :class:`~fastg4f.errors.ResponseStatusError`. The message starts with ``who`` (a provider
    name) when given, names the status and the URL, and quotes ``message`` if given, else
    :func:`error_detail` of the body.
    """
    where = f"HTTP {status} from {url}"
    prefix = f"{who}: " if who else ""
    detail = message or error_detail(body)
    if status == 429:
        return RateLimitError(
            f"{prefix}rate limited ({where}): {detail or 'no details'}; wait and retry, or use "
            "another provider"
        )
    if UNUSUAL_ACTIVITY in body:
        return RateLimitError(
            f"{prefix}the request was refused as bot-like ({where}): {detail}; wait a while and "
            "retry, use another network or proxy, or another provider"
        )
    if is_cloudflare(status, headers, body):
        return CloudflareError(
            f"{prefix}blocked by a Cloudflare challenge ({where}); retry later, use another "
            "network/proxy, or pass the site's cookies (cf_clearance)"
            + (f": {message}" if message else "")
        )
    return ResponseStatusError(f"{prefix}{where}: {detail or '(empty body)'}")


class _ErrorBody:
    """The first :data:`ERROR_BODY_READ_LIMIT` bytes of an error body, as chunks arrive."""

    def __init__(self, response: Response | StreamResponse) -> None:
        self.encoding = response.encoding
        self.parts: list[bytes] = [response._content] if response._content is not None else []
        self.size = 0
        # A buffered body is complete; a body already iterated cannot be read again.
        self.done = response._content is not None or response._consumed

    def add(self, chunk: bytes) -> bool:
        """Keeps ``chunk``; ``True`` once enough was kept."""
        self.parts.append(chunk)
        self.size += len(chunk)
        return self.size >= ERROR_BODY_READ_LIMIT

    def text(self) -> str:
        data = b"".join(self.parts)[:ERROR_BODY_READ_LIMIT]
        return data.decode(self.encoding, errors="replace")


# A body that breaks off: what arrived is what the error message can quote.
_BROKEN = (ConnectionError, TimeoutError, ResponseError)


def _read_error_text_sync(response: Response) -> str:
    body = _ErrorBody(response)
    if not body.done:
        with contextlib.suppress(*_BROKEN), contextlib.closing(response.iter_content()) as chunks:
            any(body.add(chunk) for chunk in chunks)
    return body.text()


async def read_error_text(response: StreamResponse) -> str:
    """At most :data:`ERROR_BODY_READ_LIMIT` bytes of an error body as text; the rest is
    discarded with the stream. A body that breaks off gives what arrived."""
    body = _ErrorBody(response)
    if not body.done:
        with contextlib.suppress(*_BROKEN):
            async with contextlib.aclosing(response.iter_content()) as chunks:
                async for chunk in chunks:
                    if body.add(chunk):
                        break
    return body.text()


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
        body = await read_error_text(self._response)
        r = self._response
        raise status_error(r.status, r.url, r.headers, body, message=self._message)

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

    The mapping is :func:`status_error`'s: 429 (or ChatGPT's bot-suspicion answer) →
    :class:`~fastg4f.errors.RateLimitError`; a Cloudflare challenge (403/503 with
    ``cf-mitigated: challenge`` or a body marker, see :func:`is_cloudflare`) →
    :class:`~fastg4f.errors.CloudflareError`; any other status >= 400 →
    :class:`~fastg4f.errors.ResponseStatusError` with the status, the URL and the server's
    words (:func:`error_detail`: a JSON body's ``detail``/``message``/``msg``/``error``, else
    the body). At most :data:`ERROR_BODY_READ_LIMIT` bytes of the body are
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
        body = _read_error_text_sync(response)
    else:
        text = getattr(response, "text", "")
        body = text() if callable(text) else str(text)
    headers = getattr(response, "headers", None) or {}
    raise status_error(status, str(getattr(response, "url", "")), headers, body, message=message)
