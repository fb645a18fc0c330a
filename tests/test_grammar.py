"""The grammar itself: strict LALR build, keyword table, packaging, the shipped file."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from lark import Lark

from ndrc_rules.api import compile_source, load
from ndrc_rules.language import parser
from ndrc_rules.language.source import SourceFile

ROOT = Path(__file__).parents[1]
GRAMMAR = ROOT / "grammar" / "regulation.lark"
SHIPPED = ROOT / "regulations" / "bts_ndrc.reg"


def declared_terminals(grammar: str) -> set[str]:
    """Every terminal named on a `%declare` line."""
    return {
        name
        for line in grammar.splitlines()
        if line.startswith("%declare")
        for name in line.split()[1:]
    }


def lex(source: str) -> list[tuple[str, str]]:
    return [(token.type, str(token)) for token in parser.lalr_parser().lex(source)]


def test_grammar_builds_in_strict_mode() -> None:
    pytest.importorskip("interegular")  # strict mode checks terminal collisions with it
    built = parser.lalr_parser(strict=True)
    assert isinstance(built, Lark)
    assert built.options.parser == "lalr"
    assert built.options.strict is True


def test_grammar_builds_in_strict_mode_from_the_repository_file() -> None:
    pytest.importorskip("interegular")
    Lark(GRAMMAR.read_text("utf-8"), parser="lalr", lexer="basic", strict=True)


def test_declared_keywords_are_exactly_the_keyword_table() -> None:
    declared = declared_terminals(parser.grammar_text())
    assert declared, "no %declare line found"
    assert declared == set(parser.KEYWORDS.values())


def test_declared_keywords_are_used_by_the_grammar() -> None:
    grammar = parser.grammar_text()
    rules = "\n".join(
        line.split("//")[0] for line in grammar.splitlines() if not line.startswith("%")
    )
    unused = {kw for kw in declared_terminals(grammar) if not re.search(rf"\b{kw}\b", rules)}
    assert unused == set()


def test_keyword_table_is_keyed_by_folded_spellings() -> None:
    # a key that fold() cannot produce would never be recognised
    assert {word: parser.fold(word) for word in parser.KEYWORDS} == {
        word: word for word in parser.KEYWORDS
    }


@pytest.mark.parametrize(("word", "terminal"), sorted(parser.KEYWORDS.items()))
def test_every_keyword_lexes_in_any_case(word: str, terminal: str) -> None:
    spellings = [word, word.upper(), word.capitalize()]
    assert lex(" ".join(spellings)) == [(terminal, s) for s in spellings]


@pytest.mark.parametrize(
    ("word", "terminal"),
    [
        ("règle", "REGLE"),
        ("RÈGLE", "REGLE"),
        ("diplôme", "DIPLOME"),
        ("résultat", "RESULTAT"),
        ("unité", "UNITE"),
        ("UNITÉS", "UNITES"),
        ("préparation", "PREPARATION"),
        ("Régime", "REGIME"),
        ("AU_DESSUS", "AU_DESSUS"),
        ("au-dessus", "AU_DESSUS"),
    ],
)
def test_accented_keywords_lex_as_keywords(word: str, terminal: str) -> None:
    assert lex(word) == [(terminal, word)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("3h", [("DURATION", "3h")]),
        ("1h30", [("DURATION", "1h30")]),
        ("40min", [("DURATION", "40min")]),
        ("40 min", [("DURATION", "40 min")]),
        ("9,5", [("NUMBER", "9,5")]),
        ("9.5", [("NUMBER", "9.5")]),
        ("10 U1", [("NUMBER", "10"), ("NAME", "U1")]),
        ("moyenne_pro", [("NAME", "moyenne_pro")]),
        ("U1, U2", [("NAME", "U1"), ("COMMA", ","), ("NAME", "U2")]),
        ("régime_général", [("NAME", "régime_général")]),
        ("“cité”", [("STRING", "“cité”")]),
        ("«cité»", [("STRING", "«cité»")]),
        (
            ">= ≥ ≠ =",
            [("COMPARATOR", ">="), ("COMPARATOR", "≥"), ("COMPARATOR", "≠"), ("EQUAL", "=")],
        ),
    ],
)
def test_terminals(source: str, expected: list[tuple[str, str]]) -> None:
    assert lex(source) == expected


def test_shipped_regulation_checks_without_diagnostics() -> None:
    program, diagnostics = compile_source(SourceFile.read(SHIPPED))
    assert diagnostics == []
    assert program is not None
    assert program.diploma.code == "BTS_NDRC"
    assert [r.name for r in program.regimes] == ["apprentissage", "professionnalisation"]


def test_shipped_regulation_loads() -> None:
    regulation = load(SHIPPED)
    assert regulation.warnings == []
    assert set(regulation.regimes) == {"apprentissage", "professionnalisation"}


def test_grammar_is_a_package_resource() -> None:
    resource = resources.files("ndrc_rules").joinpath("grammar", "regulation.lark")
    assert resource.is_file()
    text = resource.read_text("utf-8")
    assert text == GRAMMAR.read_text("utf-8")
    assert parser.grammar_text() == text
    assert text.lstrip().startswith("//") and "start:" in text
