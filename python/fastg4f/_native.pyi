"""Type stubs of the Rust extension ``fastg4f._native`` (hand-written; checked by stubtest)."""

from collections.abc import Iterable, Mapping
from typing import Any, Final

# Must list exactly what the module registers (stubtest checks it).
__all__ = [
    "__version__",
    "build_profile",
    "format_conversation",
    "format_prompt",
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

# --- sse ------------------------------------------------------------------------------------------

# --- conversation ---------------------------------------------------------------------------------
