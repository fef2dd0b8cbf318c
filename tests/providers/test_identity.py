"""Each provider claims one browser: the user-agent, the client hints and the TLS target agree."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from fastg4f.providers import Aichat, ChatGpt, Chatgpt4o, ChatGptEs, ChatGptt
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import BaseProvider
from fastg4f.requests import available_backends
from tests.providers._calls import call
from tests.servers import LocalServer

PROVIDERS: list[type[BaseProvider]] = [ChatGpt, ChatGptt, Chatgpt4o, ChatGptEs, Aichat]
MESSAGES = [{"role": "user", "content": "Hi"}]

pytestmark = pytest.mark.skipif(
    "curl_cffi" not in available_backends(), reason="impersonation needs curl_cffi"
)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer({}) as running:  # every path answers 404: the first request is enough
        yield running


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.__name__)
def test_headers_name_the_impersonated_chrome(
    provider: type[BaseProvider], server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity: BrowserIdentity = provider.identity  # type: ignore[attr-defined]
    path = "/chat" if provider is Aichat else ""
    monkeypatch.setattr(provider, "url", server.base + path)
    with pytest.raises(Exception):  # noqa: B017 - only the request's headers matter here
        call(provider, "async", MESSAGES, cookies={"sid": "1"}, pause=0)
    assert server.requests, "the provider sent no request"
    headers = {k.lower(): v for k, v in server.requests[0][2].items()}
    ua_version = re.search(r"Chrome/(\d+)\.", headers["user-agent"])
    hint_versions = set(re.findall(r'"(?:Google Chrome|Chromium)";v="(\d+)"', headers["sec-ch-ua"]))
    assert ua_version is not None
    assert {ua_version.group(1)} == hint_versions == {str(identity.major)}
    assert identity.impersonate == f"chrome{identity.major}"
    platform = headers["sec-ch-ua-platform"].strip('"')
    assert platform == identity.platform
    assert {"Windows": "Windows NT", "Linux": "Linux", "macOS": "Mac OS X"}[platform] in (
        headers["user-agent"]
    )


def test_identity_targets_exist_in_curl_cffi() -> None:
    from fastg4f.requests._curl import known_targets

    for provider in PROVIDERS:
        assert provider.identity.impersonate in known_targets()  # type: ignore[attr-defined]


def test_identity_rejects_an_unknown_platform() -> None:
    with pytest.raises(ValueError, match="platform must be one of"):
        BrowserIdentity(131, "BeOS")
