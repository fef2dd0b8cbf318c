"""Local HTTP emulators of the five providers' wire protocols (offline demos and tests).

One threaded HTTP/1.1 server on ``127.0.0.1`` (ephemeral port) hosts all five under path
prefixes; :attr:`Emulators.urls` maps each provider class name to the value its ``url``
attribute must take::

    with start_emulators() as emu:
        emu.urls["ChatGpt"]    # http://127.0.0.1:PORT/chatgpt
        emu.urls["ChatGptt"]   # http://127.0.0.1:PORT/chatgptt
        emu.urls["Chatgpt4o"]  # http://127.0.0.1:PORT/chatgpt4o
        emu.urls["ChatGptEs"]  # http://127.0.0.1:PORT/chatgptes
        emu.urls["Aichat"]     # http://127.0.0.1:PORT/aichat/chat  (API: .../aichat/api/text)
        emu.configure("ChatGpt", fault="rate_limit", fault_count=1)

:func:`offline` does the same and also points every provider class at its emulator for the
duration of a ``with`` block. Answers are deterministic (:func:`expected_answer`). Every
behaviour the protocol spec leaves open, and the choice made, is listed in ``docs/EMULATORS.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from fastg4f.cookies import set_cookies, stored_cookies
from fastg4f.emulators._common import (
    FAULTS,
    PROVIDER_NAMES,
    EmulatorBase,
    EmulatorOptions,
    Fault,
    expected_answer,
)
from fastg4f.emulators._http import EmulatorHTTPServer, Request, Response, StreamResponse
from fastg4f.emulators.aichat import AichatEmulator, AichatOptions
from fastg4f.emulators.chatgpt import (
    ChatGptEmulator,
    ChatGptOptions,
    build_turnstile_challenge,
    check_requirements_token,
    verify_proof_token,
)
from fastg4f.emulators.wordpress import (
    GERMAN_CHECKBOX,
    NONCE_ERRORS,
    WordPressEmulator,
    WordPressOptions,
)
from fastg4f.routing import register_emulation

__all__ = [
    "FAULTS",
    "GERMAN_CHECKBOX",
    "NONCE_ERRORS",
    "PREFIXES",
    "PROVIDER_NAMES",
    "AichatOptions",
    "ChatGptOptions",
    "EmulatorOptions",
    "Emulators",
    "Fault",
    "OfflineUrls",
    "WordPressOptions",
    "build_turnstile_challenge",
    "check_requirements_token",
    "emulated_providers",
    "expected_answer",
    "is_emulated",
    "is_offline",
    "offline",
    "start_emulators",
    "verify_proof_token",
]

PREFIXES: dict[str, str] = {
    "ChatGpt": "/chatgpt",
    "ChatGptt": "/chatgptt",
    "Chatgpt4o": "/chatgpt4o",
    "ChatGptEs": "/chatgptes",
    "Aichat": "/aichat",
}
"""Path prefix of each emulator on the shared server."""

_DEFAULT_WP_STYLES: dict[str, dict[str, Any]] = {
    "ChatGptt": {"nonce_style": "double", "post_id_style": "data_attr"},
    "Chatgpt4o": {"nonce_style": "double", "post_id_style": "data_attr"},
    "ChatGptEs": {"nonce_style": "hidden_input", "post_id_style": "hidden_input"},
}


class Emulators:
    """The running emulators; a context manager whose exit stops the server and its threads."""

    def __init__(
        self,
        *,
        chatgpt: ChatGptOptions | None = None,
        chatgptt: WordPressOptions | None = None,
        chatgpt4o: WordPressOptions | None = None,
        chatgptes: WordPressOptions | None = None,
        aichat: AichatOptions | None = None,
    ) -> None:
        self._server = EmulatorHTTPServer(self._dispatch)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        try:
            self._build(chatgpt, chatgptt, chatgpt4o, chatgptes, aichat)
        except BaseException:
            self._server.server_close()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fastg4f-emulators",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    def _build(
        self,
        chatgpt: ChatGptOptions | None,
        chatgptt: WordPressOptions | None,
        chatgpt4o: WordPressOptions | None,
        chatgptes: WordPressOptions | None,
        aichat: AichatOptions | None,
    ) -> None:
        closing = self._server.closing
        wp = {"ChatGptt": chatgptt, "Chatgpt4o": chatgpt4o, "ChatGptEs": chatgptes}
        self.emulators: dict[str, EmulatorBase] = {
            "ChatGpt": ChatGptEmulator(chatgpt or ChatGptOptions(), closing),
        }
        for name, opts in wp.items():
            self.emulators[name] = WordPressEmulator(
                name,
                opts or WordPressOptions(**_DEFAULT_WP_STYLES[name]),
                closing,
                self.base_url + PREFIXES[name],
            )
        self.emulators["Aichat"] = AichatEmulator(aichat or AichatOptions(), closing)
        self._by_prefix = {PREFIXES[n].lstrip("/"): e for n, e in self.emulators.items()}

    @property
    def urls(self) -> dict[str, str]:
        """Provider class name → the value for that provider's ``url`` attribute."""
        urls = {n: self.base_url + p for n, p in PREFIXES.items()}
        urls["Aichat"] += "/chat"
        return urls

    def options(self, provider: str) -> EmulatorOptions:
        """The live options object of one emulator (prefer :meth:`configure` to change it)."""
        return self._get(provider).options

    def configure(self, provider: str, **changes: Any) -> None:
        """Changes knobs of one emulator at run time (validated; see its options class).

        Raises:
            KeyError: unknown provider name.
            TypeError: unknown option name.
            ValueError: a value outside its documented range (nothing is changed).
        """
        self._get(provider).configure(**changes)

    def rotate_nonce(self, provider: str) -> str:
        """Rotates a WordPress site's chat nonce (the old one is rejected); returns the new one."""
        emulator = self._get(provider)
        if not isinstance(emulator, WordPressEmulator):
            raise TypeError(
                f"{provider} has no nonce; WordPress sites: ChatGptt, Chatgpt4o, ChatGptEs"
            )
        return emulator.rotate_nonce()

    def _get(self, provider: str) -> EmulatorBase:
        try:
            return self.emulators[provider]
        except KeyError:
            raise KeyError(
                f"unknown emulator {provider!r}; known: {', '.join(PROVIDER_NAMES)}"
            ) from None

    def _dispatch(self, request: Request) -> Response | StreamResponse:
        head, _, rest = request.path.lstrip("/").partition("/")
        emulator = self._by_prefix.get(head)
        if emulator is None:
            listing = "\n".join(f"{n}: {u}" for n, u in self.urls.items())
            return Response(404, f"No emulator here. Emulators:\n{listing}\n".encode())
        request.path = "/" + rest
        result: Response | StreamResponse = emulator.handle(request)
        return result

    def close(self) -> None:
        """Stops the server, ends hanging requests and joins every thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._server.closing.set()
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Emulators:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Emulators {self.base_url} {'closed' if self._closed else 'running'}>"


def start_emulators(**options: Any) -> Emulators:
    """Starts all five emulators on one ``127.0.0.1`` server with an ephemeral port.

    Args:
        **options: Per-emulator option objects by lower-case provider name: ``chatgpt=``
            :class:`ChatGptOptions`, ``chatgptt=``/``chatgpt4o=``/``chatgptes=``
            :class:`WordPressOptions`, ``aichat=`` :class:`AichatOptions`; a ``dict`` of
            option values works too.

    Returns:
        The running :class:`Emulators` (use it as a context manager or call ``close()``).
    """
    classes: Mapping[str, type[EmulatorOptions]] = {
        "chatgpt": ChatGptOptions,
        "chatgptt": WordPressOptions,
        "chatgpt4o": WordPressOptions,
        "chatgptes": WordPressOptions,
        "aichat": AichatOptions,
    }
    built: dict[str, Any] = {}
    for key, value in options.items():
        if key not in classes:
            raise TypeError(f"unknown emulator {key!r}; use one of {', '.join(classes)}")
        if isinstance(value, Mapping):
            defaults = _DEFAULT_WP_STYLES.get({k.lower(): k for k in PREFIXES}[key], {})
            value = classes[key](**{**defaults, **value})
        if not isinstance(value, classes[key]):
            raise TypeError(f"{key}= must be a {classes[key].__name__} or a dict of its fields")
        built[key] = value
    return Emulators(**built)


class OfflineUrls(dict[str, str]):
    """What :func:`offline` yields: provider class name → emulator URL, plus the emulators.

    Attributes:
        emulators: The running :class:`Emulators` (for ``configure``/``rotate_nonce``).
    """

    emulators: Emulators


_MISSING: Any = object()

EMULATOR_SESSION_COOKIE = {"emulator_session": "offline"}
"""The cookie :func:`offline` stores for the Aichat emulator's host (any cookie is accepted)."""
_offline_lock = threading.Lock()
_offline_active: list[OfflineUrls] = []


