"""No public native function can panic, whatever the values of arguments of the right type.

A Rust panic crosses into Python as ``PanicException``, which is not an ``Exception`` subclass:
``except Exception`` (and so fail-over between providers) does not catch it. Every function,
constructor, method and property of ``fastg4f._native`` is called here with extreme values (inf,
nan, -0.0, subnormals, 1e308; negative, 2**63, 2**64 and huge ints; odd strings and bytes). Any
outcome is fine except an exception outside ``Exception``.

The callables are enumerated from the module itself and their parameter types are read from the
stub ``_native.pyi`` (which stubtest keeps in step), so a new function is covered as soon as it is
registered; a parameter type without a strategy below fails the test until one is added.
"""

from __future__ import annotations

import ast
import inspect
import math
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastg4f import _native

STUB = pathlib.Path(_native.__file__).with_name("_native.pyi")
if not STUB.exists():  # the editable install keeps the stub next to the sources
    STUB = pathlib.Path(__file__).resolve().parents[2] / "python" / "fastg4f" / "_native.pyi"

EXTREME_FLOATS = [
    math.inf,
    -math.inf,
    math.nan,
    -0.0,
    0.0,
    5e-324,
    2.2250738585072014e-308,
    1e-300,
    1.0,
    1e300,
    1e308,
    1.7976931348623157e308,
    -1e308,
    2.0**63,
    2.0**64,
    18446744073709551615.0,
    9.3e18,
]
EXTREME_INTS = [
    0,
    1,
    -1,
    2**31,
    2**32,
    2**62,
    2**62 + 1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**64),
    10**30,
    -(10**30),
    10**400,
]
ints = st.sampled_from(EXTREME_INTS) | st.integers(0, 8) | st.integers()
floats = st.sampled_from(EXTREME_FLOATS) | st.sampled_from(EXTREME_INTS) | st.floats() | ints
texts = st.sampled_from(
    ["", "\x00", "\ud800", "auto", "AVX2", " portable ", "\u212a", "ß" * 300]
) | st.text(st.characters(codec=None, categories=None), max_size=40)
binaries = (
    st.sampled_from([b"", b"\x00", b"\xff\xfe", b"\n\r", b"\xef\xbb\xbf", b"data: [DONE]\n\n"])
    | st.binary(max_size=64)
    | st.lists(
        st.sampled_from([b"data: ", b"{", b"}", b'"v"', b"[", b"]", b"\n", b"\r", b'"p":', b"/"]),
        max_size=40,
    ).map(b"".join)
)
json_values = st.recursive(
    st.none() | st.booleans() | ints | floats | texts | binaries,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts | st.just("text"), inner),
    max_leaves=12,
)
messages = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "role": texts | st.sampled_from(["user", "system", "developer"]) | json_values,
            "content": json_values
            | st.lists(
                st.fixed_dictionaries(
                    {}, optional={"type": texts | st.just("text"), "text": json_values}
                ),
                max_size=3,
            ),
        },
    ),
    max_size=5,
)


def _cancelled() -> _native.CancelToken:
    # Searches get a cancelled token: the values of the other arguments are what is tested, and
    # the search itself then ends at once instead of hashing up to 2**62 nonces.
    token = _native.CancelToken()
    token.cancel()
    return token


STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "int": ints,
    "int | None": ints | st.none(),
    "float | None": floats | st.none(),
    "bool": st.booleans(),
    "str": texts,
    "str | None": texts | st.none(),
    "bytes": binaries,
    "bytes | bytearray": binaries | binaries.map(bytearray),
    "list[bytes]": st.lists(binaries, max_size=5),
    "Literal['hex', 'bytes']": st.sampled_from(["hex", "bytes"]) | texts,
    "CancelToken | None": st.builds(_cancelled),
    "Iterable[Mapping[str, Any]]": messages | messages.map(tuple) | messages.map(iter),
}

# Valid arguments of the functions whose argument checks gate the deeper code: a drawn call
# perturbs a few of them, so a bad value in one argument is not hidden by another's check.
VALID: dict[str, dict[str, Any]] = {
    "pow_search": {
        "seed": b"seed",
        "pieces": [b"[1,", b',"x",', b"]"],
        "rule": "hex",
        "target": b"0f",
        "length": 2,
        "start": 0,
        "limit": 64,
        "timeout": 5.0,
        "threads": 2,
        "simd": "auto",
        "cancel": _cancelled(),
    },
    "sha3_512_lanes": {"messages": [b"a", b"b" * 100], "simd": "auto"},
}

# Classes the module returns but Python cannot construct: how to get an instance.
FACTORIES: dict[str, Callable[[], Any]] = {
    "SearchResult": lambda: _native.pow_search(b"s", [b"[", b"]"], "hex", b"f", 1, limit=8),
}


