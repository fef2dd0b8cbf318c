"""Every import path of g4f's public surface exists and re-exports the canonical objects."""

from __future__ import annotations

import builtins
import importlib
import json
import string
import subprocess
import sys
from pathlib import Path

import pytest

from fastg4f import errors
from fastg4f.cookies import get_cookies, read_cookie_files, set_cookies
from fastg4f.providers.helper import get_random_hex, get_random_string

# (module, attribute) -> (canonical module, attribute)
SAME_OBJECTS: dict[tuple[str, str], tuple[str, str]] = {
    **{
        ("fastg4f.Provider", name): ("fastg4f.providers", name)
        for name in ("ChatGpt", "ChatGptt", "Chatgpt4o", "ChatGptEs", "Aichat", "__providers__")
    },
    ("fastg4f.Provider", "BaseProvider"): ("fastg4f.providers.types", "BaseProvider"),
    ("fastg4f.Provider", "ProviderType"): ("fastg4f.providers.types", "ProviderType"),
    ("fastg4f.Provider", "AsyncProvider"): ("fastg4f.providers.base_provider", "AsyncProvider"),
    ("fastg4f.Provider", "AsyncGeneratorProvider"): (
        "fastg4f.providers.base_provider",
        "AsyncGeneratorProvider",
    ),
    ("fastg4f.Provider", "RetryProvider"): ("fastg4f.routing", "RetryProvider"),
    ("fastg4f.Provider", "IterListProvider"): ("fastg4f.routing", "IterListProvider"),
    ("fastg4f.providers.retry_provider", "RetryProvider"): ("fastg4f.routing", "RetryProvider"),
    ("fastg4f.providers.retry_provider", "IterListProvider"): (
        "fastg4f.routing",
        "IterListProvider",
    ),
    ("fastg4f.Provider.helper", "get_cookies"): ("fastg4f.cookies", "get_cookies"),
    **{
        ("fastg4f.Provider.openai.new", name): ("fastg4f.pow", name)
        for name in ("get_config", "get_answer_token", "generate_answer", "get_requirements_token")
    },
    ("fastg4f.Provider.openai.new", "maxAttempts"): ("fastg4f.pow", "MAX_ATTEMPTS"),
    ("fastg4f.Provider.openai.new", "process_turnstile"): (
        "fastg4f.turnstile",
        "process_turnstile",
    ),
    ("fastg4f.Provider.openai.new", "process_turnstile_token"): ("fastg4f.turnstile", "xor_str"),
    ("fastg4f.Provider.openai.new", "OrderedMap"): ("fastg4f.turnstile", "OrderedMap"),
    ("fastg4f.Provider.openai.new", "to_str"): ("fastg4f.turnstile", "to_str"),
    ("fastg4f.Provider.openai.proofofwork", "generate_proof_token"): (
        "fastg4f.pow",
        "generate_proof_token",
    ),
    ("fastg4f.requests", "StreamSession"): ("fastg4f.requests.session", "StreamSession"),
    ("fastg4f.requests", "Session"): ("fastg4f.requests.session", "Session"),
    ("fastg4f.requests", "StreamResponse"): ("fastg4f.requests._base", "StreamResponse"),
    ("fastg4f.requests", "raise_for_status"): ("fastg4f.requests.status", "raise_for_status"),
    ("fastg4f", "ChatCompletion"): ("fastg4f.client.service", "ChatCompletion"),
    ("fastg4f", "Client"): ("fastg4f.client", "Client"),
    ("fastg4f", "AsyncClient"): ("fastg4f.client", "AsyncClient"),
    ("fastg4f.errors", "G4FError"): ("fastg4f.errors", "FastG4FError"),
    ("fastg4f.errors", "AuthenticationRequiredError"): ("fastg4f.errors", "MissingAuthError"),
    ("fastg4f.errors", "MissingAccessToken"): ("fastg4f.errors", "MissingAuthError"),
    ("fastg4f.errors", "NoImageResponseError"): ("fastg4f.errors", "NoMediaResponseError"),
}

