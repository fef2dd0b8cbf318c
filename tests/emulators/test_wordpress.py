"""The WordPress (wpaicg) emulators: page variants, admin-ajax form handling, errors and faults."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from fastg4f.emulators import GERMAN_CHECKBOX, NONCE_ERRORS, Emulators, expected_answer

SITES = ["ChatGptt", "Chatgpt4o", "ChatGptEs"]
AJAX = "/wp-admin/admin-ajax.php"

# The extraction rules each client uses (PROTOCOLS.md §2.3-2.5), written here from the spec.
NONCE_PATTERNS_ES = [
    r"""<input\s+type=['"]hidden['"]\s+name=['"]_wpnonce['"]\s+value=['"]([^'"]+)['"]""",
    r'"_wpnonce":"([^"]+)"',
    r"""var\s+wpaicg_nonce\s*=\s*['"]([^'"]+)['"]""",
    r"""wpaicg_nonce\s*:\s*['"]([^'"]+)['"]""",
]
POST_ID_PATTERNS_ES = [
    r"""<input\s+type=['"]hidden['"]\s+name=['"]post_id['"]\s+value=['"]([^'"]+)['"]""",
    r'"post_id":"([^"]+)"',
    r"""var\s+post_id\s*=\s*['"]?(\d+)['"]?""",
]


def first(patterns: list[str], text: str) -> str | None:
    for pattern in patterns:
        m = re.search(pattern, text)
        if m:
            return m.group(1)
    return None


def tokens(site: str, page: str) -> tuple[str | None, str | None]:
    if site == "ChatGptt":
        n = re.search(r"""data-nonce=["']([^"']+)["']""", page)
        i = re.search(r"""data-post-id=["']([^"']+)["']""", page)
    elif site == "Chatgpt4o":
        n = re.search(r'data-nonce="(.*?)"', page)
        i = re.search(r'data-post-id="([0-9]+)"', page)
    else:
        return first(NONCE_PATTERNS_ES, page), first(POST_ID_PATTERNS_ES, page)
    return (n.group(1) if n else None), (i.group(1) if i else None)


def ask(
    client: httpx.Client,
    base: str,
    nonce: str | None,
    post_id: str | None,
    message: str,
    action: str = "wpaicg_chat_shortcode_message",
) -> httpx.Response:
    form = {
        "_wpnonce": nonce or "",
        "post_id": post_id or "",
        "url": base,
        "action": action,
        "message": message,
        "bot_id": "0",
        "chatbot_identity": "shortcode",
        "wpaicg_chat_client_id": "a1b2c3d4e5",
        "wpaicg_chat_history": "None",
    }
    return client.post(base + AJAX, data=form)


@pytest.mark.parametrize("site", SITES)
def test_default_page_and_success(emu: Emulators, client: httpx.Client, site: str) -> None:
    base = emu.urls[site]
    page = client.get(base).text
    nonce, post_id = tokens(site, page)
    options = emu.options(site)
    assert nonce == options.nonce  # type: ignore[attr-defined]
    assert post_id == str(options.post_id)  # type: ignore[attr-defined]
    prompt = "System: Sei nett.\nUser: Was kostet 1 € in ¥ / Yen?\nAssistant:"
    r = ask(client, base, nonce, post_id, prompt)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=UTF-8"
    raw = r.text
    assert "\\u20ac" in raw and "\\u00e9" in raw and "\\/" in raw  # PHP json_encode escapes
    body = r.json()
    assert body == {
        "status": "success",
        "msg": "Something went wrong",
        "data": expected_answer(site, prompt),
        "log": False,
    }
    assert raw.isascii()


@pytest.mark.parametrize(
    ("site", "style"),
    [
        ("ChatGptt", "double"),
        ("ChatGptt", "single"),
        ("ChatGptEs", "hidden_input"),
        ("ChatGptEs", "json"),
        ("ChatGptEs", "js_var"),
    ],
)
def test_nonce_variants(emu: Emulators, client: httpx.Client, site: str, style: str) -> None:
    post_style = {"double": "data_attr", "single": "data_attr"}.get(style, style)
    emu.configure(site, nonce_style=style, post_id_style=post_style)
    page = client.get(emu.urls[site]).text
    nonce, post_id = tokens(site, page)
    assert nonce == emu.options(site).nonce  # type: ignore[attr-defined]
    assert post_id == str(emu.options(site).post_id)  # type: ignore[attr-defined]
    if style == "single":
        assert f"data-nonce='{nonce}'" in page


