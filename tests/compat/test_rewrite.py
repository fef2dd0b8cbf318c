"""The prefix rewriter refuses any program that would need more than the import prefix changed."""

from __future__ import annotations

import pytest

from tests.compat._g4f import to_fastg4f


def test_rewrites_only_the_import_prefix() -> None:
    source = (
        "import g4f\n"
        "from g4f.client import Client\n"
        "from g4f import models  # the model objects\n"
        "from g4f.Provider import (\n"
        "    ChatGpt,\n"
        ")\n"
        "text = 'g4f stays g4f in strings'\n"
        "g4f.debug.logging = True\n"
    )
    assert to_fastg4f(source) == (
        "import fastg4f as g4f\n"
        "from fastg4f.client import Client\n"
        "from fastg4f import models  # the model objects\n"
        "from fastg4f.Provider import (\n"
        "    ChatGpt,\n"
        ")\n"
        "text = 'g4f stays g4f in strings'\n"
        "g4f.debug.logging = True\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import fastg4f\n",  # a g4f program does not know fastg4f
        "from g4f.client import Client\nx = 'fastg4f'\n",
        "import g4f.Provider\n",  # binds g4f but would bind fastg4f after a prefix change
        "import g4f as gf\n",
        "import g4f, json\n",
        "import json; import g4f\n",  # the plain form only, alone on its line
    ],
)
def test_refuses_what_the_prefix_alone_cannot_carry(source: str) -> None:
    with pytest.raises(ValueError, match=r"fastg4f|rewrite|import"):
        to_fastg4f(source)


def test_leaves_other_modules_alone() -> None:
    source = "import g4fx\nfrom g4f_tools import y\n"
    assert to_fastg4f(source) == source
