"""Cookies from files a user keeps in a cookies directory (fastg4f never reads browsers).

The directory is, in order of precedence: the path given to :func:`set_cookies_dir`, the
``FASTG4F_COOKIES_DIR`` environment variable, or ``<user config dir>/fastg4f/cookies``
(``$XDG_CONFIG_HOME`` or ``~/.config`` on Linux, ``~/Library/Application Support`` on macOS,
``%APPDATA%`` on Windows). Files directly in it are read (not sub-directories), in name order;
a later file overrides an earlier one for the same cookie name. Supported formats:

* ``*.json`` holding a list of cookie objects (browser-extension exports such as
  "EditThisCookie"/"Cookie-Editor"): each object needs ``domain``, ``name`` and ``value``.
* ``<domain>.json`` holding a plain ``{name: value}`` object: the file name without ``.json``
  is the cookie domain (``chatgpt.com.json`` holds cookies of ``chatgpt.com``).
* ``*.txt`` in Netscape ``cookies.txt`` format (tab-separated; ``#HttpOnly_`` prefixes allowed).
* ``*.har`` HAR captures: the cookies of each request/response, credited to the cookie's
  ``domain`` if it has one, else to the request's host.

Domain matching follows the browser's rule (RFC 6265 §5.1.3): a cookie of domain ``d`` (a
leading dot ignored) is returned for host ``h`` when ``h == d`` or ``h`` ends with ``"." + d``.
So ``get_cookies("chat.example.com")`` includes ``.example.com`` cookies, while
``get_cookies("example.com")`` does not include ``chat.example.com`` cookies.
Unreadable or malformed files, files larger than :data:`MAX_COOKIE_FILE_BYTES` and JSON/HAR
files nested deeper than :data:`MAX_COOKIE_FILE_DEPTH` are skipped with a logged warning; the
other files are still read.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastg4f.typing import Cookies

__all__ = [
    "COOKIES_DIR_ENV",
    "MAX_COOKIE_FILE_BYTES",
    "MAX_COOKIE_FILE_DEPTH",
    "domain_matches",
    "get_cookies",
    "get_cookies_dir",
    "read_cookie_files",
    "set_cookies",
    "set_cookies_dir",
    "stored_cookies",
]

logger = logging.getLogger(__name__)

COOKIES_DIR_ENV = "FASTG4F_COOKIES_DIR"
"""Environment variable that overrides the default cookies directory."""

MAX_COOKIE_FILE_BYTES = 32 * 1024 * 1024
"""Files larger than this are skipped (HAR captures can be large; 32 MiB)."""

MAX_COOKIE_FILE_DEPTH = 64
"""JSON and HAR files nested deeper than this (arrays and objects) are skipped unparsed."""

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # no backtracking
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")

_cookies_dir: Path | None = None
_stored: dict[str, Cookies] = {}


def _default_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "fastg4f" / "cookies"


def get_cookies_dir() -> str:
    """The cookies directory in use (it need not exist)."""
    if _cookies_dir is not None:
        return str(_cookies_dir)
    env = os.environ.get(COOKIES_DIR_ENV)
    return str(Path(env).expanduser()) if env else str(_default_dir())


def set_cookies_dir(path: str | os.PathLike[str] | None) -> None:
    """Use ``path`` as the cookies directory (``None`` returns to the env var/default)."""
    global _cookies_dir
    _cookies_dir = None if path is None else Path(path).expanduser()


def _norm(domain: str) -> str:
    domain = domain.strip().lower()
    if "://" in domain:
        domain = urlsplit(domain).hostname or ""
    return domain.lstrip(".")


def domain_matches(host: str, cookie_domain: str) -> bool:
    """Whether a cookie of ``cookie_domain`` is sent to ``host`` (leading dots ignored)."""
    h, d = _norm(host), _norm(cookie_domain)
    return bool(d) and (h == d or h.endswith("." + d))


def set_cookies(domain_name: str, cookies: Cookies | None = None) -> None:
    """Store ``cookies`` for ``domain_name`` in memory; they override files for that domain.

    ``None`` or an empty dict removes the stored cookies of that domain.
    """
    key = _norm(domain_name)
    if cookies:
        _stored[key] = {str(k): str(v) for k, v in cookies.items()}
    else:
        _stored.pop(key, None)


def stored_cookies(domain_name: str) -> Cookies | None:
    """The cookies :func:`set_cookies` stored for exactly ``domain_name`` (``None`` if none)."""
    stored = _stored.get(_norm(domain_name))
    return dict(stored) if stored is not None else None


def get_cookies(
    domain_name: str,
    raise_requirements_error: bool = True,
    single_browser: bool = False,
    cache_result: bool = True,
) -> Cookies:
    """Cookies for ``domain_name`` from the cookie files and :func:`set_cookies`.

    Args:
        domain_name: a host such as ``"chatgpt.com"`` (a leading dot or a URL is accepted).
        raise_requirements_error: accepted for g4f compatibility; fastg4f needs no browser
            library, so nothing is ever raised for it.
        single_browser: accepted for g4f compatibility; ignored (no browser is read).
        cache_result: accepted for g4f compatibility; files are read on every call so edits
            show up at once.

    Returns:
        ``{name: value}``; empty when nothing matches (never raises for bad files).
    """
    del raise_requirements_error, single_browser, cache_result
    host = _norm(domain_name)
    result: Cookies = {}
    for cookie_domain, cookies in read_cookie_files(store=False).items():
        if domain_matches(host, cookie_domain):
            result.update(cookies)
    for cookie_domain, cookies in _stored.items():
        if domain_matches(host, cookie_domain):
            result.update(cookies)
    return result


def read_cookie_files(
    dir: str | os.PathLike[str] | None = None,
    domains_filter: Iterable[str] | None = None,
    *,
    store: bool = True,
    dir_path: str | os.PathLike[str] | None = None,
    dirPath: str | os.PathLike[str] | None = None,
) -> dict[str, Cookies]:
    """Read every cookie file of ``dir`` (default :func:`get_cookies_dir`).

    Args:
        dir: the directory to read; a missing directory gives ``{}``. g4f's keyword names
            ``dir_path=`` and ``dirPath=`` are accepted too (give only one of the three).
        domains_filter: when given, keep only cookies that would be sent to one of these hosts
            (browser rule, see :func:`domain_matches`); the others are ignored.
        store: also keep the result in memory like :func:`set_cookies` (g4f's behaviour).

    Returns:
        ``{cookie domain (no leading dot): {name: value}}``.

    Raises:
        TypeError: more than one of ``dir``, ``dir_path`` and ``dirPath`` was given.
    """
    given = [d for d in (dir, dir_path, dirPath) if d is not None]
    if len(given) > 1:
        raise TypeError("give the cookies directory once: dir, dir_path or dirPath")
    dir = given[0] if given else None
    hosts = None if domains_filter is None else [_norm(h) for h in domains_filter]
    directory = Path(dir) if dir is not None else Path(get_cookies_dir())
    found: dict[str, Cookies] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            entries = _read_file(path)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            logger.warning("skipping cookie file %s: %s", path, exc)
            continue
        for domain, name, value in entries:
            key = _norm(domain)
            if hosts is not None and not any(domain_matches(h, key) for h in hosts):
                continue
            if key and name:
                found.setdefault(key, {})[name] = value
    if store:
        for domain, cookies in found.items():
            _stored.setdefault(domain, {}).update(cookies)
    return found


def _read_file(path: Path) -> list[tuple[str, str, str]]:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".txt", ".har"):
        return []
    size = path.stat().st_size
    if size > MAX_COOKIE_FILE_BYTES:
        raise ValueError(f"file is {size} bytes, over the {MAX_COOKIE_FILE_BYTES}-byte limit")
    text = path.read_text("utf-8-sig")
    if suffix == ".txt":
        return _parse_netscape(text)
    _check_depth(text)
    data = json.loads(text)
    if suffix == ".har":
        return _parse_har(data)
    return _parse_json(data, path.name[: -len(".json")])


def _check_depth(text: str) -> None:
    """Refuses JSON nested deeper than :data:`MAX_COOKIE_FILE_DEPTH`, before it is parsed.

    Linear and done by regular expressions: strings are removed, then the depth is the
    running count of opening minus closing brackets.
    """
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    steps = (1 if c in "[{" else -1 for c in brackets)
    deepest = max(accumulate(steps, initial=0))
    if deepest > MAX_COOKIE_FILE_DEPTH:
        raise ValueError(
            f"JSON nested deeper than {MAX_COOKIE_FILE_DEPTH} levels (a cookie export is "
            "a few levels deep)"
        )


def _parse_json(data: Any, file_domain: str) -> list[tuple[str, str, str]]:
    if isinstance(data, list):
        entries = []
        for i, item in enumerate(data):
            if not isinstance(item, dict) or not all(k in item for k in ("domain", "name")):
                raise ValueError(f"item {i} is not a cookie object with domain, name and value")
            entries.append((str(item["domain"]), str(item["name"]), str(item.get("value", ""))))
        return entries
    if isinstance(data, dict):
        if "log" in data:
            return _parse_har(data)
        if "." not in _norm(file_domain):
            raise ValueError(
                "a plain {name: value} cookie file must be named <domain>.json "
                "(e.g. chatgpt.com.json)"
            )
        return [(file_domain, str(k), _scalar(v)) for k, v in data.items()]
    raise ValueError("expected a list of cookie objects or a {name: value} object")


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError("cookie values must be strings or numbers")
    return str(value)


def _parse_netscape(text: str) -> list[tuple[str, str, str]]:
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_") :]
        elif not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            raise ValueError(f"line {number} has {len(fields)} tab-separated fields, expected 7")
        entries.append((fields[0], fields[5], fields[6]))
    return entries


def _parse_har(data: Any) -> list[tuple[str, str, str]]:
    entries = []
    for entry in data["log"]["entries"]:
        for side in ("request", "response"):
            part = entry.get(side) or {}
            host = urlsplit(str(entry.get("request", {}).get("url", ""))).hostname or ""
            for cookie in part.get("cookies") or []:
                domain = str(cookie.get("domain") or host)
                entries.append((domain, str(cookie["name"]), str(cookie.get("value", ""))))
    return entries