# g4f's module → the modules its ``__all__`` names come from (each name: the same object).
MIRRORS = {
    "fastg4f.Provider.base_provider": (
        "fastg4f.providers.base_provider",
        "fastg4f.providers.helper",
    ),
    "fastg4f.Provider.helper": ("fastg4f.providers.helper", "fastg4f.cookies"),
}

# Names a g4f program reaches for, by module (existence; identities are checked above).
NAMES = {
    "fastg4f.Provider": ["__all__", "__providers__", "ProviderUtils", "__map__"],
    "fastg4f.providers.types": ["BaseProvider", "BaseRetryProvider", "ProviderType", "Streaming"],
    "fastg4f.providers.base_provider": ["AbstractProvider", "AsyncProvider", "ProviderModelMixin"],
    "fastg4f.cookies": [
        "get_cookies",
        "set_cookies",
        "set_cookies_dir",
        "get_cookies_dir",
        "read_cookie_files",
    ],
    "fastg4f.models": ["Model", "ModelUtils", "default", "gpt_4o", "gpt_4o_mini", "gpt_4"],
    "fastg4f.client": ["Client", "AsyncClient"],
    "fastg4f.typing": ["Messages", "CreateResult", "AsyncResult", "Cookies"],
    "fastg4f.debug": ["logging", "version_check"],
}

# g4f's ``errors`` module: every class name, with the g4f base each one has there.
G4F_ERRORS = {
    "ProviderNotFoundError": "G4FError",
    "ProviderNotWorkingError": "G4FError",
    "StreamNotSupportedError": "G4FError",
    "ModelNotFoundError": "G4FError",
    "ModelNotAllowedError": "G4FError",
    "ModelNotSupportedError": "G4FError",
    "RetryProviderError": "G4FError",
    "RetryNoProviderError": "G4FError",
    "VersionNotFoundError": "G4FError",
    "MissingRequirementsError": "G4FError",
    "NestAsyncioError": "MissingRequirementsError",
    "MissingAiohttpSocksError": "MissingRequirementsError",
    "MissingAuthError": "G4FError",
    "AuthenticationRequiredError": "G4FError",
    "MissingAccessToken": "G4FError",
    "PaymentRequiredError": "G4FError",
    "NoMediaResponseError": "G4FError",
    "NoImageResponseError": "G4FError",
    "ResponseError": "G4FError",
    "ResponseStatusError": "ResponseError",
    "CloudflareError": "ResponseStatusError",
    "RateLimitError": "ResponseStatusError",
    "NoValidHarFileError": "G4FError",
    "TimeoutError": "G4FError",
    "ConversationLimitError": "G4FError",
}


@pytest.mark.parametrize(("where", "canonical"), SAME_OBJECTS.items(), ids=str)
def test_import_path_is_the_canonical_object(
    where: tuple[str, str], canonical: tuple[str, str]
) -> None:
    module, name = where
    value = getattr(importlib.import_module(module), name)
    assert value is getattr(importlib.import_module(canonical[0]), canonical[1])
    exec(f"from {module} import {name}", {})  # noqa: S102 - the `from ... import` form works too


@pytest.mark.parametrize(("mirror", "canonical"), MIRRORS.items())
def test_mirror_modules_re_export(mirror: str, canonical: tuple[str, ...]) -> None:
    mirrored = importlib.import_module(mirror)
    sources = [importlib.import_module(name) for name in canonical]
    assert mirrored.__all__
    for name in mirrored.__all__:
        owners = [source for source in sources if name in getattr(source, "__all__", ())]
        assert owners, f"{mirror}.{name} is defined nowhere canonical"
        assert getattr(mirrored, name) is getattr(owners[0], name), name


