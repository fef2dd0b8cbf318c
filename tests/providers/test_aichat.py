"""Aichat against its emulator: call styles, cookies (kwarg and cookie files), body, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fastg4f.cookies import set_cookies, set_cookies_dir
from fastg4f.emulators import Emulators, OfflineUrls, expected_answer
from fastg4f.errors import (
    CloudflareError,
    ConnectionError,
    MissingAuthError,
    RateLimitError,
    ResponseError,
    ResponseStatusError,
)
from fastg4f.providers import Aichat
from fastg4f.providers.Aichat import MissingCookiesError
from fastg4f.providers.helper import format_prompt
from tests.providers._calls import STYLES, call
from tests.servers import Socks5Proxy

MESSAGES = [
    {"role": "user", "content": "Erste Frage ✓"},
    {"role": "assistant", "content": "Antwort"},
    {"role": "user", "content": "Zweite Frage — 第二个问题"},
]
COOKIES = {"cf_clearance": "abc", "session": "é1"}


def expected(messages: list[dict[str, str]]) -> str:
    return expected_answer("Aichat", format_prompt(messages))


@pytest.fixture
def cookies_dir(tmp_path: Path) -> Iterator[Path]:
    set_cookies_dir(tmp_path)
    yield tmp_path
    set_cookies_dir(None)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("stream", [True, False])
def test_exact_answer(urls: OfflineUrls, style: str, stream: bool) -> None:
    assert call(Aichat, style, MESSAGES, stream=stream, cookies=COOKIES) == [expected(MESSAGES)]


def test_api_sits_beside_the_chat_page(urls: OfflineUrls) -> None:
    assert urls["Aichat"].endswith("/aichat/chat")
    assert Aichat.api_endpoint == urls["Aichat"][: -len("chat")] + "api/text"
    saved = Aichat.url
    Aichat.url = "https://chat-gpt.org/chat"
    try:
        assert Aichat.api_endpoint == "https://chat-gpt.org/api/text"
    finally:
        Aichat.url = saved


def test_cookies_from_the_cookies_dir(emu: Emulators, urls: OfflineUrls, cookies_dir: Path) -> None:
    emu.configure("Aichat", required_cookie="sid")
    host = urlsplit(urls["Aichat"]).hostname
    assert host is not None
    (cookies_dir / f"{host}.json").write_text(json.dumps({"sid": "from-file"}))
    assert call(Aichat, "async", MESSAGES) == [expected(MESSAGES)]
    # the kwarg wins over the files
    with pytest.raises(CloudflareError):
        call(Aichat, "async", MESSAGES, cookies={"other": "1"})


def test_missing_cookies_explain_what_to_do(urls: OfflineUrls, cookies_dir: Path) -> None:
    # offline() stores a session cookie for the emulator's host (restored when it ends); this
    # test is about a user who has none.
    set_cookies(urlsplit(urls["Aichat"]).hostname or "", None)
    with pytest.raises(MissingCookiesError) as info:
        call(Aichat, "async", MESSAGES)
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, MissingAuthError)
    assert str(cookies_dir) in str(info.value)
    assert "cookies=" in str(info.value)


@pytest.mark.parametrize("source", ["set_cookies", "file"])
def test_cookies_under_the_site_domain_are_found_for_a_mirror(
    emu: Emulators, urls: OfflineUrls, cookies_dir: Path, source: str
) -> None:
    # g4f users store Aichat's cookies under chat-gpt.org; url points at a local server here.
    emu.configure("Aichat", required_cookie="sid")
    set_cookies(urlsplit(urls["Aichat"]).hostname or "", None)
    if source == "file":
        (cookies_dir / "chat-gpt.org.json").write_text(json.dumps({"sid": "site"}))
    else:
        set_cookies("chat-gpt.org", {"sid": "site"})
    try:
        assert call(Aichat, "async", MESSAGES) == [expected(MESSAGES)]
        # The host of url comes first: its cookies win over the site domain's.
        set_cookies(urlsplit(urls["Aichat"]).hostname or "", {"other": "1"})
        with pytest.raises(CloudflareError):
            call(Aichat, "async", MESSAGES)
    finally:
        set_cookies("chat-gpt.org", None)


def test_missing_cookies_name_both_domains(urls: OfflineUrls, cookies_dir: Path) -> None:
    set_cookies(urlsplit(urls["Aichat"]).hostname or "", None)
    with pytest.raises(MissingCookiesError, match=r"127\.0\.0\.1 or chat-gpt\.org"):
        call(Aichat, "async", MESSAGES)


def test_temperature_and_top_p(emu: Emulators, urls: OfflineUrls) -> None:
    answer = call(Aichat, "async", MESSAGES, cookies=COOKIES, temperature=1.5, top_p=0.2)
    assert answer == [expected(MESSAGES)]
    with pytest.raises(ResponseStatusError, match="'temperature' must be a number"):
        call(Aichat, "async", MESSAGES, cookies=COOKIES, temperature=7)


def test_response_false_carries_the_body(emu: Emulators) -> None:
    emu.configure("Aichat", response_false=True)
    with pytest.raises(ResponseError, match="AI is busy"):
        call(Aichat, "sync", MESSAGES, cookies=COOKIES)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("rate_limit", RateLimitError),
        ("unusual_activity", RateLimitError),
        ("cloudflare", CloudflareError),
        ("drop", ConnectionError),
        ("malformed", ResponseError),
    ],
)
def test_faults(emu: Emulators, fault: str, error: type[Exception]) -> None:
    emu.configure("Aichat", fault=fault)
    with pytest.raises(error, match="Aichat"):
        call(Aichat, "async", MESSAGES, cookies=COOKIES)


def test_socks5_proxy(urls: OfflineUrls, socks5_proxy: Socks5Proxy) -> None:
    answer = call(Aichat, "async", MESSAGES, cookies=COOKIES, proxy=socks5_proxy.url)
    assert answer == [expected(MESSAGES)]
    port = urlsplit(urls["Aichat"]).port
    assert socks5_proxy.connections == [("127.0.0.1", port)]
