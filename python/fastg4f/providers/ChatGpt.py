"""ChatGpt: chatgpt.com's anonymous backend (legacy single-step sentinel flow)."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from typing import Any, ClassVar

from fastg4f import pow as sentinel_pow
from fastg4f import trace
from fastg4f.errors import (
    ConnectionError,
    ModelNotFoundError,
    ProofOfWorkError,
    RateLimitError,
    ResponseError,
    TimeoutError,
)
from fastg4f.providers._common import (
    UNUSUAL_ACTIVITY,
    check_status,
    fetch_page,
    origin_of,
    read_json,
)
from fastg4f.providers.base_provider import (
    AbstractProvider,
    AsyncGeneratorProvider,
    ProviderModelMixin,
)
from fastg4f.providers.helper import format_conversation
from fastg4f.providers.identity import BrowserIdentity
from fastg4f.providers.types import url_endpoint
from fastg4f.requests import DEFAULT_TIMEOUT, Session, StreamSession, raise_for_status
from fastg4f.stream import ConversationDecoder, aiter_text_deltas
from fastg4f.turnstile import DEFAULT_TIMEOUT as TURNSTILE_TIMEOUT
from fastg4f.turnstile import process_turnstile
from fastg4f.typing import AsyncResult, Cookies, Messages

__all__ = [
    "ChatGpt",
    "ModelNotAvailableError",
    "format_conversation",
    "get_config",
    "get_requirements_token",
    "init_session",
]

# g4f's ChatGpt module helpers, importable from this module as there.
get_config = sentinel_pow.get_config
get_requirements_token = sentinel_pow.get_requirements_token

logger = logging.getLogger("fastg4f.providers.ChatGpt")

_PAGE_HEADERS = {
    "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "accept-language": "en-US,en;q=0.8",
    "cache-control": "no-cache",
    "pragma": "no-cache",
    "sec-fetch-dest": "document",
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "none",
    "sec-fetch-user": "?1",
    "upgrade-insecure-requests": "1",
}

_DATA_BUILD = re.compile(r"""data-build=["']([^"'<>]{1,200})["']""")

_SUGGESTIONS = [
    "Can you help me create a personalized morning routine that would help increase my "
    "productivity throughout the day? Start by asking me about my current habits and what "
    "activities energize me in the morning.",
    "Could you help me plan a relaxing day that focuses on activities for rejuvenation? To "
    "start, can you ask me what my favorite forms of relaxation are?",
    "I have a photoshoot tomorrow. Can you recommend me some colors and outfit options that "
    "will look good on camera?",
    'Make up a 5-sentence story about "Sharky", a tooth-brushing shark superhero. Make each '
    "sentence a bullet point.",
]


class ModelNotAvailableError(ModelNotFoundError, ValueError):
    """ChatGpt has no such model (also a ``ValueError``, as g4f documents)."""


class ChatGpt(AbstractProvider, ProviderModelMixin):
    """chatgpt.com without an account: sentinel proof of work, turnstile, streamed answer.

    Flow (every URL below ``url``, its path included): ``GET url`` (cookies, ``data-build``) →
    requirements token (native PoW) → ``POST backend-anon/sentinel/chat-requirements`` → proof
    of work solved natively off the event loop when required → turnstile program run when
    required → after ``pause`` seconds (awaited, never blocking) ``POST
    backend-anon/conversation`` → the event stream decoded natively (legacy cumulative parts and
    ``delta_encoding`` v1) into text deltas.

    Keyword arguments of every call style: ``proxy`` (one proxy URL for every request),
    ``timeout`` (seconds to connect and the longest wait for data; default 120), ``cookies``
    (sent with every request), ``pause`` (seconds before the conversation request; default
    :attr:`default_pause`, 2 s as in g4f), ``pow_timeout``/``pow_max_attempts`` (proof-of-work
    budget; default :attr:`pow_timeout` 60 s and :attr:`pow_max_attempts` 2**40),
    ``pow_threads`` (solver threads; default all cores).

    Raises:
        ModelNotAvailableError: the model is neither listed nor an alias (a ``ValueError``).
        RateLimitError: HTTP 429 or the "Unusual activity" answer.
        CloudflareError: a Cloudflare challenge page.
        ResponseStatusError: any other HTTP error (the message carries the site's ``detail``).
        ResponseError: an answer fastg4f cannot use (no token, not JSON, a stream that ends
            early or carries only an error).
        ProofOfWorkError, fastg4f.errors.TimeoutError: the proof of work was not solved within
            its budget.
        TurnstileError: the turnstile program is malformed or exceeds a limit.
        ConnectionError: the connection broke (also in the middle of the answer).
    """

    label: ClassVar[str | None] = "ChatGpt"
    url: ClassVar[str | None] = "https://chatgpt.com"
    working: ClassVar[bool] = False
    supports_message_history: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_stream: ClassVar[bool] = True
    default_model: ClassVar[str | None] = "auto"
    models: ClassVar[list[str]] = [
        "auto",
        "gpt-3.5-turbo",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4",
        "gpt-4-turbo",
        "chatgpt-4o-latest",
    ]
    model_aliases: ClassVar[dict[str, str]] = {"gpt-4o": "chatgpt-4o-latest"}

    requirements_endpoint: ClassVar[str] = url_endpoint("backend-anon/sentinel/chat-requirements")
    """``url`` + ``/backend-anon/sentinel/chat-requirements``."""
    conversation_endpoint: ClassVar[str] = url_endpoint("backend-anon/conversation")
    """``url`` + ``/backend-anon/conversation``."""

    identity: ClassVar[BrowserIdentity] = BrowserIdentity(131, "Windows")
    """The browser the requests claim to be (TLS target, user-agent, client hints)."""
    user_agent: ClassVar[str] = identity.user_agent
    """The ``user-agent`` sent and put in the proof-of-work config (default: :attr:`identity`'s)."""
    default_pause: ClassVar[float] = 2.0
    """Seconds awaited before the conversation request when no ``pause`` is given."""
    pow_timeout: ClassVar[float] = 60.0
    """Default wall-clock budget of the proof of work, in seconds."""
    pow_max_attempts: ClassVar[int] = 1 << 40
    """Default nonce budget of the proof of work (g4f gave up after 500 000)."""
    turnstile_timeout: ClassVar[float] = TURNSTILE_TIMEOUT
    """Wall-clock budget of the turnstile program, in seconds (TurnstileError past it)."""

    @classmethod
    def resolve_model(cls, model: str | None) -> str:
        """The backend model slug for ``model`` (:meth:`get_model`'s rule: an empty or unknown
        name gives ``default_model``, ``"auto"``; aliases are resolved).

        Raises:
            ModelNotAvailableError: an alias resolves to a model the provider does not list
                (g4f's documented ``ValueError``).
        """
        try:
            return cls.get_model(model)
        except ModelNotFoundError as exc:
            raise ModelNotAvailableError(
                f"Model '{model}' is not available. Available models: {', '.join(cls.models)}"
            ) from exc

    # The sync and joined call styles are AsyncGeneratorProvider's, derived from
    # create_async_generator (ChatGpt stays an AbstractProvider subclass, as in g4f).
    create_completion = AsyncGeneratorProvider.__dict__["create_completion"]
    create_async = AsyncGeneratorProvider.__dict__["create_async"]

    @classmethod
    def _main_function(cls) -> Callable[..., Any]:
        return cls.create_async_generator

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        proxy: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        cookies: Cookies | None = None,
        pause: float | None = None,
        pow_timeout: float | None = None,
        pow_max_attempts: int | None = None,
        pow_threads: int | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        """Yields the answer: text deltas, or the whole text once with ``stream=False``.

        See the class docstring for the keyword arguments and errors.
        """
        slug = cls.resolve_model(model)
        wait = cls.default_pause if pause is None else pause
        if not wait >= 0:
            raise ValueError(f"pause must be a number of seconds >= 0, got {pause!r}")
        chat_messages = format_conversation(messages)
        base = cls.url_join()
        headers = _api_headers(origin_of(base), cls.url_join("/"), cls.user_agent)
        async with StreamSession(
            name=cls.__name__,
            headers=cls.identity.headers(cls.user_agent),
            cookies=cookies,
            proxy=proxy,
            timeout=timeout,
            impersonate=cls.identity.impersonate,
        ) as session:
            data_build = await cls._load_page(session)
            headers["oai-device-id"] = session.cookies.get("oai-did") or str(uuid.uuid4())
            config = sentinel_pow.get_config(cls.user_agent, data_build=data_build)
            requirements_token = sentinel_pow.get_requirements_token(config)
            challenge = await cls._chat_requirements(session, headers, requirements_token)
            sentinel = await cls._sentinel_headers(
                challenge,
                config,
                requirements_token,
                pow_timeout=cls.pow_timeout if pow_timeout is None else pow_timeout,
                pow_max_attempts=(
                    cls.pow_max_attempts if pow_max_attempts is None else pow_max_attempts
                ),
                pow_threads=pow_threads,
            )
            body = _conversation_body(chat_messages, slug)
            if wait:
                await asyncio.sleep(wait)
            async with session.post(
                cls.conversation_endpoint,
                json=body,
                headers={**headers, **sentinel, "accept": "text/event-stream"},
            ) as response:
                await check_status(response, cls.__name__)
                deltas = cls._deltas(response)
                async with aclosing(deltas):
                    if stream:
                        async for delta in deltas:
                            yield delta
                    else:
                        text = "".join([delta async for delta in deltas])
                        if text:
                            yield text

    @classmethod
    async def _load_page(cls, session: StreamSession) -> str | None:
        """``GET url`` for the cookies; returns the page's ``data-build`` if it has one."""
        html = await fetch_page(session, cls.url_join("/"), cls.__name__, _PAGE_HEADERS)
        match = _DATA_BUILD.search(html)
        return match.group(1) if match else None

    @classmethod
    async def _chat_requirements(
        cls, session: StreamSession, headers: Mapping[str, str], requirements_token: str
    ) -> dict[str, Any]:
        async with session.post(
            cls.requirements_endpoint, json={"p": requirements_token}, headers=dict(headers)
        ) as response:
            await check_status(response, cls.__name__)
            data = await read_json(response, cls.__name__)
        if not isinstance(data, dict):
            raise ResponseError(
                f"{cls.__name__}: chat-requirements answered {type(data).__name__}, not an object"
            )
        detail = data.get("detail")
        if isinstance(detail, str) and UNUSUAL_ACTIVITY in detail:
            raise RateLimitError(
                f"{cls.__name__} refused the request as bot-like: {detail}; wait a while and "
                "retry, use another network or proxy, or another provider"
            )
        if not isinstance(data.get("token"), str) or not data["token"]:
            raise ResponseError(
                f"{cls.__name__}: chat-requirements answered without a token: {str(data)[:300]}"
            )
        return data

    @classmethod
    async def _sentinel_headers(
        cls,
        challenge: Mapping[str, Any],
        config: list[Any],
        requirements_token: str,
        *,
        pow_timeout: float | None,
        pow_max_attempts: int | None,
        pow_threads: int | None,
    ) -> dict[str, str]:
        headers = {"openai-sentinel-chat-requirements-token": str(challenge["token"])}
        proof = _section(challenge, "proofofwork", cls.__name__)
        if proof.get("required"):
            seed, difficulty = proof.get("seed"), proof.get("difficulty")
            if not isinstance(seed, str) or not isinstance(difficulty, str):
                raise ProofOfWorkError(
                    f"{cls.__name__}: proof of work required but the challenge has no "
                    f"seed/difficulty strings: {dict(proof)!r:.200}"
                )
            started = time.perf_counter()
            headers["openai-sentinel-proof-token"] = await cls.solve_proof(
                seed,
                difficulty,
                config,
                max_attempts=pow_max_attempts,
                timeout=pow_timeout,
                threads=pow_threads,
            )
            solve_ms = round((time.perf_counter() - started) * 1000, 1)
            trace.record(cls.__name__, pow_difficulty=difficulty, pow_solve_ms=solve_ms)
        turnstile = _section(challenge, "turnstile", cls.__name__)
        trace.record(cls.__name__, turnstile=bool(turnstile.get("required")))
        if turnstile.get("required"):
            dx = turnstile.get("dx")
            if not isinstance(dx, str):
                raise ResponseError(
                    f"{cls.__name__}: turnstile required but the challenge has no dx string"
                )
            # The VM is bounded but pure Python: run it beside the event loop.
            headers["openai-sentinel-turnstile-token"] = await asyncio.to_thread(
                process_turnstile, dx, requirements_token, timeout=cls.turnstile_timeout
            )
        return headers

    @classmethod
    async def solve_proof(
        cls,
        seed: str,
        difficulty: str,
        config: list[Any],
        *,
        max_attempts: int | None,
        timeout: float | None,
        threads: int | None,
    ) -> str:
        """Solves the proof-of-work challenge; returns the ``openai-sentinel-proof-token``.

        The native solver (:func:`fastg4f.pow.solve_async`: all cores, GIL released, in the
        loop's executor, cancelled with the task). A subclass may override it (a benchmark
        does, to compare solvers).

        Raises:
            ProofOfWorkError: the attempt budget ran out; fastg4f.errors.TimeoutError: the
                timeout passed first; InvalidChallengeError: malformed seed or difficulty.
        """
        solution = await sentinel_pow.solve_async(
            seed, difficulty, config, max_attempts=max_attempts, timeout=timeout, threads=threads
        )
        return solution.token

    @classmethod
    async def _deltas(cls, response: Any) -> AsyncGenerator[str, None]:
        """Text deltas of the conversation stream, with the stream's failures made clear."""
        decoder = ConversationDecoder()
        received = 0
        body = response.iter_content()
        try:
            async with aclosing(body):  # closing the body ends the stream early
                async for delta in aiter_text_deltas(body, decoder=decoder):
                    received += len(delta)
                    yield delta
        except (ConnectionError, TimeoutError) as exc:
            raise type(exc)(
                f"{cls.__name__}: the answer stream broke after {received} characters: {exc}"
            ) from exc
        except ResponseError as exc:
            if type(exc) is not ResponseError:
                raise
            raise ConnectionError(
                f"{cls.__name__}: the answer stream broke after {received} characters: {exc}"
            ) from exc
        upstream = f": the server reported {decoder.error!r}" if decoder.error is not None else ""
        if decoder.error is not None:
            if not received:
                raise ResponseError(
                    f"{cls.__name__}: the answer stream carried no text, only an error: "
                    f"{decoder.error}"
                )
            logger.warning(
                "%s: the answer stream had a bad line (skipped): %s", cls.__name__, decoder.error
            )
        if not decoder.finished and not received:
            raise ResponseError(
                f"{cls.__name__}: the conversation answer ({response.status}, "
                f"{response.headers.get('content-type', 'no content type')}) carried no answer "
                "text; the site may have changed its protocol"
            )
        if not decoder.finished:
            raise ConnectionError(
                f"{cls.__name__}: the answer stream ended before the answer was complete "
                f"({received} characters received){upstream}; retry"
            )


def _section(challenge: Mapping[str, Any], key: str, who: str) -> Mapping[str, Any]:
    value = challenge.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ResponseError(f"{who}: chat-requirements field {key!r} is not an object")
    return value


def _api_headers(origin: str, referer: str, user_agent: str) -> dict[str, str]:
    return {
        "accept": "*/*",
        "accept-language": "en-US,en;q=0.8",
        "content-type": "application/json",
        "oai-language": "en-US",
        "origin": origin,
        "referer": referer,
        "sec-fetch-dest": "empty",
        "sec-fetch-mode": "cors",
        "sec-fetch-site": "same-origin",
        "sec-gpc": "1",
        "user-agent": user_agent,
    }


def _conversation_body(messages: list[dict[str, Any]], model: str) -> dict[str, Any]:
    return {
        "action": "next",
        "messages": messages,
        "parent_message_id": str(uuid.uuid4()),
        "model": model,
        "timezone_offset_min": -120,
        "suggestions": list(_SUGGESTIONS),
        "history_and_training_disabled": False,
        "conversation_mode": {"kind": "primary_assistant"},
        "force_paragen": False,
        "force_paragen_model_slug": "",
        "force_nulligen": False,
        "force_rate_limit": False,
        "reset_rate_limits": False,
        "websocket_request_id": str(uuid.uuid4()),
        "system_hints": [],
        "force_use_sse": True,
        "conversation_origin": None,
        "client_contextual_info": {
            "is_dark_mode": True,
            "time_since_loaded": random.randint(22, 33),
            "page_height": random.randint(600, 900),
            "page_width": random.randint(500, 800),
            "pixel_ratio": 2,
            "screen_height": random.randint(800, 1200),
            "screen_width": random.randint(1200, 2000),
        },
    }


def init_session(
    user_agent: str | None = None,
    *,
    proxy: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    cookies: Cookies | None = None,
) -> Session:
    """A sync session that has loaded ChatGpt's page (g4f's helper): its cookies are set.

    The session claims :attr:`ChatGpt.identity` (TLS target and client hints) with
    ``user_agent`` (default :attr:`ChatGpt.user_agent`); the page is ``ChatGpt.url``. Close the
    session when done (it is a context manager).

    Raises:
        RateLimitError, CloudflareError, ResponseStatusError: the page answered an error status.
        ConnectionError, TimeoutError: transport failures.
    """
    session = Session(
        headers=ChatGpt.identity.headers(user_agent or ChatGpt.user_agent),
        cookies=cookies,
        proxy=proxy,
        timeout=timeout,
        impersonate=ChatGpt.identity.impersonate,
    )
    try:
        response = session.get(ChatGpt.url_join("/"), headers=_PAGE_HEADERS)
        raise_for_status(response)
    except BaseException:
        session.close()
        raise
    return session
