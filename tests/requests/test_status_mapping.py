"""The one HTTP status → error mapping: ``raise_for_status`` and the providers' ``check_status``
give the same class and quote the same server words."""

from __future__ import annotations

import asyncio
import json

import pytest

from fastg4f import errors
from fastg4f.providers._common import check_status
from fastg4f.requests import Session, StreamSession, raise_for_status
from fastg4f.requests.status import error_detail, status_error
from tests.servers import Handler, LocalServer


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (json.dumps({"detail": "plain"}), "plain"),
        (json.dumps({"detail": {"message": "nested", "code": 1}}), "nested"),
        (json.dumps({"message": "from message"}), "from message"),
        (json.dumps({"msg": "from msg"}), "from msg"),
        (json.dumps({"error": {"message": "from error"}}), "from error"),
        (
            json.dumps({"detail": [{"loc": ["body"], "msg": "bad"}]}),
            '[{"loc":["body"],"msg":"bad"}]',
        ),
        (json.dumps({"other": 1}), '{"other": 1}'),
        ("  not json  ", "not json"),
        ("[" * 100_000, "[" * 500 + "…"),
        ("x" * 600, "x" * 500 + "…"),
    ],
)
def test_error_detail(body: str, detail: str) -> None:
    assert error_detail(body) == detail


def test_classes_and_who() -> None:
    url = "http://127.0.0.1/x"
    assert type(status_error(429, url, {}, "")) is errors.RateLimitError
    unusual = json.dumps({"detail": "Unusual activity has been detected"})
    assert type(status_error(403, url, {}, unusual)) is errors.RateLimitError
    challenge = {"cf-mitigated": "challenge"}
    assert type(status_error(503, url, challenge, "")) is errors.CloudflareError
    error = status_error(404, url, {}, "", who="Probe")
    assert type(error) is errors.ResponseStatusError
    assert str(error) == f"Probe: HTTP 404 from {url}: (empty body)"


def _answers(h: Handler) -> None:
    h.send_json(422, {"msg": "temperature must be a number"})


def test_raise_for_status_and_check_status_agree() -> None:
    with LocalServer({"/bad": _answers}) as server:
        with Session(timeout=10) as s, pytest.raises(errors.ResponseStatusError) as plain:
            raise_for_status(s.get(server.url("/bad")))

        async def provider() -> None:
            async with StreamSession(timeout=10) as s, s.get(server.url("/bad")) as r:
                await check_status(r, "Probe")

        with pytest.raises(errors.ResponseStatusError) as named:
            asyncio.run(provider())
    assert str(named.value) == f"Probe: {plain.value}"
    assert "temperature must be a number" in str(plain.value)
