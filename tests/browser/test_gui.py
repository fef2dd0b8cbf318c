"""The chat page in Chromium, the way a person uses it, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from fastg4f.api import create_app
from fastg4f.emulators import expected_answer, offline
from tests.api.conftest import serve
from tests.browser.conftest import Server, Watch, watch
from tests.gui_command import run_gui

READY = "() => document.querySelectorAll('#provider option').length > 1"
IDLE = (
    "n => !document.getElementById('send').disabled && "
    "document.querySelectorAll('.answer[aria-busy=false]').length >= n"
)


def open_page(context: Any, url: str) -> tuple[Any, Watch]:
    page = context.new_page()
    seen = watch(page)
    response = page.goto(url)
    assert response is not None and response.ok
    until(page, READY)
    return page, seen


def choose(page: Any, provider: str, model: str) -> None:
    page.select_option("#provider", provider)
    page.select_option("#model", model)


def send(page: Any, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def wait_idle(page: Any, answers: int = 1) -> None:
    until(page, IDLE, answers)


def until(page: Any, predicate: str, arg: Any = None, timeout: float = 15.0) -> None:
    """Polls a JavaScript predicate from the test (the page's CSP forbids eval, which
    Playwright's in-page polling needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {predicate}")
        time.sleep(0.02)


def last_answer(page: Any) -> Any:
    return page.locator(".answer").last


def chatgpt_answer(prompt: str) -> str:
    return expected_answer("ChatGpt", [{"role": "user", "content": prompt}])


def test_page_loads_clean_with_security_headers(
    context: Any, server: Server, out_dir: Path
) -> None:
    page = context.new_page()
    seen = watch(page)
    response = page.goto(server.url + "/")
    assert response is not None
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    until(page, READY)
    options = page.eval_on_selector_all("#provider option", "o => o.map(x => x.textContent)")
    assert "ChatGpt (emulated)" in options
    assert page.locator("#model option").count() > 0
    # Every control has an accessible name.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, select, textarea, input')]
            .filter(e => !e.closest('dialog') && e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unnamed == []
    page.screenshot(path=str(out_dir / "light.png"))
    assert seen.errors == []
    assert seen.foreign(server.url) == []
    assert page.goto(server.url + "/chat/").ok


def test_prompt_streams_into_the_page(context: Any, server: Server) -> None:
    server.urls.emulators.configure("ChatGpt", chunk_delay=0.02, chunk_max=40)
    try:
        page, seen = open_page(context, server.url)
        choose(page, "ChatGpt", "gpt-4o")
        prompt = "Stream this, please"
        send(page, prompt)
        # Snapshots of the answer text, taken in the page while it streams.
        snapshots = page.evaluate(
            """async () => {
                const seen = [];
                const until = Date.now() + 20000;
                while (Date.now() < until) {
                    const box = document.querySelector('.answer');
                    if (box) {
                        seen.push(box.querySelector('.content').textContent);
                        if (box.getAttribute('aria-busy') === 'false' && seen.at(-1)) break;
                    }
                    await new Promise(r => setTimeout(r, 5));
                }
                return seen;
            }"""
        )
    finally:
        server.urls.emulators.configure("ChatGpt", chunk_delay=0.0, chunk_max=97)
    final = chatgpt_answer(prompt)
    assert snapshots[-1] == final
    partial = {s for s in snapshots if s and s != final}
    assert len(partial) >= 2, snapshots
    assert all(final.startswith(s) for s in partial)
    meta = last_answer(page).locator(".meta").text_content() or ""
    assert "answered by ChatGpt" in meta
    assert "first token" in meta and "total" in meta
    assert "proof of work 0fffff solved in" in meta
    assert "turnstile program ran" in meta
    assert seen.errors == []
    assert seen.foreign(server.url) == []


def test_stop_keeps_the_partial_answer_and_ends_the_provider(context: Any, server: Server) -> None:
    page, seen = open_page(context, server.url)
    choose(page, "Ticker", "toy-1")
    probe = server.ticker.probe
    probe.closed.clear()
    send(page, "go on forever")
    until(
        page,
        "() => (document.querySelector('.answer .content')?.textContent ?? '').includes('tick')",
    )
    assert page.locator("#stop").is_visible()
    page.click("#stop")
    wait_idle(page)
    assert probe.closed.wait(10), "the provider's stream was not closed after Stop"
    text = last_answer(page).locator(".content").text_content() or ""
    assert "tick" in text
    assert "stopped" in (last_answer(page).locator(".meta").text_content() or "")
    page.wait_for_timeout(300)
    assert last_answer(page).locator(".content").text_content() == text
    assert not page.locator("#stop").is_visible()
    assert seen.errors == []


def test_compare_two_providers_side_by_side(context: Any, server: Server, out_dir: Path) -> None:
    page, seen = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    page.click("#pin")
    choose(page, "Aichat", "gpt-3.5-turbo")
    page.click("#pin")
    assert page.locator(".pin-chip").count() == 2
    page.check("#compare")
    send(page, "Compare us")
    wait_idle(page, 2)
    answers = page.locator(".answers.compare .answer")
    assert answers.count() == 2
    first = answers.nth(0).locator(".content").text_content()
    second = answers.nth(1).locator(".content").text_content() or ""
    assert first == chatgpt_answer("Compare us")
    assert second.startswith("Aichat émulateur ✓") and "«Compare us»" in second
    assert "answered by Aichat" in (answers.nth(1).locator(".meta").text_content() or "")
    page.screenshot(path=str(out_dir / "compare.png"))
    assert seen.errors == []


def test_history_export_clear_import(context: Any, server: Server, tmp_path: Path) -> None:
    page, _ = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    send(page, "Remember me")
    wait_idle(page)
    page.reload()
    until(page, READY)
    assert page.locator(".conv-open").first.text_content() == "Remember me"
    assert last_answer(page).locator(".content").text_content() == chatgpt_answer("Remember me")
    # Search, rename.
    page.fill("#search", "nothing like this")
    assert page.locator(".conv-open").count() == 0
    page.fill("#search", "prüfsumme")
    assert page.locator(".conv-open").count() == 1
    page.fill("#search", "")
    page.click("button[aria-label='Rename Remember me']")
    page.fill("input.rename", "Renamed chat")
    page.press("input.rename", "Enter")
    assert page.locator(".conv-open").first.text_content() == "Renamed chat"
    # Export, clear, import.
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "fastg4f-conversations"
    page.evaluate("() => localStorage.clear()")
    page.reload()
    until(page, READY)
    assert page.locator(".conv-open").count() == 0
    page.set_input_files("#import-file", str(saved))
    until(page, "() => document.querySelectorAll('.conv-open').length === 1")
    assert page.locator(".conv-open").first.text_content() == "Renamed chat"
    page.click(".conv-open")
    assert last_answer(page).locator(".content").text_content() == chatgpt_answer("Remember me")
    # A broken file is refused with a message and changes nothing.
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    page.set_input_files("#import-file", str(bad))
    until(
        page, "() => document.getElementById('side-status').textContent.includes('Import failed')"
    )
    assert page.locator(".conv-open").count() == 1
    # Delete asks first.
    page.once("dialog", lambda d: d.accept())
    page.click("button[aria-label='Delete Renamed chat']")
    assert page.locator(".conv-open").count() == 0


HOSTILE = (
    "<img src=x onerror=\"window.__pwned='img'\"> "
    "<script>window.__pwned='script'</script> "
    "[click me](javascript:window.__pwned='link') "
    "and [a real link](https://example.com/page) **bold**"
)


def test_hostile_answer_renders_as_text(context: Any, server: Server) -> None:
    page, seen = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    send(page, HOSTILE)
    wait_idle(page)
    messages = page.locator("#messages")
    assert messages.locator("img, script, iframe, [onerror]").count() == 0
    assert messages.locator("a[href^='javascript']").count() == 0
    answer = last_answer(page).locator(".content")
    text = answer.text_content() or ""
    assert "<img src=x onerror=\"window.__pwned='img'\">" in text
    assert "<script>window.__pwned='script'</script>" in text
    assert "[click me](javascript:window.__pwned='link')" in text
    links = answer.locator("a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == "https://example.com/page"
    assert links.first.get_attribute("rel") == "noopener noreferrer nofollow"
    assert answer.locator("strong").text_content() == "bold"
    # The user's own message is plain text too.
    assert page.locator(".msg.user .content").text_content() == HOSTILE
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__pwned") is None
    assert seen.errors == []


def test_markdown_code_block_and_copy(context: Any, server: Server) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page, _ = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    # The emulator echoes the prompt inside «», so a fenced block in it stays a block.
    send(page, "see:\n```python\nprint('hi')\n```\n- one\n- two\n\ndone")
    wait_idle(page)
    answer = last_answer(page)
    assert answer.locator(".code pre code").text_content() == "print('hi')"
    assert answer.locator(".code-lang").text_content() == "python"
    assert answer.locator("ul li").count() == 2
    answer.locator(".copy-code").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == "print('hi')"
    answer.get_by_role("button", name="Copy the answer from ChatGpt · gpt-4o").click()
    assert page.evaluate("() => navigator.clipboard.readText()").startswith("ChatGpt émulateur")


def test_regenerate_and_edit_resend(context: Any, server: Server) -> None:
    page, _ = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    send(page, "first try")
    wait_idle(page)
    page.get_by_role("button", name="Regenerate the last answer").click()
    wait_idle(page)
    assert page.locator(".msg.assistant").count() == 1
    assert last_answer(page).locator(".content").text_content() == chatgpt_answer("first try")
    page.get_by_role("button", name="Edit and resend your last message").click()
    assert page.input_value("#prompt") == "first try"
    assert page.locator(".msg").count() == 0
    page.fill("#prompt", "second try")
    page.press("#prompt", "Enter")
    wait_idle(page)
    assert page.locator(".msg.user").count() == 1
    assert last_answer(page).locator(".content").text_content() == chatgpt_answer("second try")


@pytest.mark.parametrize(
    ("fault", "status", "headline", "detail"),
    [
        ("rate_limit", 429, "Rate limited", "Too many requests"),
        ("cloudflare", 502, "The provider failed to answer", "ChatGpt"),
    ],
)
def test_upstream_errors_are_readable(
    context: Any, server: Server, out_dir: Path, fault: str, status: int, headline: str, detail: str
) -> None:
    page, seen = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    server.urls.emulators.configure("ChatGpt", fault=fault, fault_count=1)
    try:
        send(page, "Are you there?")
        wait_idle(page)
    finally:
        server.urls.emulators.configure("ChatGpt", fault=None, fault_count=None)
    error = last_answer(page).locator(".error-text")
    assert error.is_visible()
    assert (error.locator("strong").text_content() or "").startswith(headline)
    assert detail in (error.locator(".detail").text_content() or "")
    assert (
        not last_answer(page)
        .get_by_role("button", name="Copy the answer", exact=False)
        .is_visible()
    )
    if status == 429:
        page.screenshot(path=str(out_dir / "error.png"))
    # The failed request's status is the browser's own console line; nothing else went wrong.
    assert all(str(status) in e for e in seen.errors), seen.errors


def test_dark_theme_follows_the_system(browser: Any, server: Server, out_dir: Path) -> None:
    ctx = browser.new_context(color_scheme="dark", viewport={"width": 1200, "height": 800})
    try:
        page, _ = open_page(ctx, server.url)
        choose(page, "ChatGpt", "gpt-4o")
        send(page, "Hello in the dark")
        wait_idle(page)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(22, 24, 29)"
        page.screenshot(path=str(out_dir / "dark.png"))
    finally:
        ctx.close()


def test_phone_width_layout(browser: Any, server: Server, out_dir: Path) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page, _ = open_page(ctx, server.url)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert not page.locator("#sidebar").is_visible()
        assert page.locator("#prompt").is_visible()
        choose(page, "ChatGpt", "gpt-4o")
        send(page, "Small screen")
        wait_idle(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(out_dir / "phone.png"))
        page.click("#open-sidebar")
        assert page.locator("#sidebar").is_visible()
        assert page.locator(".conv-open").first.is_visible()
        page.click(".conv-open")
        until(page, "() => !document.getElementById('sidebar').matches('.open')")
    finally:
        ctx.close()


def test_keyboard_focus_is_visible(context: Any, server: Server) -> None:
    page, _ = open_page(context, server.url)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "getComputedStyle(document.activeElement).outlineWidth"
    )
    assert outline == "solid 3px"


def refuse_a_wrong_key(page: Any) -> Any:
    """Waits for the API-key dialog, gives it a wrong key and waits for the refusal; returns
    the dialog."""
    dialog = page.locator("#key-dialog")
    dialog.wait_for(state="visible")
    page.fill("#key-input", "wrong")
    page.click("#key-form button[type=submit]")
    until(page, "() => document.getElementById('key-error').textContent.includes('not accepted')")
    return dialog


def test_api_key_is_asked_once_and_kept_for_the_session(browser: Any) -> None:
    with offline(), serve(create_app(api_key="s3cret")) as url:
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            page.goto(url)
            dialog = refuse_a_wrong_key(page)
            page.fill("#key-input", "s3cret")
            page.click("#key-form button[type=submit]")
            until(page, READY)
            assert not dialog.is_visible()
            assert page.evaluate("() => sessionStorage.getItem('fastg4f.key')") == "s3cret"
            assert page.evaluate("() => localStorage.getItem('fastg4f.key')") is None
            choose(page, "ChatGpt", "gpt-4o")
            send(page, "with a key")
            wait_idle(page)
            assert last_answer(page).locator(".content").text_content() == chatgpt_answer(
                "with a key"
            )
            page.reload()  # same tab: the session keeps the key
            until(page, READY)
            assert not dialog.is_visible()
            # "Remember" keeps it across tabs (localStorage).
            page.evaluate("() => sessionStorage.clear()")
            page.reload()
            dialog.wait_for(state="visible")
            page.fill("#key-input", "s3cret")
            page.check("#key-remember")
            page.click("#key-form button[type=submit]")
            until(page, READY)
            other = ctx.new_page()
            other.goto(url)
            until(other, READY)
            assert not other.locator("#key-dialog").is_visible()
            # Escape without a key: the page says what is missing instead of waiting forever.
            page.evaluate("() => localStorage.clear()")
            page.reload()
            dialog.wait_for(state="visible")
            page.keyboard.press("Escape")
            notice = page.locator(".notice")
            notice.wait_for(state="visible")
            assert "needs a valid API key" in (notice.text_content() or "")
        finally:
            ctx.close()


def test_offline_docs_pages(context: Any, server: Server) -> None:
    for path, ready in (("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")):
        page = context.new_page()
        seen = watch(page)
        page.goto(server.url + path)
        page.wait_for_selector(ready)
        assert "fastg4f" in (page.locator(ready).first.text_content() or "")
        assert seen.foreign(server.url) == [], path
        page.close()


def test_gui_command_serves_the_page_offline(context: Any) -> None:
    """``fastg4f gui --offline --no-browser --port 0``: prints the URL; the page answers."""
    with run_gui("--no-browser") as gui:
        page = context.new_page()
        seen = watch(page)
        deadline = time.monotonic() + 30
        while True:
            try:
                page.goto(gui.url)
                break
            except Exception:
                assert time.monotonic() < deadline, "the page did not load"
                time.sleep(0.1)
        until(page, READY)
        choose(page, "ChatGpt", "gpt-4o")
        send(page, "from the command line")
        wait_idle(page)
        content = last_answer(page).locator(".content").text_content()
        assert content == chatgpt_answer("from the command line")
        assert seen.errors == []
        assert seen.foreign(gui.url) == []


MARKDOWN_CASES = [
    ("# Title", "<h1>Title</h1>"),
    (
        "a *b* **c** ~~d~~ `<e>`",
        "<p>a <em>b</em> <strong>c</strong> <del>d</del> <code>&lt;e&gt;</code></p>",
    ),
    ("line one\nline two", "<p>line one<br>line two</p>"),
    ("- a\n- b\n  - c", "<ul><li>a</li><li><p>b</p><ul><li>c</li></ul></li></ul>"),
    ("3. x\n4. y", '<ol start="3"><li>x</li><li>y</li></ol>'),
    ("> quoted", "<blockquote><p>quoted</p></blockquote>"),
    ("---", "<hr>"),
    (
        "see https://example.com/a_b.",
        '<p>see <a href="https://example.com/a_b" rel="noopener noreferrer nofollow" '
        'target="_blank">https://example.com/a_b</a>.</p>',
    ),
    ("[x](data:text/html,<b>hi</b>)", "<p>[x](data:text/html,&lt;b&gt;hi&lt;/b&gt;)</p>"),
    ("[x](JavaScript:alert(1))", "<p>[x](JavaScript:alert(1))</p>"),
    ("<b onclick=alert(1)>x</b>", "<p>&lt;b onclick=alert(1)&gt;x&lt;/b&gt;</p>"),
    ("snake_case_name and a__b__c", "<p>snake_case_name and a__b__c</p>"),
    ("```\nunterminated <i>", '<div class="code">'),
]


def test_markdown_renderer_cases(context: Any, server: Server) -> None:
    page, seen = open_page(context, server.url)
    rendered = page.evaluate(
        """async (cases) => {
            const { renderMarkdown } = await import('/static/markdown.js');
            return cases.map((text) => {
                const box = document.createElement('div');
                box.append(renderMarkdown(text));
                return box.innerHTML;
            });
        }""",
        [text for text, _ in MARKDOWN_CASES],
    )
    for (text, expected), html in zip(MARKDOWN_CASES, rendered, strict=True):
        assert html.startswith(expected), (text, html)
    assert seen.errors == []


def test_system_prompt_and_new_chat(context: Any, server: Server) -> None:
    page, _ = open_page(context, server.url)
    choose(page, "ChatGpt", "gpt-4o")
    page.click("details.system summary")
    page.fill("#system", "Answer in French.")
    send(page, "Hello")
    wait_idle(page)
    messages = [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hello"},
    ]
    content = last_answer(page).locator(".content").text_content()
    assert content == expected_answer("ChatGpt", messages)
    page.click("#new-chat")
    assert page.locator(".msg").count() == 0
    assert page.input_value("#system") == ""
    send(page, "Hello")
    wait_idle(page)
    assert last_answer(page).locator(".content").text_content() == chatgpt_answer("Hello")
    assert page.locator(".conv-open").count() == 2
    # Each conversation keeps its own system prompt.
    page.locator(".conv-open").nth(1).click()
    assert page.input_value("#system") == "Answer in French."


def _slow_path(app: Any, path: str, delay: float) -> Any:
    """An ASGI wrapper that answers ``path`` ``delay`` seconds late (the rest as usual)."""

    async def wrapper(scope: Any, receive: Any, send_: Any) -> None:
        if scope["type"] == "http" and scope["path"] == path:
            await asyncio.sleep(delay)
        await app(scope, receive, send_)

    return wrapper


def test_one_key_answers_every_request_refused_at_once(browser: Any) -> None:
    # The page's two first requests are both refused without a key; the second refusal arrives
    # after the person typed the key, and must retry with it rather than ask a second time.
    app = _slow_path(create_app(api_key="s3cret"), "/v1/providers", 1.5)
    with offline(), serve(app) as url:
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            page.goto(url)
            dialog = page.locator("#key-dialog")
            dialog.wait_for(state="visible")
            page.fill("#key-input", "s3cret")
            page.click("#key-form button[type=submit]")
            until(page, READY)
            assert not dialog.is_visible()
        finally:
            ctx.close()


def test_a_late_refusal_keeps_the_key_being_typed(browser: Any) -> None:
    # A wrong key is refused at once for /v1/models and late for /v1/providers: the late refusal
    # arrives while the person types the next key into the open dialog, and must leave the
    # field (and its message) as they are instead of clearing it under their fingers.
    app = _slow_path(create_app(api_key="s3cret"), "/v1/providers", 1.0)
    with offline(), serve(app) as url:
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            refused: list[str] = []

            def finished(request: Any) -> None:
                response = request.response()
                if response is not None and response.status == 401:
                    refused.append(request.url)

            page.on("requestfinished", finished)
            page.goto(url)
            dialog = refuse_a_wrong_key(page)
            page.fill("#key-input", "s3cret")
            # The slow request's refusals: the first without a key, the second with "wrong".
            deadline = time.monotonic() + 15
            while sum(u.endswith("/v1/providers") for u in refused) < 2:
                assert time.monotonic() < deadline, refused
                page.wait_for_timeout(20)
            # Its body was read; the page's handler runs in the next tasks.
            page.evaluate("() => new Promise(r => setTimeout(r, 50))")
            assert page.input_value("#key-input") == "s3cret"
            page.click("#key-form button[type=submit]")
            until(page, READY)
            assert not dialog.is_visible()
        finally:
            ctx.close()


def test_every_error_status_has_a_sentence(context: Any, server: Server) -> None:
    # 429 and 502 are shown end to end above; 504 (a provider past its time) and 401 (a key)
    # come from the same table.
    page, seen = open_page(context, server.url)
    said = page.evaluate(
        """async () => {
            const api = await import('/static/api.js');
            return [504, 401, 418].map((s) => api.explain(s));
        }"""
    )
    assert said == [
        "The provider did not answer in time.",
        "The server needs a valid API key.",
        "The server answered with status 418.",
    ]
    assert seen.errors == []
