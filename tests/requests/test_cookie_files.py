"""fastg4f.cookies: every cookie-file format, domain matching, bad files, directory choice."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastg4f import cookies

NETSCAPE = """# Netscape HTTP Cookie File
# comment line

.example.com\tTRUE\t/\tTRUE\t1999999999\tsid\tnetscape-sid
#HttpOnly_chat.example.com\tFALSE\t/\tTRUE\t0\thttponly\tyes
other.org\tFALSE\t/\tFALSE\t0\tforeign\tno
"""


@pytest.fixture
def cookie_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv(cookies.COOKIES_DIR_ENV, raising=False)
    cookies.set_cookies_dir(tmp_path)
    cookies._stored.clear()
    yield tmp_path
    cookies.set_cookies_dir(None)
    cookies._stored.clear()


def _har(
    url: str, request_cookies: list[dict[str, str]], response_cookies: list[dict[str, str]]
) -> dict[str, object]:
    return {
        "log": {
            "entries": [
                {
                    "request": {"url": url, "cookies": request_cookies},
                    "response": {"cookies": response_cookies},
                }
            ]
        }
    }


def test_extension_export(cookie_dir: Path) -> None:
    export = [
        {"domain": ".chatgpt.com", "name": "__Secure-next-auth", "value": "tok", "path": "/"},
        {"domain": "chatgpt.com", "name": "oai-did", "value": "did-1"},
        {"domain": "auth.chatgpt.com", "name": "only-auth", "value": "x"},
        {"domain": "openai.com", "name": "elsewhere", "value": "y"},
    ]
    (cookie_dir / "export.json").write_text(json.dumps(export))
    assert cookies.get_cookies("chatgpt.com") == {"__Secure-next-auth": "tok", "oai-did": "did-1"}
    # a parent-domain cookie is sent to subdomains, not the other way round
    assert cookies.get_cookies("auth.chatgpt.com") == {
        "__Secure-next-auth": "tok",
        "oai-did": "did-1",
        "only-auth": "x",
    }
    assert cookies.get_cookies(".chatgpt.com") == cookies.get_cookies("https://chatgpt.com/x")


def test_plain_json_named_after_its_domain(cookie_dir: Path) -> None:
    (cookie_dir / "example.com.json").write_text(json.dumps({"a": "1", "n": 2}))
    assert cookies.get_cookies("example.com") == {"a": "1", "n": "2"}
    assert cookies.get_cookies("www.example.com") == {"a": "1", "n": "2"}
    assert cookies.get_cookies("notexample.com") == {}


def test_netscape_cookies_txt(cookie_dir: Path) -> None:
    (cookie_dir / "cookies.txt").write_text(NETSCAPE)
    assert cookies.get_cookies("example.com") == {"sid": "netscape-sid"}
    assert cookies.get_cookies("chat.example.com") == {"sid": "netscape-sid", "httponly": "yes"}
    assert cookies.get_cookies("other.org") == {"foreign": "no"}


def test_har_request_and_response_cookies(cookie_dir: Path) -> None:
    har = _har(
        "https://chatgpt.com/backend-api/conversation",
        [{"name": "req", "value": "r1"}],
        [{"name": "resp", "value": "r2"}, {"name": "wide", "value": "w", "domain": ".openai.com"}],
    )
    (cookie_dir / "capture.har").write_text(json.dumps(har))
    assert cookies.get_cookies("chatgpt.com") == {"req": "r1", "resp": "r2"}
    assert cookies.get_cookies("api.openai.com") == {"wide": "w"}


def test_later_files_override_and_set_cookies_wins(cookie_dir: Path) -> None:
    (cookie_dir / "a.json").write_text(json.dumps([{"domain": "x.io", "name": "k", "value": "a"}]))
    (cookie_dir / "b.json").write_text(json.dumps([{"domain": "x.io", "name": "k", "value": "b"}]))
    assert cookies.get_cookies("x.io") == {"k": "b"}
    cookies.set_cookies("x.io", {"k": "memory", "m": "1"})
    assert cookies.get_cookies("x.io") == {"k": "memory", "m": "1"}
    cookies.set_cookies("x.io", None)
    assert cookies.get_cookies("x.io") == {"k": "b"}


def test_malformed_files_are_skipped_with_a_warning(
    cookie_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (cookie_dir / "good.json").write_text(
        json.dumps([{"domain": "ok.com", "name": "g", "value": "1"}])
    )
    (cookie_dir / "broken.json").write_text("{not json")
    (cookie_dir / "wrong-shape.json").write_text(json.dumps([1, 2, 3]))
    (cookie_dir / "plain-without-domain.json").write_text(json.dumps({"a": "b"}))
    (cookie_dir / "nested.com.json").write_text(json.dumps({"a": {"b": 1}}))
    (cookie_dir / "bad.txt").write_text("ok.com\tTRUE\t/\n")
    (cookie_dir / "bad.har").write_text(json.dumps({"log": {}}))
    (cookie_dir / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (cookie_dir / "notes.md").write_text("ignored: not a cookie format")
    (cookie_dir / "subdir.json").mkdir()
    with caplog.at_level(logging.WARNING, logger="fastg4f.cookies"):
        assert cookies.get_cookies("ok.com") == {"g": "1"}
    skipped = {Path(r.args[0]).name for r in caplog.records if isinstance(r.args, tuple)}
    assert skipped == {
        "broken.json",
        "wrong-shape.json",
        "plain-without-domain.json",
        "nested.com.json",
        "bad.txt",
        "bad.har",
        "binary.json",
    }


def test_read_cookie_files_returns_and_stores(cookie_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "site.net.json").write_text(json.dumps({"s": "1"}))
    assert cookies.read_cookie_files(other) == {"site.net": {"s": "1"}}
    # stored like set_cookies, so get_cookies finds them though they are not in the cookies dir
    assert cookies.get_cookies("site.net") == {"s": "1"}
    assert cookies.read_cookie_files(tmp_path / "missing") == {}


def test_cookies_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cookies.set_cookies_dir(None)
    monkeypatch.delenv(cookies.COOKIES_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    default = cookies.get_cookies_dir()
    assert default.endswith(str(Path("fastg4f") / "cookies"))
    monkeypatch.setenv(cookies.COOKIES_DIR_ENV, str(tmp_path / "env"))
    assert cookies.get_cookies_dir() == str(tmp_path / "env")
    cookies.set_cookies_dir(tmp_path / "explicit")
    try:
        assert cookies.get_cookies_dir() == str(tmp_path / "explicit")
    finally:
        cookies.set_cookies_dir(None)


def test_domain_matches() -> None:
    assert cookies.domain_matches("a.b.com", ".b.com")
    assert cookies.domain_matches("b.com", ".b.com")
    assert not cookies.domain_matches("b.com", "a.b.com")
    assert not cookies.domain_matches("xb.com", "b.com")
    assert not cookies.domain_matches("b.com", "")


@pytest.mark.parametrize("depth", [200, 1000, 100_000])
def test_deeply_nested_files_are_skipped_with_a_warning(
    cookie_dir: Path, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    (cookie_dir / "good.json").write_text(
        json.dumps([{"domain": "ok.com", "name": "g", "value": "1"}])
    )
    (cookie_dir / "deep.json").write_text("[" * depth + "]" * depth)
    (cookie_dir / "deep.har").write_text('{"log": ' + '{"a": ' * depth + "1" + "}" * depth + "}")
    with caplog.at_level(logging.WARNING, logger="fastg4f.cookies"):
        assert cookies.get_cookies("ok.com") == {"g": "1"}
        assert cookies.read_cookie_files(store=False) == {"ok.com": {"g": "1"}}
    messages = [r.getMessage() for r in caplog.records]
    assert any("deep.json" in m and "nested deeper than" in m for m in messages), messages
    assert any("deep.har" in m and "nested deeper than" in m for m in messages), messages


def test_nesting_inside_strings_does_not_count(cookie_dir: Path) -> None:
    value = "[{" * 500 + '\\"]' + "}" * 3
    (cookie_dir / "ok.com.json").write_text(json.dumps({"brackets": value}))
    assert cookies.get_cookies("ok.com") == {"brackets": value}


def test_file_size_limit(cookie_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cookies, "MAX_COOKIE_FILE_BYTES", 100)
    (cookie_dir / "big.com.json").write_text(json.dumps({"a": "x" * 200}))
    (cookie_dir / "small.com.json").write_text(json.dumps({"a": "y"}))
    assert cookies.read_cookie_files(store=False) == {"small.com": {"a": "y"}}
