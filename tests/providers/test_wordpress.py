"""ChatGptt, Chatgpt4o and ChatGptEs against their WordPress emulators."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from fastg4f.emulators import NONCE_ERRORS, Emulators, OfflineUrls, expected_answer
from fastg4f.errors import (
    CloudflareError,
    ConnectionError,
    MissingRequirementsError,
    RateLimitError,
    ResponseError,
)
from fastg4f.providers import Chatgpt4o, ChatGptEs, ChatGptt
from fastg4f.providers._wordpress import NonceRejectedError, TokensNotFoundError, widget_tokens
from fastg4f.providers.ChatGptEs import ChatGptEsError, check_requirements, find_nonce, find_post_id
from fastg4f.providers.helper import format_prompt
from tests.providers._calls import STYLES, call
from tests.servers import ForwardProxy, Handler, LocalServer

WORDPRESS = (ChatGptt, Chatgpt4o, ChatGptEs)
MESSAGES = [
    {"role": "system", "content": "Sei freundlich."},
    {"role": "user", "content": "Wie spät ist es? 现在几点？ «bitte» & <ok>"},
]
LONG_HISTORY = [
    {"role": "user" if i % 2 == 0 else "assistant", "content": f"Zeile {i}: ünïcödé 文字 " * 15}
    for i in range(41)
]


def expected(provider: Any, messages: list[dict[str, str]]) -> str:
    prompt = format_prompt(messages)
    if provider is ChatGptEs:
        prompt = f"{ChatGptEs.SYSTEM_PROMPT} {prompt}"
    return expected_answer(provider.__name__, prompt)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    Chatgpt4o._store_tokens(None, None)


@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("stream", [True, False])
def test_exact_answer(urls: OfflineUrls, provider: Any, style: str, stream: bool) -> None:
    assert call(provider, style, MESSAGES, stream=stream) == [expected(provider, MESSAGES)]


@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
def test_long_history(urls: OfflineUrls, provider: Any) -> None:
    assert call(provider, "sync", LONG_HISTORY) == [expected(provider, LONG_HISTORY)]


@pytest.mark.parametrize("provider", [ChatGptt, Chatgpt4o], ids=lambda p: p.__name__)
@pytest.mark.parametrize("quotes", ["double", "single"])
def test_data_attribute_pages(emu: Emulators, provider: Any, quotes: str) -> None:
    # The newsletter form's data-nonce after the widget and the REST nonce are decoys.
    emu.configure(provider.__name__, nonce_style=quotes, post_id_style="data_attr")
    assert call(provider, "async", MESSAGES) == [expected(provider, MESSAGES)]


@pytest.mark.parametrize("nonce_style", ["hidden_input", "json", "js_var", "double", "single"])
@pytest.mark.parametrize("post_id_style", ["hidden_input", "json", "js_var", "data_attr"])
def test_chatgptes_page_variants(emu: Emulators, nonce_style: str, post_id_style: str) -> None:
    emu.configure("ChatGptEs", nonce_style=nonce_style, post_id_style=post_id_style)
    assert call(ChatGptEs, "async_gen", MESSAGES) == [expected(ChatGptEs, MESSAGES)]


@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("missing", ["nonce", "post_id"])
def test_page_without_tokens(emu: Emulators, provider: Any, missing: str) -> None:
    if missing == "nonce":
        emu.configure(provider.__name__, nonce_style="none", post_id_style="data_attr")
    else:
        emu.configure(provider.__name__, nonce_style="double", post_id_style="none")
    if provider is ChatGptEs:
        # g4f sent the hard-coded guesses "8cf9917be2" / "106" (or another form's nonce) here.
        with pytest.raises(ChatGptEsError, match=r"no chat (nonce|post id) found") as info:
            call(provider, "async", MESSAGES)
        assert isinstance(info.value, ValueError)
        return
    with pytest.raises(TokensNotFoundError) as error:
        call(provider, "async", MESSAGES)
    assert isinstance(error.value, RuntimeError)
    if provider is ChatGptt:
        assert "Required authentication tokens not found in page HTML" in str(error.value)
    else:
        assert "No post ID found" in str(error.value) or "No nonce found" in str(error.value)


def rejecting_site(generation: str) -> LocalServer:
    """A wpaicg site whose ``admin-ajax.php`` rejects every nonce the way ``generation`` does."""
    page = (
        '<div class="wpaicg-chat-shortcode" data-nonce="1234abcd99" data-post-id="42"></div>'
        '<input type="hidden" name="_wpnonce" value="1234abcd99">'
        '<input type="hidden" name="post_id" value="42">'
    )

    def ajax(h: Handler) -> None:
        h.body()
        if generation == "G4":
            h.send(403, f"<html><style>{'x' * 3000}</style><p>{NONCE_ERRORS['G4']}</p></html>")
        else:
            h.send_json(200, {"status": "error", "msg": NONCE_ERRORS[generation]})

    return LocalServer(
        {
            "/site": lambda h: h.send(200, page, "text/html; charset=UTF-8"),
            "/site/": lambda h: h.send(200, page, "text/html; charset=UTF-8"),
            "/site/wp-admin/admin-ajax.php": ajax,
        }
    )


@pytest.mark.parametrize("generation", sorted(NONCE_ERRORS))
@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
def test_wrong_nonce_answers(provider: Any, generation: str) -> None:
    with rejecting_site(generation) as site:
        saved = provider.__dict__["url"]
        provider.url = site.url("/site")
        try:
            if provider is ChatGptEs:
                with pytest.raises(ChatGptEsError, match="rejected the chat nonce") as info:
                    call(provider, "async", MESSAGES)
                assert isinstance(info.value, ValueError)
            else:
                with pytest.raises(NonceRejectedError, match="rejected the chat nonce") as error:
                    call(provider, "async", MESSAGES)
                assert isinstance(error.value, RuntimeError)
        finally:
            provider.url = saved
        posts = [path for method, path, _ in site.requests if method == "POST"]
        # Chatgpt4o refreshes the page once and retries once, then gives up.
        assert len(posts) == (2 if provider is Chatgpt4o else 1)


@pytest.mark.parametrize("generation", sorted(NONCE_ERRORS))
def test_chatgpt4o_recovers_from_a_rotated_nonce(
    emu: Emulators, forward_proxy: ForwardProxy, generation: str
) -> None:
    emu.configure("Chatgpt4o", nonce_error=generation)
    proxy = forward_proxy.base
    assert call(Chatgpt4o, "async", MESSAGES, proxy=proxy) == [expected(Chatgpt4o, MESSAGES)]
    assert call(Chatgpt4o, "sync", MESSAGES, proxy=proxy) == [expected(Chatgpt4o, MESSAGES)]
    new_nonce = emu.rotate_nonce("Chatgpt4o")
    # g4f kept sending the cached nonce and failed on every later call.
    assert call(Chatgpt4o, "async", MESSAGES, proxy=proxy) == [expected(Chatgpt4o, MESSAGES)]
    methods = [method for method, _, _ in forward_proxy.requests]
    # page once, two answers from the cache, then rejected POST → page again → POST
    assert methods == ["GET", "POST", "POST", "POST", "GET", "POST"]
    tokens = Chatgpt4o.cached_tokens()
    assert tokens is not None and tokens.nonce == new_nonce


def test_chatgpt4o_cache_under_concurrency(emu: Emulators) -> None:
    errors: list[BaseException] = []

    async def many() -> list[str]:
        calls = (Chatgpt4o.create_async("", MESSAGES, timeout=10) for _ in range(12))
        return list(await asyncio.gather(*calls))

    assert asyncio.run(many()) == [expected(Chatgpt4o, MESSAGES)] * 12
    emu.rotate_nonce("Chatgpt4o")
    results: list[str] = []

    def worker() -> None:
        try:
            results.extend(call(Chatgpt4o, "sync", MESSAGES))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    assert asyncio.run(many()) == [expected(Chatgpt4o, MESSAGES)] * 12
    for thread in threads:
        thread.join(30)
    assert not errors
    assert results == [expected(Chatgpt4o, MESSAGES)] * 6
    tokens = Chatgpt4o.cached_tokens()
    assert tokens is not None and tokens.nonce == emu.options("Chatgpt4o").nonce


def test_chatgptes_checkbox_notice(emu: Emulators) -> None:
    emu.configure("ChatGptEs", german_checkbox=True)
    with pytest.raises(ValueError, match="Du musst das Kästchen anklicken!"):
        call(ChatGptEs, "async_gen", MESSAGES)


def test_chatgptes_requires_curl_cffi() -> None:
    with pytest.raises(MissingRequirementsError, match="curl_cffi"):
        check_requirements(["httpx"])
    check_requirements(["curl_cffi", "httpx"])
    check_requirements()  # installed in the test environment


def test_token_extraction() -> None:
    page = (
        '<script>var wpApiSettings = {"nonce":"rest000001"};</script>'
        "<div class='wpaicg-chat-shortcode' data-nonce='abc123' data-post-id='77'></div>"
        '<form data-nonce="decoy99999"></form>'
    )
    assert widget_tokens(page) == ("abc123", "77")
    assert (find_nonce(page), find_post_id(page)) == ("abc123", "77")
    assert find_nonce('<script>var wpApiSettings = {"nonce":"rest000001"};</script>') is None
    assert find_post_id("<p>post 106</p>") is None
    assert widget_tokens('<form data-nonce="x1"></form><b data-post-id="5">') == ("x1", "5")


@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
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
def test_faults(emu: Emulators, provider: Any, fault: str, error: type[Exception]) -> None:
    emu.configure(provider.__name__, fault=fault)
    with pytest.raises(error) as info:
        call(provider, "async", MESSAGES)
    assert provider.__name__ in str(info.value)
    if provider is ChatGptEs and fault in ("rate_limit", "unusual_activity", "cloudflare"):
        assert isinstance(info.value, ValueError)
    if provider is ChatGptEs and fault == "malformed":  # an unexpected response format
        assert isinstance(info.value, ValueError)
        assert "Unexpected response format" in str(info.value)


@pytest.mark.parametrize("provider", [ChatGptt, ChatGptEs], ids=lambda p: p.__name__)
def test_positional_proxy_is_the_proxy(
    urls: OfflineUrls, forward_proxy: ForwardProxy, provider: Any
) -> None:
    # The documented order create_async_generator(model, messages, proxy=None, **kwargs).
    async def run() -> list[str]:
        gen = provider.create_async_generator("", MESSAGES, forward_proxy.base)
        return [chunk async for chunk in gen]

    assert asyncio.run(run()) == [expected(provider, MESSAGES)]
    assert [m for m, _, _ in forward_proxy.requests] == ["GET", "POST"]


@pytest.mark.parametrize("provider", WORDPRESS, ids=lambda p: p.__name__)
def test_proxy_cookies_and_path_prefix(
    urls: OfflineUrls, forward_proxy: ForwardProxy, provider: Any
) -> None:
    answer = call(provider, "async", MESSAGES, proxy=forward_proxy.base, cookies={"wp": "1"})
    assert answer == [expected(provider, MESSAGES)]
    prefix = urls[provider.__name__]
    assert [(m, u.startswith(prefix)) for m, u, _ in forward_proxy.requests] == [
        ("GET", True),
        ("POST", True),
    ]
    assert forward_proxy.requests[1][1] == prefix + "/wp-admin/admin-ajax.php"
    for _, _, headers in forward_proxy.requests:
        assert "wp=1" in {k.lower(): v for k, v in headers.items()}.get("cookie", "")
