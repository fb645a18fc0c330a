"""Syntax errors of natural French get a hint saying what to write instead."""

from __future__ import annotations

import pytest
from lark import Token
from test_lints import CITED

from ndrc_rules import RegulationError, loads
from ndrc_rules.language.diagnostics import Diagnostic
from ndrc_rules.language.names import fold
from ndrc_rules.language.phrasing import natural_french, unclosed_parenthesis, unquoted_title
from ndrc_rules.language.source import SourceFile

# A small valid regulation (its unused figure's warning does not matter here).
REGULATION = CITED


def first_error(text: str) -> Diagnostic:
    with pytest.raises(RegulationError) as caught:
        loads(text)
    return caught.value.diagnostics[0]


def with_(old: str, new: str) -> str:
    assert old in REGULATION
    return REGULATION.replace(old, new)


@pytest.mark.parametrize(
    ("words", "fix"),
    [
        ("supérieure ou égale à 10", ">= 10"),
        ("Supérieur ou égal à 10", ">= 10"),
        ("égale ou supérieure à 10", ">= 10"),
        ("est supérieure ou égale à 10", ">= 10"),
        ("au moins égale à 10", ">= 10"),
        ("au moins 10", ">= 10"),
        ("supérieure à 10", "> 10"),
        ("strictement supérieure à 10,5", "> 10,5"),
        ("inférieure à 8", "< 8"),
        ("inférieur ou égal à 8", "<= 8"),
        ("égale à 10", "= 10"),
        ("différente de 10", "!= 10"),
    ],
)
def test_a_comparison_in_words_suggests_its_symbol(words: str, fix: str) -> None:
    d = first_error(with_("si moy >= 10", f"si moy {words}"))
    phrase = words.rsplit(" ", 1)[0]
    assert (d.code, d.span.line, d.span.column) == ("E001", 11, 12)
    assert d.span.end_column - d.span.column == len(phrase)
    assert d.hint is not None and d.hint.key == "hint.comparison_phrase"
    assert d.hint.args == {"found": phrase, "fix": fix}


def test_a_title_without_quotes_is_to_be_quoted() -> None:
    d = first_error(with_('unite U1 "Un" coefficient 1', "unite U1 Culture générale coefficient 1"))
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("E001", 6, 14, 30)
    assert d.hint_text == 'mettez le titre entre guillemets : "Culture générale"'
    d = first_error(with_('regime r "R"', "regime r Contrat d'apprentissage"))
    assert d.hint_text == 'mettez le titre entre guillemets : "Contrat d\'apprentissage"'


def test_a_citation_without_quotes_is_a_text_to_quote() -> None:
    d = first_error(with_('cite "admis si la moyenne atteint 10"', "cite admis si moy >= 10"))
    assert d.hint_text == 'mettez le texte entre guillemets : "admis si moy >= 10"'


def test_a_misspelt_keyword_after_a_name_is_not_taken_for_a_title() -> None:
    d = first_error(with_('unite U1 "Un" coefficient 1', 'unite U1 "Un" coeficient 1'))
    assert d.hint is not None and d.hint.args == {"suggestion": "coefficient"}


@pytest.mark.parametrize("written", ["8 , 5", "8, 5", "8 ,5"])
def test_a_decimal_comma_with_spaces(written: str) -> None:
    d = first_error(with_("si moy >= 10", f"si moy entre {written} et 10"))
    assert (d.code, d.span.line, d.span.column) == ("E001", 11, 18)
    assert d.span.end_column == 18 + len(written)
    assert d.hint_text == "un nombre décimal s'écrit sans espace autour de la virgule : `8,5`"


def test_a_missing_parenthesis_is_reported_where_it_is_missing() -> None:
    text = with_("si moy >= 10 alors", "si (moy >= 10\n       et U1 >= 5  # (note)\n    alors")
    d = first_error(text)
    # After `5`, on the line before `alors`; the comment's parenthesis does not count.
    assert (d.code, d.span.line, d.span.column) == ("E009", 12, 18)
    assert d.args == {"line": 11, "column": 8}
    assert "ligne 11, colonne 8" in d.message


def test_a_missing_parenthesis_in_a_figure_on_its_own_line() -> None:
    d = first_error(with_("= moyenne de g\n", "= (U1 + U2\n    / 2\n"))
    assert (d.code, d.span.line, d.span.column, d.args) == ("E009", 9, 8, {"line": 8, "column": 17})


def test_hints_read_a_bounded_window_of_a_hostile_line() -> None:
    """Each hint reads a few thousand characters around the error, not the whole line:
    a megabyte of `(` before it is not scanned (once per error, up to 100 errors)."""
    line = "si (" + "()" * 500_000 + "moy >= 10 , 5 superieure alors"
    # Built directly: `from_text` refuses a text over the size limit (F017), and the
    # window must hold whatever the limit.
    source = SourceFile("<texte>", line + "\n", "")
    column = line.index("alors") + 1
    token = Token("NAME", "alors", line=1, column=column, end_line=1, end_column=column + 5)
    for _ in range(100):
        assert natural_french(source, token, {"RPAR", "COMPARATOR"}, fold) is None
        assert unquoted_title(source, token, {"STRING"}, lambda w: None) is not None
        # The `(` a megabyte back is out of reach: no E009 rather than a long search.
        assert unclosed_parenthesis(source, token, {"RPAR"}, lambda line: False) is None
