"""Plumbing shared by the provider modules: origins, bounded body reads, status checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fastg4f.errors import ConnectionError, ResponseError, ResponseStatusError
from fastg4f.requests import StreamResponse, StreamSession
from fastg4f.requests.status import UNUSUAL_ACTIVITY, read_error_text
from fastg4f.requests.status import status_error as _status_error

__all__ = [
    "MAX_ANSWER_BODY_BYTES",
    "MAX_PAGE_BYTES",
    "UNUSUAL_ACTIVITY",
    "check_status",
    "error_text",
    "fetch_page",
    "host_of",
    "origin_of",
    "read_body",
    "read_json",
    "status_error",
]

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""Largest site page (HTML) a provider reads, in bytes (8 MiB)."""

MAX_ANSWER_BODY_BYTES = 8 * 1024 * 1024
"""Largest non-streamed API answer a provider reads, in bytes (8 MiB)."""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (the ``Origin`` header value; no path)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_of(url: str) -> str:
    """The host name of ``url`` (lower case, no port)."""
    return (urlsplit(url).hostname or "").lower()


async def error_text(response: StreamResponse) -> str:
    """At most 64 KiB of an error body as text (:func:`fastg4f.requests.status.read_error_text`)."""
    return await read_error_text(response)


def status_error(who: str, response: StreamResponse, text: str) -> ResponseStatusError:
    """The error for an HTTP error status with body ``text``, named after provider ``who``
    (:func:`fastg4f.requests.status.status_error`: 429 and ChatGPT's "Unusual activity" →
    :class:`RateLimitError`, a Cloudflare challenge → :class:`CloudflareError`, else
    :class:`ResponseStatusError`; the message quotes the server's detail, cut to 500
    characters)."""
    return _status_error(response.status, response.url, response.headers, text, who=who)


async def check_status(response: StreamResponse, who: str) -> None:
    """Raises :func:`status_error` for an HTTP error status (>= 400); does nothing otherwise."""
    if response.status >= 400:
        raise status_error(who, response, await error_text(response))


async def read_body(response: StreamResponse, limit: int, who: str) -> bytes:
    """Reads the whole body of ``response``, refusing more than ``limit`` bytes.

    Raises:
        ResponseError: the body is larger than ``limit``.
        ConnectionError: the connection broke before the body was complete.
        TimeoutError: no data arrived within the session timeout.
    """
    parts: list[bytes] = []
    size = 0
    chunks = response.iter_content()
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                break
            parts.append(chunk)
    except ResponseError as exc:
        raise ConnectionError(
            f"{who}: the connection broke while reading the answer from {response.url} "
            f"({size} bytes received): {exc}"
        ) from exc
    finally:
        await chunks.aclose()
    if size > limit:
        raise ResponseError(
            f"{who}: the answer from {response.url} is larger than {limit} bytes; "
            "refusing to read it (is the URL right?)"
        )
    return b"".join(parts)


async def fetch_page(
    session: StreamSession, url: str, who: str, headers: Mapping[str, str] | None = None
) -> str:
    """``GET url`` (with extra ``headers``) and return the page's HTML, at most 8 MiB
    (:data:`MAX_PAGE_BYTES`), decoded with its charset.

    Raises:
        RateLimitError, CloudflareError, ResponseStatusError: an HTTP error status.
        ResponseError, ConnectionError, TimeoutError: as :func:`read_body`.
    """
    async with session.get(url, headers=headers) as response:
        await check_status(response, who)
        body = await read_body(response, MAX_PAGE_BYTES, who)
        return body.decode(response.encoding, errors="replace")


async def read_json(response: StreamResponse, who: str, limit: int = MAX_ANSWER_BODY_BYTES) -> Any:
    """Reads and parses a JSON body (whatever its ``content-type``).

    Raises:
        ResponseError: the body is not JSON (the message quotes its start) or is too large.
        ConnectionError, TimeoutError: as :func:`read_body`.
    """
    body = await read_body(response, limit, who)
    try:
        return json.loads(body)
    except ValueError:
        text = body[:300].decode("utf-8", "replace")
        raise ResponseError(
            f"{who}: expected a JSON answer from {response.url} (HTTP {response.status}) but got "
            f"{len(body)} bytes that are not JSON: {text!r}"
        ) from None