@pytest.mark.parametrize(("module", "names"), NAMES.items())
def test_names_exist(module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    for name in names:
        assert hasattr(imported, name), f"{module}.{name}"
        if name != "__all__" and hasattr(imported, "__all__") and not name.startswith("__"):
            assert name in imported.__all__, f"{module}.__all__ lacks {name}"


def test_every_module_path_is_an_attribute_path() -> None:
    import fastg4f
    import fastg4f.Provider.openai

    assert fastg4f.Provider.openai.new is importlib.import_module("fastg4f.Provider.openai.new")
    assert fastg4f.debug is importlib.import_module("fastg4f.debug")
    assert "debug" in dir(fastg4f)


def test_provider_utils_and_all() -> None:
    from fastg4f import Provider, providers

    for provider in providers.__providers__:
        assert Provider.ProviderUtils.convert[provider.__name__] is provider
        assert provider.__name__ in Provider.__all__
    for name in Provider.__all__:
        assert hasattr(Provider, name)


def test_models_default_and_convert() -> None:
    from fastg4f import models

    assert models.ModelUtils.convert["gpt-4o"] is models.gpt_4o
    assert isinstance(models.default, models.Model)
    assert models.default.name == ""


@pytest.mark.parametrize(("name", "base"), G4F_ERRORS.items())
def test_error_names_and_hierarchy(name: str, base: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, getattr(errors, base))
    assert issubclass(cls, errors.FastG4FError)
    assert name in errors.__all__


def test_errors_that_are_also_builtins() -> None:
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)
    assert issubclass(errors.StreamDecodeError, ValueError)
    assert errors.G4FError is errors.FastG4FError
    for name in errors.__all__:
        assert isinstance(getattr(errors, name), type), name


def test_random_helpers() -> None:
    for length in (0, 1, 7, 32, 33):
        text = get_random_string(length)
        assert len(text) == length
        assert set(text) <= set(string.ascii_lowercase + string.digits)
        digits = get_random_hex(length)
        assert len(digits) == length
        assert set(digits) <= set("0123456789abcdef")
    assert len(get_random_string()) == 10
    assert len(get_random_hex()) == 32
    with pytest.raises(ValueError, match="length must be 0 or more"):
        get_random_string(-1)


def test_debug_log_prints_only_when_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    from fastg4f import debug

    debug.log("hidden")
    assert capsys.readouterr().err == ""
    debug.logging = True
    try:
        debug.log("shown", 1)
    finally:
        debug.logging = False
    assert capsys.readouterr().err == "shown 1\n"


def test_no_version_check_and_no_network_on_import() -> None:
    # An audit hook sees every socket connection the process attempts.
    code = (
        "import sys\n"
        "seen = []\n"
        "sys.addaudithook(lambda e, a: seen.append(a) if e == 'socket.connect' else None)\n"
        "import fastg4f, fastg4f.debug, fastg4f.Provider, fastg4f.client, fastg4f.models\n"
        "fastg4f.debug.version_check = True\n"
        "fastg4f.debug.logging = True\n"
        "from fastg4f.client import Client\n"
        "Client()\n"
        "print(len(seen), fastg4f.debug.version_check)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "True"]


def test_read_cookie_files_g4f_keywords(tmp_path: Path) -> None:
    (tmp_path / "example.com.json").write_text(json.dumps({"a": "1"}), "utf-8")
    (tmp_path / "other.net.json").write_text(json.dumps({"b": "2"}), "utf-8")
    both = {"example.com": {"a": "1"}, "other.net": {"b": "2"}}
    assert read_cookie_files(dirPath=str(tmp_path), store=False) == both
    assert read_cookie_files(dir_path=tmp_path, store=False) == both
    assert read_cookie_files(tmp_path, ["www.example.com"], store=False) == {
        "example.com": {"a": "1"}
    }
    try:
        read_cookie_files(tmp_path, domains_filter=["other.net"])
        assert get_cookies("other.net") == {"b": "2"}
        assert get_cookies("example.com") == {}
    finally:
        set_cookies("other.net", None)
    with pytest.raises(TypeError, match="once"):
        read_cookie_files(tmp_path, dirPath=str(tmp_path))