def test_decoy_nonces_are_rejected(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGptEs"]
    emu.configure("ChatGptEs", nonce_style="double", post_id_style="data_attr")
    page = client.get(base).text
    # The spec's last-resort pattern picks the REST API nonce, a decoy.
    decoy = re.search(r"""nonce['"]?\s*[=:]\s*['"]([a-zA-Z0-9]+)['"]""", page)
    assert decoy and decoy.group(1) != emu.options("ChatGptEs").nonce  # type: ignore[attr-defined]
    r = ask(client, base, decoy.group(1), "1", "Hallo")
    assert r.json()["status"] == "error"


@pytest.mark.parametrize("missing", ["nonce", "post_id"])
def test_pages_without_tokens(emu: Emulators, client: httpx.Client, missing: str) -> None:
    emu.configure("ChatGptEs", **{f"{missing}_style": "none"})
    nonce, post_id = tokens("ChatGptEs", client.get(emu.urls["ChatGptEs"]).text)
    assert (nonce if missing == "nonce" else post_id) is None


@pytest.mark.parametrize("generation", ["G1", "G2", "G3", "G4"])
def test_nonce_error_generations(emu: Emulators, client: httpx.Client, generation: str) -> None:
    emu.configure("ChatGptt", nonce_error=generation)
    r = ask(client, emu.urls["ChatGptt"], "0000000000", "1", "Hallo")
    if generation == "G4":
        assert r.status_code == 403
        assert "The link you followed has expired." in r.text
    else:
        assert r.status_code == 200
        assert r.json() == {"status": "error", "msg": NONCE_ERRORS[generation]}


def test_nonce_rotation(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["Chatgpt4o"]
    nonce, post_id = tokens("Chatgpt4o", client.get(base + "/").text)
    assert ask(client, base, nonce, post_id, "eins").json()["status"] == "success"
    new = emu.rotate_nonce("Chatgpt4o")
    assert new != nonce
    assert ask(client, base, nonce, post_id, "zwei").json()["status"] == "error"
    fresh, _ = tokens("Chatgpt4o", client.get(base + "/").text)
    assert fresh == new
    assert ask(client, base, fresh, post_id, "drei").json()["data"] == expected_answer(
        "Chatgpt4o", "drei"
    )


def test_require_post_id(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGptt"]
    nonce, post_id = tokens("ChatGptt", client.get(base).text)
    assert ask(client, base, nonce, "999999", "x").json()["status"] == "success"  # plugin default
    emu.configure("ChatGptt", require_post_id=True)
    assert ask(client, base, nonce, "999999", "x").json()["status"] == "error"
    assert ask(client, base, nonce, post_id, "x").json()["status"] == "success"


@pytest.mark.parametrize("action", [None, "", "wpaicg_other"])
def test_unknown_action_is_400_zero(
    emu: Emulators, client: httpx.Client, action: str | None
) -> None:
    base = emu.urls["ChatGptt"]
    form = {} if action is None else {"action": action}
    r = client.post(base + AJAX, data=form)
    assert (r.status_code, r.text) == (400, "0")


def test_widget_action_query_string_and_multipart(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGptt"]
    nonce, post_id = tokens("ChatGptt", client.get(base).text)
    r = ask(client, base, nonce, post_id, "über", action="wpaicg_chatbox_message")
    assert r.json()["data"] == expected_answer("ChatGptt", "über")
    r = client.get(
        base + AJAX,
        params={"action": "wpaicg_chat_shortcode_message", "_wpnonce": nonce, "message": "per GET"},
    )
    assert r.json()["data"] == expected_answer("ChatGptt", "per GET")
    r = client.post(
        base + AJAX,
        files={"x": ("a.txt", b"1")},
        data={"action": "wpaicg_chat_shortcode_message", "_wpnonce": nonce, "message": "multi ✓"},
    )
    assert r.json()["data"] == expected_answer("ChatGptt", "multi ✓")


def test_empty_message(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGptt"]
    nonce, post_id = tokens("ChatGptt", client.get(base).text)
    assert ask(client, base, nonce, post_id, "  ").json() == {
        "status": "error",
        "msg": "It appears that nothing was inputted.",
    }


def test_german_checkbox(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGptEs", german_checkbox=True)
    base = emu.urls["ChatGptEs"]
    nonce, post_id = tokens("ChatGptEs", client.get(base).text)
    r = ask(client, base, nonce, post_id, "Hallo")
    assert r.json()["data"] == GERMAN_CHECKBOX
    assert "K\\u00e4stchen" in r.text


@pytest.mark.parametrize("fault", ["rate_limit", "unusual_activity", "cloudflare"])
def test_http_faults(emu: Emulators, client: httpx.Client, fault: str) -> None:
    emu.configure("Chatgpt4o", fault=fault)
    base = emu.urls["Chatgpt4o"]
    page = client.get(base + "/")
    assert page.status_code == 200  # pages stay reachable unless fault_pages
    r = client.post(base + AJAX, data={"action": "wpaicg_chat_shortcode_message"})
    expected = {"rate_limit": 429, "unusual_activity": 403, "cloudflare": 403}[fault]
    assert r.status_code == expected
    if fault == "cloudflare":
        assert r.headers["cf-mitigated"] == "challenge" and "Just a moment..." in r.text
    else:
        assert "detail" in r.json()


def test_fault_pages(emu: Emulators, client: httpx.Client) -> None:
    emu.configure("ChatGptt", fault="rate_limit", fault_pages=True, fault_count=1)
    assert client.get(emu.urls["ChatGptt"]).status_code == 429
    assert client.get(emu.urls["ChatGptt"]).status_code == 200


def test_drop_malformed_hang(emu: Emulators, client: httpx.Client) -> None:
    base = emu.urls["ChatGptt"]
    nonce, post_id = tokens("ChatGptt", client.get(base).text)
    emu.configure("ChatGptt", fault="malformed")
    r = ask(client, base, nonce, post_id, "x")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    emu.configure("ChatGptt", fault="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        ask(client, base, nonce, post_id, "x")
    emu.configure("ChatGptt", fault="hang", hang_seconds=0.2)
    with pytest.raises(httpx.RemoteProtocolError):
        ask(client, base, nonce, post_id, "x")
    emu.configure("ChatGptt", fault=None)
    assert ask(client, base, nonce, post_id, "x").json()["status"] == "success"


def test_configure_validation(emu: Emulators) -> None:
    with pytest.raises(ValueError, match="nonce_style"):
        emu.configure("ChatGptt", nonce_style="weird")
    assert emu.options("ChatGptt").nonce_style == "double"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="no option"):
        emu.configure("ChatGptt", bogus=1)
    with pytest.raises(KeyError, match="unknown emulator"):
        emu.configure("Nope", delay=1)
    with pytest.raises(ValueError, match="unknown fault"):
        emu.configure("Aichat", fault="explode")
    with pytest.raises(TypeError, match="no nonce"):
        emu.rotate_nonce("ChatGpt")
