"""Type stubs of the Rust extension ``fastg4f._native`` (hand-written; checked by stubtest)."""

from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, final

# Must list exactly what the module registers (stubtest checks it).
__all__ = [
    "CancelToken",
    "SearchResult",
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
by the ``FASTG4F_SIMD`` environment variable, read once at import)."""

def available_simd_levels() -> list[str]:
    """The SIMD levels this CPU supports, weakest first (always starts with ``"portable"``)."""

def sha3_512_lanes(messages: list[bytes], simd: str) -> list[bytes]:
    """SHA3-512 of each message, hashed several at a time by the kernel of ``simd``.

    A test hook for the kernels: ``simd`` is ``"portable"``, ``"avx2"``, ``"avx512"`` or
    ``"auto"``; at most 64 MiB in total. Raises ``ValueError`` for an unsupported level.
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
    ``digest[:length] <= target`` (``length <= 64``); bytewise comparisons. Limits: seed and
    pieces at most 1 MiB each in total, ``start <= limit <= 2**62``, threads 1..1024 (default:
    all cores), ``timeout`` finite and >= 0. Releases the GIL; Ctrl-C stops it within ~20 ms plus
    one batch and raises ``KeyboardInterrupt``. Raises ``ValueError`` for bad arguments.
    """

# --- sse ------------------------------------------------------------------------------------------

# --- conversation ---------------------------------------------------------------------------------
