"""Options, fault knobs and deterministic answers shared by every emulator."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from fastg4f.emulators._http import ConnectionDropped, Request, Response, json_response

__all__ = [
    "FAULTS",
    "PROVIDER_NAMES",
    "EmulatorOptions",
    "Fault",
    "expected_answer",
]

Fault = Literal["rate_limit", "unusual_activity", "cloudflare", "drop", "malformed", "hang"]
"""Fault knob values; see :class:`EmulatorOptions`."""

FAULTS: tuple[str, ...] = (
    "rate_limit",
    "unusual_activity",
    "cloudflare",
    "drop",
    "malformed",
    "hang",
)

PROVIDER_NAMES = ("ChatGpt", "ChatGptt", "Chatgpt4o", "ChatGptEs", "Aichat")
"""Provider class names, in the order the emulators are listed."""

UNUSUAL_ACTIVITY = "Unusual activity has been detected from your device. Try again later."
RATE_LIMIT_TEXT = "Too many requests in 1 hour. Try again later."

CLOUDFLARE_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">'
    "<h1>Just a moment...</h1><p>Checking if the site connection is secure</p>"
    "<noscript>Enable JavaScript and cookies to continue</noscript></div></body></html>"
)


def cloudflare_challenge() -> Response:
    """Cloudflare's HTTP 403 "Just a moment..." page with ``cf-mitigated: challenge``."""
    return Response(
        403,
        CLOUDFLARE_PAGE.encode(),
        "text/html; charset=UTF-8",
        [
            ("cf-mitigated", "challenge"),
            ("server", "cloudflare"),
            ("cf-ray", secrets.token_hex(8)),
        ],
    )


@dataclass
class EmulatorOptions:
    """Knobs every emulator has; settable at start and at run time (``Emulators.configure``).

    Attributes:
        delay: Seconds to wait before answering each request (interrupted by shutdown).
        fault: ``None`` or one of: ``"rate_limit"`` (HTTP 429 with a JSON ``detail``),
            ``"unusual_activity"`` (HTTP 403 ``{"detail": "Unusual activity …"}``), ``"cloudflare"``
            (HTTP 403 "Just a moment..." page with ``cf-mitigated: challenge``), ``"drop"`` (the
            connection is closed in the middle of the answer body), ``"malformed"`` (an invalid
            line/body: a broken JSON line in a stream, a non-JSON body elsewhere), ``"hang"``
            (no answer for ``hang_seconds``, then the connection is closed).
            Faults apply to the API requests (POST) only; the pages stay reachable, except
            ``"cloudflare"`` which also covers pages when ``fault_pages`` is true.
        fault_count: Number of API requests the fault applies to before it clears itself;
            ``None`` = until changed.
        fault_pages: Also apply ``"cloudflare"``/``"rate_limit"``/``"hang"`` to page (GET) requests.
        hang_seconds: Upper bound of the ``"hang"`` fault (shutdown ends it earlier).
    """

    delay: float = 0.0
    fault: Fault | None = None
    fault_count: int | None = None
    fault_pages: bool = False
    hang_seconds: float = 30.0

    def validate(self) -> None:
        """Raises ``ValueError`` for a knob outside its documented range."""
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; choose one of {', '.join(FAULTS)}")
        if not 0 <= self.delay <= 3600:
            raise ValueError("delay must be between 0 and 3600 seconds")
        if not 0 <= self.hang_seconds <= 3600:
            raise ValueError("hang_seconds must be between 0 and 3600 seconds")
        if self.fault_count is not None and self.fault_count < 0:
            raise ValueError("fault_count must be None or >= 0")


class EmulatorBase:
    """Behaviour common to every emulator: option updates, delays and HTTP-level faults."""

    name: str = ""
    options: EmulatorOptions

    def __init__(self, closing: threading.Event) -> None:
        self.closing = closing
        self.lock = threading.Lock()

    def configure(self, **changes: Any) -> None:
        """Changes options; unknown names and invalid values raise ``ValueError``/``TypeError``."""
        known = {f.name for f in fields(self.options)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(
                f"{self.name} has no option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        with self.lock:
            old = {k: getattr(self.options, k) for k in changes}
            for k, v in changes.items():
                setattr(self.options, k, v)
            try:
                self.options.validate()
            except ValueError:
                for k, v in old.items():
                    setattr(self.options, k, v)
                raise

    def peek_fault(self) -> str | None:
        """The configured fault, without consuming it."""
        return self.options.fault

    def take_fault(self, page: bool) -> str | None:
        """The fault to apply to this request (consuming one ``fault_count``), if any."""
        with self.lock:
            fault = self.options.fault
            if fault is None:
                return None
            if page and not (
                self.options.fault_pages and fault in ("cloudflare", "rate_limit", "hang")
            ):
                return None
            if self.options.fault_count is not None:
                if self.options.fault_count <= 0:
                    return None
                self.options.fault_count -= 1
            return fault

    def pause(self) -> None:
        if self.options.delay > 0:
            self.closing.wait(self.options.delay)

    def http_fault(self, fault: str | None) -> Response | None:
        """Answers for faults that replace the whole response; stream faults return ``None``."""
        if fault == "rate_limit":
            return json_response(429, {"detail": RATE_LIMIT_TEXT}, [("retry-after", "60")])
        if fault == "unusual_activity":
            ray = secrets.token_hex(8)
            return json_response(403, {"detail": f"{UNUSUAL_ACTIVITY} ({ray})"}, [("cf-ray", ray)])
        if fault == "cloudflare":
            return cloudflare_challenge()
        if fault == "hang":
            self.closing.wait(self.options.hang_seconds)
            raise ConnectionDropped
        return None

    def handle(self, request: Request) -> Response | Any:
        raise NotImplementedError


def _canonical(prompt_or_messages: str | Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    if isinstance(prompt_or_messages, str):
        return prompt_or_messages, prompt_or_messages
    msgs = [
        {"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
        for m in prompt_or_messages
    ]
    last = next((m["content"] for m in reversed(msgs) if m["role"] == "user"), "")
    return json.dumps(msgs, ensure_ascii=False, separators=(",", ":")), last


def expected_answer(provider: str, prompt_or_messages: str | Sequence[Mapping[str, Any]]) -> str:
    """The exact answer an emulator gives for this input.

    Args:
        provider: Provider class name (``"ChatGpt"``, ``"ChatGptt"``, ``"Chatgpt4o"``,
            ``"ChatGptEs"``, ``"Aichat"``).
        prompt_or_messages: What reached the emulator: the ``message`` string for the WordPress
            sites and Aichat (the client's formatted prompt, ChatGptEs's system prefix included),
            or for ChatGpt the conversation as ``[{"role": …, "content": …}]`` (the text of each
            message's ``parts`` joined).

    Returns:
        ``"{provider} émulateur ✓ — Prüfsumme {8 hex} — 你说: «{last user text}»"``, where the
        checksum is SHA-256 of the canonical input; non-ASCII on purpose.
    """
    if provider not in PROVIDER_NAMES:
        raise ValueError(
            f"unknown provider {provider!r}; choose one of {', '.join(PROVIDER_NAMES)}"
        )
    canonical, last = _canonical(prompt_or_messages)
    digest = hashlib.sha256(f"{provider}\n{canonical}".encode()).hexdigest()[:8]
    return f"{provider} émulateur ✓ — Prüfsumme {digest} — 你说: «{last}»"


def php_json(value: Any) -> bytes:
    """PHP ``json_encode`` style: ``\\uXXXX`` escapes and ``\\/``."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()
