"""No input, however broken, gives a Python traceback: only diagnostics.

Property tests: random texts built from the language's own words and symbols,
and random mutations of the shipped NDRC regulation, go through the whole
pipeline (parse, build, check, reachability, lints); each must come back as a
program or as diagnostics that render with a valid position.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndrc_rules.api import compile_source
from ndrc_rules.language.names import KEYWORDS
from ndrc_rules.language.source import SourceFile

REGULATIONS = Path(__file__).resolve().parent.parent / "regulations"
NDRC = (REGULATIONS / "bts_ndrc.reg").read_text("utf-8")
WORDS = [
    *KEYWORDS,
    "U1",
    "U4",
    "UF1",
    "moyenne_pro",
    "admis",
    "ajourne",
    "apprentissage",
    "général",
    '"texte"',
    "«citation»",
    "10",
    "8,5",
    "20.0",
    "3h",
    "40min",
    "(",
    ")",
    ",",
    ";",
    ":",
    "=",
    ">=",
    "<",
    "=>",
    "+",
    "-",
    "*",
    "/",
    ".",
    "#",
    "\n",
    "\t",
    "\u00a0",
    "@",
    '"',
    "é",
    "",
]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_clean(text: str) -> None:
    source = SourceFile.from_text(text, str(REGULATIONS / "fuzz.reg"))
    program, diagnostics = compile_source(source)
    assert program is not None or diagnostics
    lines = source.text.count("\n") + 1
    for diagnostic in diagnostics:
        assert 1 <= diagnostic.span.line <= lines + 1, diagnostic
        assert diagnostic.render(source)
        assert diagnostic.as_json()["message"]


@SETTINGS
@given(st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join))
def test_random_token_soup(text: str) -> None:
    assert_clean(text)


@SETTINGS
@given(st.text(max_size=300))
def test_random_characters(text: str) -> None:
    assert_clean(text)


@SETTINGS
@given(st.data())
def test_mutations_of_the_shipped_regulation(data: st.DataObject) -> None:
    text = NDRC
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 40)))
        insert = data.draw(st.sampled_from(WORDS))
        text = text[:start] + insert + text[end:]
    assert_clean(text)


@pytest.mark.parametrize(
    "deep",
    [
        "non (" * 1500 + "moyenne_generale >= 10" + ")" * 1500,
        "- " * 3000 + "moyenne_generale >= 10",
        " + ".join(["1"] * 5000) + " >= 10",
        "(" * 3000 + "moyenne_pro" + ")" * 3000 + " > 10",
    ],
)
def test_deep_nesting_is_a_diagnostic_not_a_recursion_error(deep: str) -> None:
    text = NDRC.replace("moyenne_pro > 10", deep, 1)
    source = SourceFile.from_text(text, str(REGULATIONS / "deep.reg"))
    program, diagnostics = compile_source(source)
    if "(" * 3000 in deep:  # parentheses alone add no depth: it reads fine
        assert program is not None
    else:
        assert [d.code for d in diagnostics] == ["E006"]
