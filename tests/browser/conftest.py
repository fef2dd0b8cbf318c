"""Chromium (Debian's package, driven by Playwright) against a real server on 127.0.0.1.

The tests are skipped when Playwright or a Chromium binary is missing, unless
``FASTG4F_REQUIRE_BROWSER=1`` (set by ``make test-browser`` and CI), which makes that a failure.
``FASTG4F_CHROMIUM`` names the browser binary (default: ``chromium`` on the PATH).
Screenshots go to ``FASTG4F_BROWSER_OUT`` (default ``test-output/browser``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from fastg4f.api import create_app
from fastg4f.emulators import OfflineUrls, offline
from fastg4f.models import registered_providers
from tests.api.conftest import serve
from tests.toy_providers import make_provider

REQUIRED = os.environ.get("FASTG4F_REQUIRE_BROWSER") == "1"


def _chromium() -> str | None:
    return os.environ.get("FASTG4F_CHROMIUM") or shutil.which("chromium")


def _missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def out_dir() -> Path:
    path = Path(os.environ.get("FASTG4F_BROWSER_OUT", "test-output/browser"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API keeps an event loop running in this
    thread while it is open, which other modules' ``asyncio.run`` must not meet."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install 'fastg4f[browser]')")
    executable = _chromium()
    if executable is None:
        _missing("no chromium binary (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


# A slow, endless toy stream: the Stop test watches its generator being closed.
Ticker = make_provider("Ticker", forever=True, delay=0.05, models=("toy-1",))


@dataclass
class Server:
    """The server under test, its emulators and the toy provider's probe."""

    url: str
    urls: OfflineUrls
    ticker: Any = Ticker


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """``fastg4f api --offline``'s app (emulated providers) plus the Ticker toy provider."""
    with offline() as urls:
        app = create_app([*registered_providers(), Ticker], route_timeout=30)
        with serve(app) as url:
            yield Server(url, urls)


@dataclass
class Watch:
    """What a page did: console errors and every request URL."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)

    def foreign(self, base: str) -> list[str]:
        """Requests that left for another host (data:/blob: URLs and requests the page's CSP
        blocked before they were sent are not counted)."""
        host = urlsplit(base).netloc
        return [
            u
            for u in self.requests
            if urlsplit(u).scheme not in ("data", "blob")
            and urlsplit(u).netloc != host
            and u not in self.blocked
        ]


def watch(page: Any) -> Watch:
    seen = Watch()
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"page error: {e}"))
    page.on("request", lambda r: seen.requests.append(r.url))

    def failed(request: Any) -> None:
        if "csp" in (request.failure or "").lower():  # refused by the page's own CSP
            seen.blocked.add(request.url)

    page.on("requestfailed", failed)
    return seen


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()
