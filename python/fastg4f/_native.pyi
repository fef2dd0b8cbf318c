"""Type stubs of the Rust extension ``fastg4f._native`` (hand-written; checked by stubtest)."""

from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, final

# Must list exactly what the module registers (stubtest checks it).
__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "POW_MAX_BYTES_LENGTH",
    "POW_MAX_HASH_BYTES",
    "POW_MAX_HEX_LENGTH",
    "POW_MAX_INPUT_BYTES",
    "POW_MAX_NONCE",
    "POW_MAX_THREADS",
    "SIMD_CHOICES",
    "CancelToken",
    "ConversationDecoder",
    "LineDecoder",
    "SSEDecoder",
    "SearchResult",
    "ServerSentEvent",
    "__version__",
    "available_simd_levels",
    "build_profile",
    "format_conversation",
    "format_prompt",
    "pow_search",
    "sha3_512_lanes",
    "simd_level",
]

__version__: Final[str]
build_profile: Final[str]
"""``"release"`` or ``"debug"``: the Cargo profile the extension was built with."""

# --- format ---------------------------------------------------------------------------------------

def format_prompt(
    messages: Iterable[Mapping[str, Any]],
    add_special_tokens: bool = False,
    do_continue: bool = False,
    include_system: bool = True,
) -> str:
    """Formats a conversation as one prompt text, with g4f's ``format_prompt`` rules.

    A single message (unless ``add_special_tokens``) gives its content text unchanged (the same
    ``str`` object). Otherwise every message becomes a ``"Role: content"`` line (role as
    ``str.capitalize()`` gives it), messages whose content is blank by ``str.strip()`` are skipped,
    ``system``/``developer`` messages are dropped when ``include_system`` is false, lines are joined
    by ``"\\n"`` and ``"\\nAssistant:"`` is appended unless ``do_continue``.

    Content text: a ``str`` as is; ``None`` -> ``""``; a list of parts -> the concatenated
    ``"text"`` of the parts whose ``"type"`` is ``"text"`` (the default); a dict -> its ``"text"``;
    anything else -> ``str(content)``. Any ``str`` works, lone surrogates included.

    Args:
        messages: A list (or any iterable) of dicts with ``"role"`` and ``"content"``.
        add_special_tokens: Format a single message as a line too.
        do_continue: Leave out the ``"\\nAssistant:"`` tail.
        include_system: Keep ``system`` and ``developer`` messages.

    Returns:
        The prompt text.

    Raises:
        ValueError: ``messages`` is empty (g4f raises ``IndexError``), or a message lacks
            ``"role"`` or ``"content"`` (checked for every message, including dropped ones).
        TypeError: ``messages`` is not a list of dicts, a role is not a ``str``, a content part is
            not a dict, or a ``"text"`` is neither ``str`` nor ``None``.
    """