@contextmanager
def offline(**options: Any) -> Iterator[OfflineUrls]:
    """Starts all five emulators and points every provider class's ``url`` at them.

    ``with fastg4f.emulators.offline() as urls:`` — inside the block ``ChatGpt.url`` is
    ``urls["ChatGpt"]`` and so on for the five classes of ``fastg4f.providers.__providers__``;
    :func:`is_offline` is true and :func:`is_emulated` tells the routing layer that these
    providers work (their ``working`` attribute is left as it is). On exit, even on error, each
    ``url`` is restored to what it was and the emulators are stopped.

    So that the offline demo runs like a user's set-up would, the block also sets
    ``ChatGpt.default_pause`` to 0 (the 2 s pause only imitates a browser on the live site) and
    stores the emulator's session cookie for the Aichat emulator's host with
    :func:`fastg4f.cookies.set_cookies` (Aichat needs the user's cookies); both are restored on
    exit.

    ``url`` is a class attribute, so the change is seen by every thread; nest these blocks
    (inner ones end first) rather than overlapping them from several threads.

    Args:
        **options: Emulator options, as for :func:`start_emulators` (e.g.
            ``chatgpt={"difficulty": "0fffff"}``).

    Yields:
        An :class:`OfflineUrls` dict; ``urls.emulators`` is the running :class:`Emulators`.
    """
    from fastg4f.providers import __providers__

    with start_emulators(**options) as emulators:
        urls = OfflineUrls(emulators.urls)
        urls.emulators = emulators
        classes = [cls for cls in __providers__ if cls.__name__ in urls]
        # (class, attribute) -> value inside the block.
        overrides: dict[tuple[type, str], Any] = {
            (cls, "url"): urls[cls.__name__] for cls in classes
        }
        overrides.update(
            ((cls, "default_pause"), 0.0) for cls in classes if hasattr(cls, "default_pause")
        )
        # (class, attribute) -> value before the block; _MISSING when only inherited.
        saved = {(cls, name): cls.__dict__.get(name, _MISSING) for cls, name in overrides}
        cookie_host = urlsplit(urls["Aichat"]).hostname if "Aichat" in urls else None
        saved_cookies = stored_cookies(cookie_host) if cookie_host else None
        with _offline_lock:
            for (cls, name), value in overrides.items():
                setattr(cls, name, value)
            if cookie_host:
                set_cookies(cookie_host, {**(saved_cookies or {}), **EMULATOR_SESSION_COOKIE})
            _offline_active.append(urls)
        try:
            yield urls
        finally:
            with _offline_lock:
                _offline_active.remove(urls)
                for (cls, name), value in saved.items():
                    if value is _MISSING:
                        delattr(cls, name)
                    else:
                        setattr(cls, name, value)
                if cookie_host:
                    set_cookies(cookie_host, saved_cookies)


def is_offline() -> bool:
    """Whether an :func:`offline` block is active (in any thread)."""
    with _offline_lock:
        return bool(_offline_active)


def emulated_providers() -> frozenset[str]:
    """Names of the provider classes whose ``url`` currently points at an active emulator.

    The routing layer treats these as working while an :func:`offline` block is active.
    """
    from fastg4f.providers import __providers__

    with _offline_lock:
        active = list(_offline_active)
    return frozenset(
        cls.__name__
        for cls in __providers__
        if any(urls.get(cls.__name__) == cls.url for urls in active)
    )


def is_emulated(provider: Any) -> bool:
    """Whether ``provider`` (a class or its name) is served by an active emulator."""
    name = provider if isinstance(provider, str) else getattr(provider, "__name__", "")
    return name in emulated_providers()


register_emulation(is_emulated)
