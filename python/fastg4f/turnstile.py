"""The ChatGPT sentinel turnstile VM: decode a ``dx`` challenge and run it to a turnstile token.

The program is untrusted input, so the VM is bounded on every axis (see :func:`process_turnstile`).
Semantics: the legacy opcode table (g4f's ``process_turnstile``) with register 9 run as a queue, so
an instruction that loads a new program into register 9 continues with it (a second-stage program).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import random
import time
from collections.abc import Callable
from typing import Any

from fastg4f.errors import TurnstileError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_DX_CHARS",
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_MAX_STRING_CHARS",
    "DEFAULT_MAX_WORK",
    "DEFAULT_TIMEOUT",
    "LOCAL_STORAGE_KEYS",
    "RENDER_CHARS",
    "OrderedMap",
    "decode_program",
    "encode_program",
    "process_turnstile",
    "to_str",
    "xor_str",
]

DEFAULT_MAX_STEPS = 50_000
"""Instructions executed per run (every stage together)."""
DEFAULT_MAX_WORK = 20_000_000
"""Total characters/items processed by all instructions of one run (bounds the run time)."""
DEFAULT_MAX_STRING_CHARS = 1_000_000
"""Length of any string value, the decoded program text included."""
DEFAULT_MAX_ITEMS = 10_000
"""Items of any list, map or program."""
DEFAULT_MAX_DEPTH = 64
"""Nesting depth of lists/maps inspected by the VM."""
DEFAULT_MAX_DX_CHARS = 4_000_000
"""Length of the ``dx`` argument itself."""
DEFAULT_TIMEOUT = 10.0
"""Wall-clock seconds one run may take (decoding included)."""
RENDER_CHARS = 80
"""Characters of a program value quoted in an error message (the rest is cut, never built)."""

LOCAL_STORAGE_KEYS = (
    "STATSIG_LOCAL_STORAGE_INTERNAL_STORE_V4",
    "STATSIG_LOCAL_STORAGE_STABLE_ID",
    "client-correlated-secret",
    "oai/apps/capExpiresAt",
    "oai-did",
    "STATSIG_LOCAL_STORAGE_LOGGING_REQUEST",
    "UiState.isNavigationCollapsed.1",
)
"""What ``window.Object.keys(window.localStorage)`` returns inside the VM (op 17)."""

_SPECIAL_STRINGS = {
    "window.Math": "[object Math]",
    "window.Reflect": "[object Reflect]",
    "window.performance": "[object Performance]",
    "window.localStorage": "[object Storage]",
    "window.Object": "function Object() { [native code] }",
    "window.Reflect.set": "function set() { [native code] }",
    "window.performance.now": "function () { [native code] }",
    "window.Object.create": "function create() { [native code] }",
    "window.Object.keys": "function keys() { [native code] }",
    "window.Math.random": "function random() { [native code] }",
}

_MODULE_START_NS = time.time_ns()

# opcode -> (min args, max args or None for unbounded)
_ARITY: dict[int, tuple[int, int | None]] = {
    1: (2, 2),
    2: (2, 2),
    3: (1, 1),
    5: (2, 2),
    6: (3, 3),
    7: (1, None),
    8: (2, 2),
    14: (2, 2),
    15: (2, 2),
    17: (2, None),
    18: (1, 1),
    19: (1, 1),
    20: (3, None),
    21: (0, None),
    23: (2, None),
    24: (3, 3),
}


class _Handler:
    """A built-in opcode handler stored in a register (copyable like any value)."""

    __slots__ = ("opcode",)

    def __init__(self, opcode: int) -> None:
        self.opcode = opcode

    def __repr__(self) -> str:
        return "function () { [native code] }"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Handler) and other.opcode == self.opcode

    def __hash__(self) -> int:
        return hash(("_Handler", self.opcode))


class OrderedMap:
    """The object ``window.Object.create()`` returns inside the VM; ``to_str`` gives its JSON."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def __str__(self) -> str:
        return json.dumps(self.items)

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OrderedMap) and other.items == self.items

    __hash__ = None  # type: ignore[assignment]


