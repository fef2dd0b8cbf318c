"""Top-level lazy exports and the weight of importing the client."""

from __future__ import annotations

import subprocess
import sys

import fastg4f


def test_lazy_top_level_names() -> None:
    from fastg4f import client, models, routing
    from fastg4f.client import service

    assert fastg4f.Client is client.Client
    assert fastg4f.AsyncClient is client.AsyncClient
    assert fastg4f.ChatCompletion is service.ChatCompletion
    assert fastg4f.get_model_and_provider is service.get_model_and_provider
    assert fastg4f.models is models and fastg4f.routing is routing
    assert {"Client", "AsyncClient", "ChatCompletion", "models", "client"} <= set(dir(fastg4f))


def test_client_import_does_not_load_the_server_stack() -> None:
    code = (
        "import sys; from fastg4f.client import Client; import fastg4f.models, fastg4f.cli; "
        "heavy = {'fastapi', 'uvicorn', 'starlette', 'pydantic', 'openai', 'rich'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
