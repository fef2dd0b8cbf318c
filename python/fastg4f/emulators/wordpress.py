"""The WordPress "AI Power" (wpaicg) emulators: ChatGptt, Chatgpt4o and ChatGptEs."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from fastg4f.emulators._common import EmulatorBase, EmulatorOptions, expected_answer, php_json
from fastg4f.emulators._http import Request, Response

__all__ = [
    "ACTIONS",
    "GERMAN_CHECKBOX",
    "NONCE_ERRORS",
    "WordPressEmulator",
    "WordPressOptions",
]

ACTIONS = ("wpaicg_chat_shortcode_message", "wpaicg_chatbox_message")
GERMAN_CHECKBOX = "Du musst das Kästchen anklicken!"
EMPTY_MESSAGE = "It appears that nothing was inputted."

NONCE_ERRORS: dict[str, str] = {
    "G1": "Security check",
    "G2": (
        "Invalid nonce. This means we are unable to verify the validity of the nonce. There are "
        "couple of possible reasons for this. 1. A cache plugin is caching the nonce. 2. The nonce "
        "has expired. 3. Invalid SSL certificate. 4. Network issue. Please check and try again."
    ),
    "G3": "Nonce verification failed",
    "G4": "The link you followed has expired.",
}
"""Wrong-nonce answers of the four plugin generations (G4: an HTTP 403 page; others: 200 JSON)."""

NonceStyle = Literal["double", "single", "hidden_input", "json", "js_var", "none"]
PostIdStyle = Literal["data_attr", "hidden_input", "json", "js_var", "none"]


@dataclass
class WordPressOptions(EmulatorOptions):
    """Knobs of a wpaicg site (plus the common :class:`EmulatorOptions`).

    Attributes:
        nonce: The current chat nonce (10 hex digits); ``rotate_nonce()`` replaces it and the
            old one is rejected from then on.
        post_id: The page's post id.
        nonce_style: Where the page carries the nonce: ``"double"``/``"single"`` (``data-nonce``
            attribute in double/single quotes), ``"hidden_input"`` (``<input type="hidden"
            name="_wpnonce" value=…>``), ``"json"`` (``"_wpnonce":"…"`` in a localized script),
            ``"js_var"`` (``var wpaicg_nonce = '…';``) or ``"none"`` (no chat nonce at all).
        post_id_style: ``"data_attr"`` (``data-post-id="…"`` in the nonce's quote style),
            ``"hidden_input"``, ``"json"`` (``"post_id":"…"``), ``"js_var"`` (``var post_id = …;``)
            or ``"none"``.
        nonce_error: Plugin generation whose wrong-nonce answer is used: ``"G1"`` "Security
            check", ``"G2"`` the long ``WPAICG_NONCE_ERROR`` text, ``"G3"`` "Nonce verification
            failed" (all HTTP 200 JSON), ``"G4"`` HTTP 403 "The link you followed has expired.".
        german_checkbox: Answer every message with the anti-spam text
            "Du musst das Kästchen anklicken!" in ``data`` (ChatGptEs's site).
        require_post_id: Reject (as a wrong nonce) a ``post_id`` that differs from the page's.
    """

    nonce: str = ""
    post_id: int = 0
    nonce_style: NonceStyle = "double"
    post_id_style: PostIdStyle = "data_attr"
    nonce_error: Literal["G1", "G2", "G3", "G4"] = "G2"
    german_checkbox: bool = False
    require_post_id: bool = False

    def validate(self) -> None:
        super().validate()
        if not self.nonce or not self.nonce.isalnum():
            raise ValueError("nonce must be a non-empty alphanumeric string")
        if self.nonce_style not in ("double", "single", "hidden_input", "json", "js_var", "none"):
            raise ValueError(f"unknown nonce_style {self.nonce_style!r}")
        if self.post_id_style not in ("data_attr", "hidden_input", "json", "js_var", "none"):
            raise ValueError(f"unknown post_id_style {self.post_id_style!r}")
        if self.nonce_error not in NONCE_ERRORS:
            raise ValueError("nonce_error must be one of G1, G2, G3, G4")


def new_nonce() -> str:
    """A WordPress-looking nonce: 10 lower-case hex digits."""
    return secrets.token_hex(5)


class WordPressEmulator(EmulatorBase):
    """One wpaicg site: the chat page at ``/`` and ``POST /wp-admin/admin-ajax.php``."""

    def __init__(self, name: str, options: WordPressOptions, closing: Any, base_url: str) -> None:
        super().__init__(closing)
        self.name = name
        if not options.nonce:
            options.nonce = new_nonce()
        if not options.post_id:
            options.post_id = 100 + secrets.randbelow(9000)
        self.options: WordPressOptions = options
        self.options.validate()
        self.base_url = base_url
        self.decoys = (new_nonce(), new_nonce())

    def rotate_nonce(self) -> str:
        """Replaces the chat nonce; the old one is rejected from now on. Returns the new nonce."""
        with self.lock:
            old = self.options.nonce
            nonce = new_nonce()
            while nonce == old:
                nonce = new_nonce()
            self.options.nonce = nonce
        return nonce

    def handle(self, request: Request) -> Response:
        page = request.method == "GET" and request.path in ("/", "")
        fault = self.take_fault(page)
        self.pause()
        faulted = self.http_fault(fault)
        if faulted is not None:
            return faulted
        if page:
            return Response(200, self.page().encode(), "text/html; charset=UTF-8")
        if request.path == "/wp-admin/admin-ajax.php" and request.method in ("GET", "POST"):
            return self._ajax(request, fault)
        return Response(404, b"<h1>Not Found</h1>", "text/html; charset=UTF-8")

    def page(self) -> str:
        """The chat page HTML for the current options (decoy nonces included)."""
        o = self.options
        q = "'" if o.nonce_style == "single" else '"'
        attrs = [f"data-url={q}{self.base_url}{q}", f"data-bot-id={q}0{q}"]
        if o.nonce_style in ("double", "single"):
            attrs.insert(0, f"data-nonce={q}{o.nonce}{q}")
        if o.post_id_style == "data_attr":
            attrs.insert(1, f"data-post-id={q}{o.post_id}{q}")
        extra: list[str] = []
        if o.nonce_style == "hidden_input":
            extra.append(f'<input type="hidden" name="_wpnonce" value="{o.nonce}">')
        if o.post_id_style == "hidden_input":
            extra.append(f'<input type="hidden" name="post_id" value="{o.post_id}">')
        script: list[str] = []
        if o.nonce_style == "json":
            script.append(
                f'var wpaicg_chat_params = {{"_wpnonce":"{o.nonce}",'
                '"ajax_url":"\\/wp-admin\\/admin-ajax.php"};'
            )
        if o.nonce_style == "js_var":
            script.append(f"var wpaicg_nonce = '{o.nonce}';")
        if o.post_id_style == "json":
            script.append(f'var wpaicg_page = {{"post_id":"{o.post_id}"}};')
        if o.post_id_style == "js_var":
            script.append(f"var post_id = {o.post_id};")
        title = html.escape(f"{self.name} – Chat GPT kostenlos")
        return (
            '<!DOCTYPE html>\n<html lang="de-DE"><head><meta charset="UTF-8">'
            f"<title>{title}</title>\n"
            # decoy 1: the REST API nonce, not the chat nonce
            '<script id="wp-api-request-js-extra">'
            f'var wpApiSettings = {{"root":"{self.base_url}\\/wp-json\\/",'
            f'"nonce":"{self.decoys[0]}","versionString":"wp\\/v2\\/"}};</script>\n'
            "</head><body>\n"
            f'<div class="wpaicg-chat-shortcode" {" ".join(attrs)} data-type="shortcode">\n'
            f"{''.join(extra)}\n"
            '<div class="wpaicg-chat-shortcode-content"><ul class="wpaicg-chat-shortcode-messages">'
            "<li>Hallo! Wie kann ich helfen? ✓</li></ul></div></div>\n"
            f"<script>{' '.join(script)}</script>\n"
            # decoy 2: a newsletter form's nonce, after the chat widget
            f'<form class="newsletter" data-nonce="{self.decoys[1]}"><input name="email"></form>\n'
            "</body></html>\n"
        )

    def _ajax(self, request: Request, fault: str | None) -> Response:
        fields = request.form()
        if fields.get("action") not in ACTIONS:
            return Response(400, b"0", "text/html; charset=UTF-8")
        o = self.options
        nonce_ok = fields.get("_wpnonce") == o.nonce
        if nonce_ok and o.require_post_id:
            nonce_ok = fields.get("post_id") == str(o.post_id)
        if not nonce_ok:
            text = NONCE_ERRORS[o.nonce_error]
            if o.nonce_error == "G4":
                page = f"<!DOCTYPE html><html><body><p>{text}</p></body></html>"
                return Response(403, page.encode(), "text/html; charset=UTF-8")
            return _php(200, {"status": "error", "msg": text})
        message = fields.get("message", "")
        if not message.strip():
            return _php(200, {"status": "error", "msg": EMPTY_MESSAGE})
        data = GERMAN_CHECKBOX if o.german_checkbox else expected_answer(self.name, message)
        body = {"status": "success", "msg": "Something went wrong", "data": data, "log": False}
        if fault == "malformed":
            return Response(
                200, b'{"status":"success","data":"unterminated', "application/json; charset=UTF-8"
            )
        response = _php(200, body)
        if fault == "drop":
            response.drop_after = len(response.body) // 2
        return response


def _php(status: int, value: Any) -> Response:
    return Response(status, php_json(value), "application/json; charset=UTF-8")