def format_conversation(messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Turns messages into the ChatGPT backend's message objects.

    Each message becomes ``{"id": <uuid4 str>, "author": {"role": role}, "content":
    {"content_type": "text", "parts": [text]}, "metadata": {"serialization_metadata":
    {"custom_symbol_offsets": []}}, "create_time": round(time.time(), 3)}`` where ``text`` follows
    the content rules of :func:`format_prompt`. Every message is kept (blank and system ones too).
    The ids come from the operating system's random source (as ``uuid.uuid4()``); all messages of
    one call share one ``create_time``.

    Args:
        messages: A list (or any iterable) of dicts with ``"role"`` and ``"content"``.

    Returns:
        A new list of new dicts (an empty list for no messages).

    Raises:
        ValueError: A message lacks ``"role"`` or ``"content"``.
        TypeError: As for :func:`format_prompt`.
        OSError: The operating system's random source failed.
    """

# --- pow ------------------------------------------------------------------------------------------

simd_level: Final[str]
"""Default Keccak kernel: ``"avx512"``, ``"avx2"`` or ``"portable"`` (best the CPU supports, capped
by the ``FASTG4F_SIMD`` environment variable, read once at import); ``"invalid"`` when that variable
holds a value outside :data:`SIMD_CHOICES` (searches without ``simd=`` then raise ``ValueError``
naming the valid values)."""
SIMD_CHOICES: Final[tuple[str, ...]]
"""The accepted values of ``simd=`` and ``FASTG4F_SIMD``: ``"auto"``, ``"portable"``, ``"avx2"``,
``"avx512"``."""
POW_MAX_INPUT_BYTES: Final[int]
"""Largest seed, and largest total of the JSON pieces, :func:`pow_search` accepts (1 MiB)."""
POW_MAX_HASH_BYTES: Final[int]
"""Largest total of the messages of one :func:`sha3_512_lanes` call (64 MiB)."""
POW_MAX_NONCE: Final[int]
"""Largest ``limit`` of :func:`pow_search` (2**62)."""
POW_MAX_THREADS: Final[int]
"""Largest ``threads`` of :func:`pow_search` (1024)."""
POW_MAX_HEX_LENGTH: Final[int]
"""Largest ``length`` of rule ``"hex"`` (128, the hex digits of a SHA3-512 digest)."""
POW_MAX_BYTES_LENGTH: Final[int]
"""Largest ``length`` of rule ``"bytes"`` (64, the bytes of a SHA3-512 digest)."""

def available_simd_levels() -> list[str]:
    """The SIMD levels this CPU supports, weakest first (always starts with ``"portable"``)."""

def sha3_512_lanes(messages: list[bytes], simd: str) -> list[bytes]:
    """SHA3-512 of each message, hashed several at a time by the kernel of ``simd``.

    A test hook for the kernels: ``simd`` is one of :data:`SIMD_CHOICES`; at most
    :data:`POW_MAX_HASH_BYTES` in total. Raises ``ValueError`` for an unsupported level.
    """

@final
class CancelToken:
    """A flag that stops the searches it is passed to (thread-safe; never reset)."""

    def __new__(cls) -> CancelToken: ...
    def cancel(self) -> None:
        """Asks every search using this token to stop."""

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""

@final
class SearchResult:
    """The outcome of :func:`pow_search`."""

    @property
    def status(self) -> Literal["found", "exhausted", "timeout", "cancelled"]:
        """How the search ended."""

    @property
    def nonce(self) -> int | None:
        """The smallest satisfying nonce, when found."""

    @property
    def answer(self) -> str | None:
        """Base64 of the JSON of ``nonce``, when found."""

    @property
    def attempts(self) -> int:
        """``nonce - start + 1`` when found, ``limit - start`` when exhausted, else hashed."""

    @property
    def hashed(self) -> int:
        """Messages hashed by all threads (lanes of a batch count individually)."""

    @property
    def elapsed(self) -> float:
        """Wall time in seconds."""

    @property
    def simd(self) -> str:
        """Kernel used."""

    @property
    def threads(self) -> int:
        """Threads used."""

def pow_search(
    seed: bytes,
    pieces: list[bytes],
    rule: Literal["hex", "bytes"],
    target: bytes,
    length: int,
    *,
    start: int = 0,
    limit: int,
    timeout: float | None = None,
    threads: int | None = None,
    simd: str | None = None,
    cancel: CancelToken | None = None,
) -> SearchResult:
    """Finds the smallest nonce in ``start..limit`` whose message satisfies the rule.

    The message of nonce ``i`` is ``seed + base64(json)`` with ``json = pieces[0] + str(i) +
    pieces[1]`` (two pieces) or ``... + pieces[1] + str(i >> 1) + pieces[2]`` (three pieces). Rule
    ``"hex"``: ``hex(digest)[:length] <= target`` (``length <= 128``); ``"bytes"``:
    ``digest[:length] <= target`` (``length <= 64``); bytewise comparisons. Limits (module
    constants): seed and pieces at most :data:`POW_MAX_INPUT_BYTES` each in total, ``start <=
    limit <=`` :data:`POW_MAX_NONCE`, threads 1.. :data:`POW_MAX_THREADS` (default: all cores),
    ``timeout`` finite and >= 0 (one too large to represent as a deadline means none). Releases
    the GIL; Ctrl-C stops it within ~20 ms plus one batch and raises ``KeyboardInterrupt``. Raises
    ``ValueError`` for bad arguments.
    """

# --- sse ------------------------------------------------------------------------------------------

DEFAULT_MAX_LINE_BYTES: Final[int]
"""Default limit of one line of a ``LineDecoder``, in bytes (16 MiB)."""
DEFAULT_MAX_EVENT_BYTES: Final[int]
"""Default limit of one server-sent event (and of each of its lines), in bytes (16 MiB)."""

@final
class ServerSentEvent:
    """One server-sent event (immutable, hashable, compared by value)."""

    def __new__(
        cls, event: str = "message", data: str = "", id: str = "", retry: int | None = None
    ) -> ServerSentEvent: ...
    @property
    def event(self) -> str:
        """The event type; ``"message"`` unless an ``event:`` field set another."""
    @property
    def data(self) -> str:
        """The ``data`` lines joined with ``"\\n"``."""
    @property
    def id(self) -> str:
        """The last-event-ID buffer at dispatch (it persists across events); ``""`` if never set."""
    @property
    def retry(self) -> int | None:
        """The reconnection time (ms) given in this event's block, if any."""
    def json(self) -> Any:
        """``json.loads(self.data)``."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SSEDecoder:
    """Incremental WHATWG ``text/event-stream`` decoder.

    One leading BOM is stripped; lines end with CRLF, LF or CR (also across chunks); comments and
    unknown fields are ignored; ``id`` with NUL is ignored; ``retry`` only counts when all ASCII
    digits (and at most 2**64 - 1); invalid UTF-8 becomes U+FFFD. Any chunking gives the same
    events. Not meant for concurrent use from several threads: calls are serialised by a lock (a
    ``bytearray`` in 64 KiB pieces). After ``os.fork()`` while another thread was inside a call,
    the child's decoder raises ``StreamDecodeError`` instead of waiting for a thread that does not
    exist there; the parent's decoder is unaffected. Chunks of 1 KiB or more are decoded with the
    GIL released, and every chunk once the decoder holds 64 KiB or more (a long unfinished event,
    long documents): a few bytes can then cost time in proportion to what it holds.

    Args:
        max_event_bytes: Largest accepted line and event (data plus type) in bytes; the decoder
            buffers at most about this much. Default ``DEFAULT_MAX_EVENT_BYTES`` (16 MiB).

    Raises:
        ValueError: ``max_event_bytes`` is not positive.
    """

    def __new__(cls, max_event_bytes: int = ...) -> SSEDecoder: ...
    def feed(self, data: bytes | bytearray) -> list[ServerSentEvent]:
        """Decodes a chunk and returns the events it completes.

        Raises:
            StreamDecodeError: A line or event exceeds ``max_event_bytes``; the decoder is then
                unusable.
            TypeError: ``data`` is not bytes or bytearray.
        """
    def flush(self) -> list[ServerSentEvent]:
        """Ends the stream; an unterminated final event is discarded (spec), so this returns ``[]``.

        The decoder can then decode a new stream; ``last_event_id`` and ``retry`` are kept.
        """
    @property
    def max_event_bytes(self) -> int:
        """The event limit in bytes."""
    @property
    def last_event_id(self) -> str:
        """The last-event-ID buffer (what a reconnect sends as ``Last-Event-ID``)."""
    @property
    def retry(self) -> int | None:
        """The last valid ``retry`` value of the stream (ms), if any."""

@final
class LineDecoder:
    """Incremental line splitter on LF, CR and CRLF (a CR ending one chunk and an LF starting the
    next are one line break). Lines are bytes without their terminator. Threads and ``fork``: as
    for ``SSEDecoder``.

    Args:
        max_line_bytes: Largest accepted line in bytes (default ``DEFAULT_MAX_LINE_BYTES``,
            16 MiB).

    Raises:
        ValueError: ``max_line_bytes`` is not positive.
    """

    def __new__(cls, max_line_bytes: int = ...) -> LineDecoder: ...
    def feed(self, data: bytes | bytearray) -> list[bytes]:
        """Splits a chunk and returns the lines it completes.

        Raises:
            StreamDecodeError: A line exceeds ``max_line_bytes``; the decoder is then unusable.
            TypeError: ``data`` is not bytes or bytearray.
        """
    def flush(self) -> list[bytes]:
        """Ends the stream: returns the unterminated last line (if any) and resets."""
    @property
    def max_line_bytes(self) -> int:
        """The line limit in bytes."""

# --- conversation ---------------------------------------------------------------------------------

DEFAULT_MAX_DOCUMENT_BYTES: Final[int]
"""Default limit of the v1 message documents a ``ConversationDecoder`` keeps, in bytes (64 MiB)."""
DEFAULT_MAX_DEPTH: Final[int]
"""Default limit of the nesting of a v1 message document, in levels (128)."""

@final
class ConversationDecoder:
    """ChatGPT web conversation stream decoder: raw response bytes in, assistant text deltas out.

    Recognises the legacy cumulative format and ``delta_encoding`` v1 (carried-forward
    ``c``/``p``/``o``, ``patch`` batches, ``add``/``append``/``replace``/``truncate``/``remove``).
    Answer text is ``message.content.parts[0]`` of a visible assistant message with recipient
    ``all``, content type ``text`` and channel ``final`` (or none); system, user and tool messages,
    reasoning and metadata are not text.

    Edits: if a new text does not start with the text already emitted for its message, nothing is
    emitted until a later text starts with it again, then only the new suffix. The concatenation
    of the deltas equals the final text whenever that extends what was emitted; emitted text is
    never repeated.

    Cost: every operation of the stream costs time in proportion to its own size (amortised), so
    a ``feed`` is bounded by the size of its chunk. The few operations whose cost depends on the
    documents (rewriting the answer text other than by ``append``/``truncate``, changing a message
    id, inserting at the front of a long array, truncating a string other than the answer) may
    re-read at most 8 times the bytes received plus 16 MiB in total; past that the stream is
    refused with ``StreamDecodeError``. Threads and ``fork``: as for ``SSEDecoder``.

    Args:
        max_event_bytes: Largest accepted SSE line and event in bytes (default
            ``DEFAULT_MAX_EVENT_BYTES``, 16 MiB).
        max_document_bytes: Largest total size of the v1 message documents kept (JSON added by
            ``add``/``append``/``replace``, counted conservatively; a new message on a channel
            resets its count). Default ``DEFAULT_MAX_DOCUMENT_BYTES`` (64 MiB).
        max_depth: Deepest nesting of a v1 message document (objects and arrays within each
            other); an operation that would nest a value deeper (the levels of its pointer plus
            those of its value, one more for ``append``) is refused. Default
            ``DEFAULT_MAX_DEPTH`` (128, as deep as one event's JSON may nest).
        coalesce: Join the deltas of one ``feed`` call into one string (default): fewer Python
            objects and the fastest path; the concatenation is the same for any chunking.
            ``False`` returns one delta per text-changing event, the same list for any chunking.

    Raises:
        ValueError: A limit is not positive.
    """

    def __new__(
        cls,
        *,
        max_event_bytes: int = ...,
        max_document_bytes: int = ...,
        max_depth: int = ...,
        coalesce: bool = True,
    ) -> ConversationDecoder: ...
    def feed(self, data: bytes | bytearray) -> list[str]:
        """Decodes a chunk and returns the non-empty text deltas it completes.

        Raises:
            StreamDecodeError: A limit was exceeded (or the re-read budget); the decoder is then
                unusable.
            TypeError: ``data`` is not bytes or bytearray.
        """
    def flush(self) -> list[str]:
        """Ends the stream; an unterminated final event is discarded, as in SSE."""
    @property
    def conversation_id(self) -> str | None:
        """The conversation id, once seen."""
    @property
    def message_id(self) -> str | None:
        """The id of the latest assistant answer message, once seen."""
    @property
    def title(self) -> str | None:
        """The generated title (``title_generation`` event), once seen."""
    @property
    def finished(self) -> bool:
        """Completion seen: the answer's ``end_turn``/``finished_successfully``,
        ``message_stream_complete`` or ``[DONE]``."""
    @property
    def error(self) -> str | None:
        """The first problem the stream reported: an ``{"error": ...}`` event or non-JSON data."""
    @property
    def delta_encoding(self) -> str | None:
        """``"v1"`` once the stream declared delta encoding v1."""
    @property
    def max_event_bytes(self) -> int:
        """The SSE line/event limit in bytes."""
    @property
    def max_document_bytes(self) -> int:
        """The v1 document limit in bytes."""
    @property
    def max_depth(self) -> int:
        """The v1 document nesting limit in levels."""
    @property
    def coalesce(self) -> bool:
        """Whether the deltas of one call are joined."""