_CONTAINERS = (list, dict, OrderedMap)


def xor_str(text: str, key: str) -> str:
    """XORs ``text`` with ``key`` code point by code point (the key repeats; empty key = identity).

    Raises:
        TurnstileError: a resulting code point is above U+10FFFF.
    """
    if not key or not text:
        return text
    n = len(text)
    stretched = (key * -(-n // len(key)))[:n]
    # One big-integer XOR over the UTF-32 code units: linear time in C, not a Python loop.
    a = int.from_bytes(text.encode("utf-32-le", "surrogatepass"), "little")
    b = int.from_bytes(stretched.encode("utf-32-le", "surrogatepass"), "little")
    try:
        return (a ^ b).to_bytes(4 * n, "little").decode("utf-32-le", "surrogatepass")
    except UnicodeDecodeError:
        raise TurnstileError(
            "XOR produced a code point above U+10FFFF; the key does not match this data"
        ) from None


def to_str(value: Any) -> str:
    """String conversion of the VM (legacy rules; see PROTOCOLS.md §1.5.2).

    ``None`` → ``"undefined"``, float → ``format(v, ".16g")``, a few ``window.*`` names → their
    browser ``toString``, a list of strings → comma-joined, anything else → Python ``str()``.
    This function is unbounded; the VM checks sizes before calling it.
    """
    if value is None:
        return "undefined"
    if isinstance(value, float):
        return format(value, ".16g")
    if isinstance(value, str):
        return _SPECIAL_STRINGS.get(value, value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return str(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> Any:
    """Strict JSON (no NaN/Infinity), with recursion errors turned into ValueError."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def encode_program(program: list[Any], p: str) -> str:
    """Encodes an instruction list as a ``dx`` string for requirements token ``p``.

    The inverse of :func:`decode_program`; emulators use it to build challenges.
    """
    text = json.dumps(program, separators=(",", ":"))  # ASCII only: the XOR stays below U+0080
    return base64.b64encode(xor_str(text, p).encode("utf-8")).decode("ascii")


def decode_program(
    dx: str,
    p: str,
    *,
    max_dx_chars: int = DEFAULT_MAX_DX_CHARS,
    max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> list[list[Any]]:
    """Decodes ``dx`` (base64 → UTF-8 → code-point XOR with ``p`` → JSON) into an instruction list.

    Raises:
        TurnstileError: ``dx`` is not base64 / UTF-8 / JSON after the XOR, is not a list of
            non-empty lists, or exceeds a limit.
    """
    if not isinstance(dx, str) or not isinstance(p, str):
        raise TurnstileError("dx and p must both be str")
    if len(dx) > max_dx_chars:
        raise TurnstileError(f"dx is {len(dx)} characters long; the limit is {max_dx_chars}")
    try:
        raw = base64.b64decode(dx.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise TurnstileError("dx is not valid standard base64") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TurnstileError("dx does not decode to UTF-8 text") from None
    if len(text) > max_string_chars:
        raise TurnstileError(
            f"the decoded program is {len(text)} characters; the limit is {max_string_chars}"
        )
    try:
        program = _loads(xor_str(text, p))
    except ValueError:
        raise TurnstileError(
            "dx does not decode to JSON with this requirements token p "
            "(pass the full token, including its 'gAAAAAC' prefix)"
        ) from None
    _check_program(program, max_items, max_depth)
    return program  # type: ignore[no-any-return]


def _check_program(program: Any, max_items: int, max_depth: int) -> None:
    if not isinstance(program, list):
        raise TurnstileError(
            f"a turnstile program must be a JSON list, got {type(program).__name__}"
        )
    if len(program) > max_items:
        raise TurnstileError(
            f"the program has {len(program)} instructions; the limit is {max_items}"
        )
    _check_shape(program, max_items, max_depth)


def _check_shape(value: Any, max_items: int, max_depth: int) -> None:
    """Checks container sizes and nesting depth iteratively (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= max_depth:
                raise TurnstileError(f"a value is nested deeper than {max_depth} levels")
            if len(item) > max_items:
                raise TurnstileError(
                    f"a list or map has {len(item)} items; the limit is {max_items}"
                )
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth + 1) for c in children)


class _VM:
    def __init__(
        self,
        p: str,
        program: list[Any],
        *,
        max_steps: int,
        max_work: int,
        max_string_chars: int,
        max_items: int,
        max_depth: int,
        clock: Callable[[], float],
        rng: Callable[[], float],
        deadline: float | None,
    ) -> None:
        self.max_steps = max_steps
        self.max_work = max_work
        self.max_string_chars = max_string_chars
        self.max_items = max_items
        self.max_depth = max_depth
        self.clock = clock
        self.rng = rng
        self.deadline = deadline
        self.work = 0
        self.result = ""
        self.regs: dict[Any, Any] = {op: _Handler(op) for op in _ARITY}
        self.regs[9] = program
        self.regs[10] = "window"
        self.regs[16] = p

    # -- budget and value checks -------------------------------------------------------------
    def charge(self, units: int) -> None:
        self.work += units
        if self.work > self.max_work:
            raise TurnstileError(f"the program exceeded the work budget of {self.max_work} units")
        _check_deadline(self.deadline)

    def weight(self, value: Any) -> int:
        """Nodes + string characters of ``value`` written out; charged as work.

        For what is about to be rendered or compared (work proportional to the written size).
        """
        size, _ = self.measure(value)
        self.charge(size)
        return size

    def measure(self, value: Any) -> tuple[int, int]:
        """``(size written out, distinct nodes and edges visited)`` of ``value``.

        Shared sub-values are measured once (the walk costs the distinct structure, not the
        written size). Raises :class:`TurnstileError` past the depth or the string limit, and
        for a cycle (an object set into itself), whose written form would be endless.
        """
        if not isinstance(value, (list, dict, OrderedMap)):
            return _leaf_size(value), 1
        done: dict[int, tuple[int, int]] = {}  # id -> (written size, height)
        walking: set[int] = set()
        # (container, its children once walked into): the children are listed once per visit.
        stack: list[tuple[Any, list[Any] | None]] = [(value, None)]
        visited = 0
        while stack:
            item, walked = stack.pop()
            key = id(item)
            children = _children(item) if walked is None else walked
            visited += 1 + len(children)
            if not visited & 0xFFF:
                _check_deadline(self.deadline)
            if walked is not None:
                size, height = 1, 0
                for child in children:
                    if isinstance(child, str):
                        size += 1 + len(child)
                    elif isinstance(child, _CONTAINERS):
                        child_size, child_height = done[id(child)]
                        size += child_size
                        if child_height > height:
                            height = child_height
                    else:
                        size += 1
                walking.discard(key)
                if height >= self.max_depth:
                    raise TurnstileError(f"a value is nested deeper than {self.max_depth} levels")
                if size > self.max_string_chars:
                    raise TurnstileError(
                        f"a value is larger than the limit of {self.max_string_chars} "
                        "characters (written out)"
                    )
                done[key] = (size, height + 1)
            elif key not in done:
                if key in walking:
                    raise TurnstileError(
                        f"a value contains itself (nested deeper than {self.max_depth} levels)"
                    )
                walking.add(key)
                stack.append((item, children))
                for c in children:
                    if isinstance(c, _CONTAINERS) and id(c) not in done:
                        stack.append((c, None))
        return done[id(value)][0], visited

    def text(self, value: Any) -> str:
        """``to_str`` with its cost charged and its size bounded before it is computed."""
        if not isinstance(value, (str, float, int, bool)) and value is not None:
            self.weight(value)
        s = to_str(value)
        self.store_check(s)
        return s

    def store_check(self, value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > self.max_string_chars:
                raise TurnstileError(
                    f"a string grew to {len(value)} characters; "
                    f"the limit is {self.max_string_chars}"
                )
            self.charge(len(value))
        elif isinstance(value, list):
            if len(value) > self.max_items:
                raise TurnstileError(
                    f"a list grew to {len(value)} items; the limit is {self.max_items}"
                )
            # Nodes and characters as if written out: a list sharing one sub-list on every level
            # is small in memory but exponential as text, so it is refused here.
            self.charge(self.measure(value)[1])
        return value

    @staticmethod
    def key(raw: Any) -> Any:
        # bool is an int in Python and would alias registers 0/1, so it is refused like the rest.
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise TurnstileError(
                f"register keys must be numbers or strings, got {_render(raw, 40)}"
            )
        if isinstance(raw, float) and not math.isfinite(raw):
            raise TurnstileError("register keys must be finite numbers")
        return raw

    def get(self, raw: Any) -> Any:
        return self.regs.get(self.key(raw))

    def set(self, raw: Any, value: Any) -> None:
        self.regs[self.key(raw)] = self.store_check(value)

    # -- execution -----------------------------------------------------------------------------
    def run(self) -> str:
        steps = 0
        while True:
            queue = self.regs.get(9)
            if not queue:
                break
            if not isinstance(queue, list):
                raise TurnstileError(
                    f"register 9 must hold the instruction list, got {type(queue).__name__}"
                )
            steps += 1
            if steps > self.max_steps:
                raise TurnstileError(f"the program exceeded the budget of {self.max_steps} steps")
            instruction = queue.pop(0)
            self.charge(1)
            try:
                self.execute(instruction)
            except TurnstileError as exc:
                raise TurnstileError(f"instruction {steps} {_short(instruction)}: {exc}") from None
            except RecursionError:
                raise TurnstileError(
                    f"instruction {steps} {_short(instruction)}: a value is nested too deeply"
                ) from None
            except (ValueError, TypeError, UnicodeError, binascii.Error, OverflowError) as exc:
                raise TurnstileError(f"instruction {steps} {_short(instruction)}: {exc}") from None
        return self.result

    def execute(self, instruction: Any) -> None:
        if not isinstance(instruction, list) or not instruction:
            raise TurnstileError("an instruction must be a non-empty list [opcode, args...]")
        op, args = instruction[0], instruction[1:]
        handler = self.get(op)
        if not isinstance(handler, _Handler):
            return  # unset or data register: skipped, as the legacy VM does
        self.call(handler, args)

    def call(self, handler: _Handler, args: list[Any]) -> None:
        low, high = _ARITY[handler.opcode]
        if len(args) < low or (high is not None and len(args) > high):
            want = str(low) if low == high else f"at least {low}"
            raise TurnstileError(f"opcode {handler.opcode} takes {want} arguments, got {len(args)}")
        getattr(self, f"op{handler.opcode}")(*args)

    def op1(self, e: Any, t: Any) -> None:
        self.set(e, xor_str(self.text(self.get(e)), self.text(self.get(t))))

    def op2(self, e: Any, v: Any) -> None:
        self.set(e, v)

    def op3(self, x: Any) -> None:
        if not isinstance(x, str):
            raise TurnstileError(f"resolve (opcode 3) needs a string, got {type(x).__name__}")
        self.charge(len(x))
        self.result = base64.b64encode(x.encode("utf-8")).decode("ascii")

    def op5(self, e: Any, t: Any) -> None:
        n, v = self.get(e), self.get(t)
        if n is None:
            self.set(e, v)
        elif isinstance(n, list):
            self.set(e, n if v is None else [*n, v])
        elif isinstance(n, str) or isinstance(v, str):
            self.set(e, self.text(n) + self.text(v))
        elif isinstance(n, float) and isinstance(v, float):
            self.set(e, n + v)
        else:
            self.set(e, "NaN")

    def _prop(self, e: Any, t: Any, n: Any, location: bool) -> None:
        tv, nv = self.get(t), self.get(n)
        if isinstance(tv, str) and isinstance(nv, str):
            res = f"{tv}.{nv}"
            if location and res == "window.document.location":
                res = "https://chatgpt.com/"
            self.set(e, res)

    def op6(self, e: Any, t: Any, n: Any) -> None:
        self._prop(e, t, n, location=True)

    def op24(self, e: Any, t: Any, n: Any) -> None:
        self._prop(e, t, n, location=False)

    def op7(self, e: Any, *a: Any) -> None:
        args = [self.get(x) for x in a]
        target = self.get(e)
        if target == "window.Reflect.set":
            if len(args) < 3 or not isinstance(args[0], OrderedMap):
                raise TurnstileError(
                    "window.Reflect.set needs (object from Object.create, key, value)"
                )
            obj = args[0]
            if len(obj.items) >= self.max_items:
                raise TurnstileError(f"an object grew past {self.max_items} entries")
            key = str(args[1]) if not isinstance(args[1], (list, dict, OrderedMap)) else None
            if key is None:
                key = self.text(args[1])
            self.charge(len(key) + self.measure(args[2])[1])
            obj.items[key] = args[2]
        elif isinstance(target, _Handler):
            self.call(target, args)

    def op8(self, e: Any, t: Any) -> None:
        self.set(e, self.get(t))

    def op14(self, e: Any, t: Any) -> None:
        tv = self.get(t)
        value = None
        if isinstance(tv, str):
            self.charge(len(tv))
            try:
                value = _loads(tv)
            except ValueError:
                value = None
            else:
                _check_shape(value, self.max_items, self.max_depth)
        self.set(e, value)

    def op15(self, e: Any, t: Any) -> None:
        tv = self.get(t)
        self.weight(tv)
        if isinstance(tv, (OrderedMap, _Handler)):
            raise TurnstileError(f"JSON.stringify cannot serialise {type(tv).__name__}")
        self.set(e, json.dumps(tv))

    def op17(self, e: Any, t: Any, *a: Any) -> None:
        args = [self.get(x) for x in a]
        target = self.get(t)
        res: Any = None
        if target == "window.performance.now":
            res = self.clock()
        elif target == "window.Object.create":
            res = OrderedMap()
        elif target == "window.Object.keys":
            if not args:
                raise TurnstileError("window.Object.keys needs an argument")
            if args[0] == "window.localStorage":
                res = list(LOCAL_STORAGE_KEYS)
        elif target == "window.Math.random":
            res = self.rng()
        elif isinstance(target, _Handler):
            # handlers return nothing in the legacy VM, so the register ends up undefined
            self.call(target, args)
        self.set(e, res)

    def op18(self, e: Any) -> None:
        s = self.text(self.get(e))
        try:
            decoded = base64.b64decode(s).decode("utf-8")
        except (binascii.Error, ValueError):
            raise TurnstileError("atob (opcode 18): the value is not base64 of UTF-8") from None
        self.set(e, decoded)

    def op19(self, e: Any) -> None:
        s = self.text(self.get(e))
        self.set(e, base64.b64encode(s.encode("utf-8")).decode("ascii"))

    def op20(self, e: Any, t: Any, n: Any, *a: Any) -> None:
        args = [self.get(x) for x in a]
        ev, tv = self.get(e), self.get(t)
        self.weight(ev)
        if ev == tv:
            target = self.get(n)
            if isinstance(target, _Handler):
                self.call(target, args)

    def op21(self, *_: Any) -> None:
        return None

    def op23(self, e: Any, t: Any, *a: Any) -> None:
        target = self.get(t)
        if self.get(e) is not None and isinstance(target, _Handler):
            self.call(target, list(a))


def _short(instruction: Any) -> str:
    return _render(instruction, RENDER_CHARS)


def _render(value: Any, limit: int) -> str:
    """JSON-like text of ``value``, cut at ``limit`` characters (then ``...``).

    Iterative, and it stops as soon as the limit is reached: its cost is O(limit) whatever the
    value's size, sharing or nesting (``json.dumps`` of a list that shares one sub-list through
    every level would expand it exponentially).
    """
    out: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, _Token):
            piece = item.text
        elif isinstance(item, (list, tuple)):
            stack.append(_CLOSE_LIST)
            for i in range(len(item) - 1, -1, -1):
                stack.append(item[i])
                if i:
                    stack.append(_COMMA)
            piece = "["
        elif isinstance(item, (dict, OrderedMap)):
            entries = item.items if isinstance(item, OrderedMap) else item
            stack.append(_CLOSE_MAP)
            keys = list(itertools.islice(entries, limit))
            for i in range(len(keys) - 1, -1, -1):
                stack.append(entries[keys[i]])
                stack.append(_Token(_scalar(str(keys[i])) + ": "))
                if i:
                    stack.append(_COMMA)
            piece = "{"
        else:
            piece = _scalar(item)
        out.append(piece[: limit + 1 - size])
        size += len(out[-1])
    text = "".join(out)
    return text if size <= limit else text[: max(limit - 3, 0)] + "..."


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_COMMA, _CLOSE_LIST, _CLOSE_MAP = _Token(", "), _Token("]"), _Token("}")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value[:RENDER_CHARS])
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return repr(value)


def _children(item: Any) -> list[Any]:
    if isinstance(item, list):
        return item
    if isinstance(item, OrderedMap):
        item = item.items
    if isinstance(item, dict):
        return [*item, *item.values()]
    return []


def _leaf_size(value: Any) -> int:
    return 1 + len(value) if isinstance(value, str) else 1


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TurnstileError("the program exceeded its time budget")


def _default_clock() -> float:
    return (time.time_ns() - _MODULE_START_NS + random.random()) / 1e6


def process_turnstile(
    dx: str,
    p: str,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_work: int = DEFAULT_MAX_WORK,
    max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_dx_chars: int = DEFAULT_MAX_DX_CHARS,
    timeout: float | None = DEFAULT_TIMEOUT,
    clock: Callable[[], float] | None = None,
    rng: Callable[[], float] | None = None,
) -> str:
    """Runs a turnstile challenge and returns the token for ``openai-sentinel-turnstile-token``.

    ``dx`` is decoded as base64 → UTF-8 → code-point XOR with ``p`` (the full requirements token,
    ``gAAAAAC`` prefix included) → a JSON list of ``[opcode, *args]`` instructions. Register 9 is
    run as a queue, so a program that loads a new list into register 9 continues with it. The
    result is ``base64(utf8(x))`` of the last value passed to the resolve handler (opcode 3), or
    ``""`` when it was never called. Opcodes follow the legacy table (PROTOCOLS.md §1.5.3).

    Args:
        dx: The challenge from ``turnstile.dx``; at most ``max_dx_chars`` characters.
        p: The requirements token sent to ``chat-requirements``.
        max_steps: Instructions executed, all stages together (default 50 000).
        max_work: Total characters/items processed (default 20 000 000); bounds the run time.
        max_string_chars: Longest string value, the decoded program included (default 1 000 000).
        max_items: Most items of a list, object or program (default 10 000).
        max_depth: Deepest nesting of lists/objects (default 64).
        max_dx_chars: Longest accepted ``dx`` (default 4 000 000).
        timeout: Wall-clock seconds the run may take, decoding included (default 10);
            ``None`` leaves only the step and work budgets.
        clock: Returns ``window.performance.now()`` in ms (default: ms since import).
        rng: Returns ``window.Math.random()`` (default :func:`random.random`).

    Returns:
        The turnstile token (``""`` if the program never resolves).

    Raises:
        TurnstileError: ``dx`` cannot be decoded with ``p``, an instruction is malformed (bad
            register key, wrong argument count, a type the opcode cannot use), a limit was hit
            (a value larger than ``max_string_chars`` when written out included), or the run
            took longer than ``timeout``. Messages quote at most :data:`RENDER_CHARS`
            characters of the program.
        ValueError: ``timeout`` is not a positive number or ``None``.
    """
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    deadline = None if timeout is None else time.monotonic() + timeout
    program = decode_program(
        dx,
        p,
        max_dx_chars=max_dx_chars,
        max_string_chars=max_string_chars,
        max_items=max_items,
        max_depth=max_depth,
    )
    vm = _VM(
        p,
        program,
        max_steps=max_steps,
        max_work=max_work,
        max_string_chars=max_string_chars,
        max_items=max_items,
        max_depth=max_depth,
        clock=clock or _default_clock,
        rng=rng or random.random,
        deadline=deadline,
    )
    return vm.run()
