"""The chat page's files are in the wheel and served from it (``make wheel-smoke``)."""

from __future__ import annotations

import asyncio
import pathlib

import httpx
import pytest


def test_chat_page_is_served_from_the_installed_wheel() -> None:
    pytest.importorskip("fastapi", reason="the wheel smoke venv installs the 'api' extra")
    from fastg4f.api.gui import STATIC_DIR

    assert "site-packages" in pathlib.Path(STATIC_DIR).resolve().parts
    asyncio.run(_check_page())


async def _check_page() -> None:
    from fastg4f.api import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert '<script type="module" src="/static/app.js">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for name in ("app.js", "api.js", "markdown.js", "store.js", "app.css", "icon.svg"):
            asset = await client.get(f"/static/{name}")
            assert asset.status_code == 200, name
            assert asset.headers["x-content-type-options"] == "nosniff"
        docs = await client.get("/docs")
        assert "/static-docs/swagger-ui-bundle.js" in docs.text
        assert (await client.get("/static-docs/swagger-ui-bundle.js")).status_code == 200
        assert (await client.get("/static-docs/redoc.standalone.js")).status_code == 200