def _stub_defs() -> dict[str, ast.FunctionDef | ast.ClassDef]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }


DEFS = _stub_defs()


def _public_callables() -> list[str]:
    return sorted(
        name
        for name, value in vars(_native).items()
        if not name.startswith("_") and callable(value)
    )


def _params(func: ast.FunctionDef) -> list[tuple[str, str, bool, bool]]:
    """(name, annotation, keyword-only, has a default) of each parameter but ``self``/``cls``."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    out = [
        (a.arg, ast.unparse(a.annotation) if a.annotation else "", False, i >= first_default)
        for i, a in enumerate(positional)
    ]
    out += [
        (a.arg, ast.unparse(a.annotation) if a.annotation else "", True, d is not None)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    return [p for p in out if p[0] not in ("self", "cls")]


@st.composite
def arguments(
    draw: st.DrawFn, func: ast.FunctionDef, valid: dict[str, Any] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    params = _params(func)
    perturbed: set[str] = set()
    if valid is not None:
        names = [p[0] for p in params]
        perturbed = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)))
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, annotation, keyword_only, has_default in params:
        if valid is not None and name not in perturbed:
            value = valid[name]
        elif name not in perturbed and has_default and draw(st.booleans()):
            continue
        else:
            value = draw(STRATEGIES[annotation])
        if keyword_only or has_default:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def _check(label: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception:
        return None
    except BaseException as err:  # PanicException derives from BaseException
        pytest.fail(f"{label}(*{args!r}, **{kwargs!r}) raised {type(err).__name__}: {err}")


def _methods(cls: ast.ClassDef) -> list[ast.FunctionDef]:
    return [
        node
        for node in cls.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("__")
        and not any(ast.unparse(d) == "property" for d in node.decorator_list)
    ]


def _properties(cls: ast.ClassDef) -> list[str]:
    return [
        node.name
        for node in cls.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d) == "property" for d in node.decorator_list)
    ]


def _constructor(cls: ast.ClassDef) -> ast.FunctionDef | None:
    return next(
        (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__new__"), None
    )


def test_every_public_callable_is_covered() -> None:
    """Every function and class of the module has a stub entry with known parameter types."""
    for name in _public_callables():
        assert name in DEFS, f"{name} is registered but not in _native.pyi"
        node = DEFS[name]
        funcs = [node] if isinstance(node, ast.FunctionDef) else _methods(node)
        if isinstance(node, ast.ClassDef):
            ctor = _constructor(node)
            if ctor is None:
                assert name in FACTORIES, f"add a factory for {name} (no constructor)"
            else:
                funcs.append(ctor)
        for func in funcs:
            for param, annotation, _, _ in _params(func):
                assert annotation in STRATEGIES, (
                    f"{name}.{func.name}: add a strategy for {param}: {annotation}"
                )


SETTINGS = settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", _public_callables())
@SETTINGS
@given(data=st.data())
def test_no_public_callable_panics(name: str, data: st.DataObject) -> None:
    node = DEFS[name]
    if isinstance(node, ast.FunctionDef):
        args, kwargs = data.draw(arguments(node, VALID.get(name)))
        _check(name, getattr(_native, name), *args, **kwargs)
    else:
        _exercise_class(name, node, data)


def _exercise_class(name: str, node: ast.ClassDef, data: st.DataObject) -> None:
    """Builds an instance from drawn arguments, then calls every method and property."""
    cls = getattr(_native, name)
    ctor = _constructor(node)
    if ctor is None:
        instance = FACTORIES[name]()
    else:
        args, kwargs = data.draw(arguments(ctor))
        instance = _check(name, cls, *args, **kwargs)
        if instance is None:
            instance = cls()
    for method in data.draw(st.permutations(_methods(node))):
        args, kwargs = data.draw(arguments(method))
        _check(f"{name}.{method.name}", getattr(instance, method.name), *args, **kwargs)
    for prop in _properties(node):
        _check(f"{name}.{prop}", getattr, instance, prop)
    _check(f"repr({name})", repr, instance)


@pytest.mark.parametrize("timeout", [1e300, 2**64, 2.0**64, 1.8e19, 1e19, 2**63, 9.3e18])
def test_huge_pow_timeout_is_no_deadline(timeout: float) -> None:
    """A timeout too far away to represent means no deadline (the search still finds)."""
    result = _native.pow_search(b"s", [b"[", b"]"], "hex", b"f", 1, limit=8, timeout=timeout)
    assert result.status == "found"


def test_signatures_match_the_stub() -> None:
    """The parameter names read from the stub are the ones the native functions take."""
    for name in _public_callables():
        node = DEFS[name]
        if isinstance(node, ast.FunctionDef):
            native = inspect.signature(getattr(_native, name))
            assert [p[0] for p in _params(node)] == list(native.parameters), name
