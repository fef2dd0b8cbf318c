"""Top-level lazy exports and the weight of importing the client."""

from __future__ import annotations

import subprocess
import sys

import fastg4f


def _fresh(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


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
    assert _fresh(code) == ["[]"]


PROVIDER_MODULES = (
    "'fastg4f.providers.ChatGpt', 'fastg4f.providers.ChatGptt', 'fastg4f.providers.Chatgpt4o', "
    "'fastg4f.providers.ChatGptEs', 'fastg4f.providers.Aichat', 'fastg4f.cookies', "
    "'fastg4f.turnstile'"
)


def test_client_import_loads_no_provider_until_one_is_needed() -> None:
    code = (
        "import sys; from fastg4f.client import Client; import fastg4f.models, fastg4f.routing; "
        f"names = ({PROVIDER_MODULES}); "
        "print(sum(n in sys.modules for n in names)); "
        "fastg4f.models.ModelUtils.convert['gpt-4o-mini'].best_provider.providers; "
        "print(all(n in sys.modules for n in names[:5]))"
    )
    assert _fresh(code) == ["0", "True"]


def test_provider_lookup_gives_the_classes_whichever_import_comes_first() -> None:
    code = (
        "import sys; import fastg4f.providers.Aichat as first; import fastg4f.providers as p; "
        "from fastg4f.providers import ChatGpt, __providers__; "
        "from fastg4f.providers.ChatGptt import ChatGptt; "
        "mod = sys.modules['fastg4f.providers.ChatGpt']; "
        "print(first is p.Aichat is sys.modules['fastg4f.providers.Aichat'].Aichat, "
        "ChatGpt is mod.ChatGpt is p.ChatGpt, ChatGptt is p.ChatGptt, "
        "p.__providers__ is __providers__, [c.__name__ for c in __providers__] == "
        "['ChatGpt', 'ChatGptt', 'Chatgpt4o', 'ChatGptEs', 'Aichat'], "
        "isinstance(p.ChatGpt, type))"
    )
    assert _fresh(code) == ["True"] * 6
