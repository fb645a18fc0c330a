"""Warnings: legal regulations that are probably not what the coordinator meant."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import ndrc_rules
from ndrc_rules.language.diagnostics import Severity
from ndrc_rules.language.lints import cited_numbers

CITED = """\
diplome X "X"
resultat admis "Admis"
resultat ajourne "Ajourné"
regime r "R"
  groupe g "G"
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 1
  chiffre moy = moyenne de g
  chiffre inutile = total de g
  regle admission
    si moy >= 10 alors admis
    cite "admis si la moyenne atteint 10"
  sinon ajourne
"""


def warnings(text: str) -> list[tuple[str, int, int]]:
    regulation = ndrc_rules.loads(text)
    assert all(w.severity is Severity.WARNING for w in regulation.warnings)
    return [(w.code, w.span.line, w.span.column) for w in regulation.warnings]


def test_unused_figure() -> None:
    assert warnings(CITED) == [("W001", 9, 3)]


def test_rule_without_citation() -> None:
    uncited = CITED.replace('    cite "admis si la moyenne atteint 10"\n', "")
    assert ("W002", 10, 3) in warnings(uncited)


def test_tab_mixed_with_spaces_and_non_breaking_spaces() -> None:
    text = CITED.replace("    unite U2", " \tunite U2").replace(
        "coefficient 1\n  chiffre", "coefficient\u00a01\n  chiffre"
    )
    found = warnings(text)
    assert ("W003", 7, 2) in found
    assert ("W004", 7, 30) in found


def test_a_derived_regime_does_not_repeat_inherited_warnings() -> None:
    derived = CITED + 'regime s "S" reprend r\n'
    assert warnings(derived) == [("W001", 9, 3)]


def test_check_passes_with_warnings_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "avertissements.reg"
    path.write_text(CITED, "utf-8")
    script = Path(sys.executable).parent / "ndrc-rules"
    relaxed = subprocess.run([script, "check", path], capture_output=True, text=True, check=False)
    strict = subprocess.run(
        [script, "check", "--strict", path], capture_output=True, text=True, check=False
    )
    assert relaxed.returncode == 0 and "W001" in relaxed.stdout
    assert strict.returncode == 1 and "W001" in strict.stderr


def test_a_threshold_the_citation_no_longer_states() -> None:
    """`entre 8` became `entre 8,5`; the sentence still says "entre 8 et 10"."""
    rule = (
        "  regle rattrapage\n"
        "    si moy entre 8,5 inclus et 10 exclu alors ajourne\n"
        '    cite "une moyenne comprise entre 8 et 10"\n'
    )
    text = CITED.replace("  sinon ajourne\n", rule + "  sinon ajourne\n")
    regulation = ndrc_rules.loads(text)
    [found] = [w for w in regulation.warnings if w.code == "W007"]
    assert (found.span.line, found.args) == (14, {"name": "rattrapage", "value": "8,5"})
    assert "8,5" in (found.hint_text or "") and "entre 8 et 10" in (found.hint_text or "")


def test_threshold_spellings_a_citation_may_use() -> None:
    for quote in ("8,5 sur 20", "8.5/20", "8,50", "plus de 8,5 points"):
        assert Fraction(17, 2) in cited_numbers(quote), quote
    assert cited_numbers("égale ou supérieure à dix sur vingt") == {Fraction(10), Fraction(20)}
    assert cited_numbers("dix-huit") == {Fraction(18)}
    # Codes, articles and years are not thresholds.
    assert cited_numbers("les unités U1, U10 (art. D643-22, session 2010)") == {
        Fraction(22),
        Fraction(2010),
    }
    assert Fraction(1) not in cited_numbers("une moyenne et un seuil")


def test_an_inherited_rule_s_exception_is_checked_against_its_own_citation() -> None:
    derived = CITED + 'regime s "S" reprend r\n  regle admission\n    sauf si U1 < 8\n'
    cited = derived + '    cite "sauf si U1 est sous 8"\n'
    uncited = derived + '    cite "sauf si U1 est sous 6"\n'
    assert "W007" not in {w.code for w in ndrc_rules.loads(cited).warnings}
    assert [
        (w.span.line, w.args["value"])
        for w in ndrc_rules.loads(uncited).warnings
        if w.code == "W007"
    ] == [(16, "8")]
