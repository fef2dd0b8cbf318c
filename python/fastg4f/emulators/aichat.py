"""The Aichat emulator: chat-gpt.org's chat page and its ``/api/text`` endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastg4f.emulators._common import (
    EmulatorBase,
    EmulatorOptions,
    cloudflare_challenge,
    expected_answer,
)
from fastg4f.emulators._http import Request, Response, json_response

__all__ = ["AichatEmulator", "AichatOptions"]

FAILURE_MESSAGE = "Sorry, the AI is busy right now. Please try again."


@dataclass
class AichatOptions(EmulatorOptions):
    """Aichat knobs (plus the common :class:`EmulatorOptions`).

    Attributes:
        required_cookie: Name of the cookie a request must carry; ``None`` accepts any
            non-empty ``Cookie`` header. A request without it gets the 403 Cloudflare page.
        response_false: Answer ``200 {"response": false, "message": …}`` to valid requests.
    """

    required_cookie: str | None = None
    response_false: bool = False


class AichatEmulator(EmulatorBase):
    """Serves the chat page at ``/chat`` and ``POST /api/text``."""

    name = "Aichat"

    def __init__(self, options: AichatOptions, closing: Any) -> None:
        super().__init__(closing)
        self.options: AichatOptions = options
        self.options.validate()

    def handle(self, request: Request) -> Response:
        page = request.method == "GET"
        fault = self.take_fault(page)
        self.pause()
        faulted = self.http_fault(fault)
        if faulted is not None:
            return faulted
        if page and request.path in ("/", "/chat", "/chat/"):
            return Response(
                200,
                "<!DOCTYPE html><html><body><h1>Chat GPT ✓</h1></body></html>".encode(),
                "text/html; charset=utf-8",
            )
        if request.path != "/api/text":
            return json_response(404, {"response": False, "message": "Not found"})
        if request.method != "POST":
            return json_response(405, {"response": False, "message": "Method not allowed"})
        wanted = self.options.required_cookie
        if not request.cookies or (wanted is not None and wanted not in request.cookies):
            return cloudflare_challenge()
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _bad("The request body must be a JSON object.")
        if not isinstance(body, dict):
            return _bad("The request body must be a JSON object.")
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return _bad("'message' must be a non-empty string.")
        for name, low, high in (
            ("temperature", 0, 2),
            ("top_p", 0, 1),
            ("presence_penalty", -2, 2),
            ("frequency_penalty", -2, 2),
        ):
            value = body.get(name, low)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not low <= value <= high
            ):
                return _bad(f"'{name}' must be a number between {low} and {high}.")
        if self.options.response_false:
            return json_response(200, {"response": False, "message": FAILURE_MESSAGE})
        answer = {"response": True, "message": expected_answer("Aichat", message)}
        if fault == "malformed":
            return Response(200, b'{"response": true, "message": "unterminat', "application/json")
        response = json_response(200, answer)
        if fault == "drop":
            response.drop_after = len(response.body) // 2
        return response


def _bad(message: str) -> Response:
    return json_response(400, {"response": False, "message": message})
