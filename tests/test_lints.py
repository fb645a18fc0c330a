"""Warnings: legal regulations that are probably not what the coordinator meant."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ndrc_rules
from ndrc_rules.diagnostics import Severity

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
