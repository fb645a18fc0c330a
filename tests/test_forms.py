"""Assessment forms: written in the language (one-situation CCF, combined modes), and
shown in every trace with the line that states them, so a `forme` override is seen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.api import RegulationError
from ndrc_rules.audit.records import result_line
from ndrc_rules.io.candidates import Candidate, candidate_from_mapping
from ndrc_rules.language.formatter import format_source
from ndrc_rules.language.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
AT = "2026-07-01T00:00:00+00:00"

# One CCF situation, a combined oral-and-practical épreuve, a unit graded by parts.
FORMS = """
diplome TEST "Essai"
resultat admis "Admis"
resultat ajourne "Ajourné"
regime initial
  groupe pro
    unite U4 "Pratique" coefficient 2 : CCF 1 situation
    unite U5 "Étude" coefficient 2 : EPFF orale et pratique 30min + 15min de preparation
    unite U6 "Parties" coefficient 2
      partie ecrit coefficient 1 : EPFF ecrite 1h30
      partie oral coefficient 1 : EPFF orale 20min
  chiffre moy = moyenne de pro
  regle admission si moy >= 10 alors admis
  sinon ajourne
regime ponctuel reprend initial
  forme U4 : EPFF Pratique 2h
"""
GRADES = {"U4": "10", "U5": "12", "U6": "14"}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def row(**columns: str) -> Candidate:
    candidate = candidate_from_mapping(1, {"id": "x", **columns})
    assert isinstance(candidate, Candidate)
    return candidate


def forms(regime: str, **grades: str) -> dict[str, list[dict[str, object]]]:
    """The forms in the candidate's JSON record (the fast writer's), by unit code."""
    regulation = ndrc_rules.loads(FORMS, "essai.reg")
    candidate = row(regime=regime, **(grades or GRADES))
    _, record = regulation.record_line(candidate, AT)
    assert record == result_line(regulation.try_decide(candidate, decided_at=AT))[1]
    units = json.loads(record)["trace"]["units"]
    return {u["code"]: u["forms"] for u in units}


def test_the_record_names_each_form_and_the_line_that_states_it() -> None:
    shown = forms("initial")
    assert shown["U4"] == [
        {
            "kind": "CCF",
            "part": None,
            "modes": [],
            "situations": 1,
            "minutes": None,
            "preparation_minutes": None,
            "source": {"file": "essai.reg", "line": 7, "column": 41},
        }
    ]
    (combined,) = shown["U5"]
    assert (combined["modes"], combined["minutes"], combined["preparation_minutes"]) == (
        ["orale", "pratique"],
        30,
        15,
    )
    assert [(f["part"], f["modes"], f["minutes"]) for f in shown["U6"]] == [
        ("ecrit", ["ecrite"], 90),
        ("oral", ["orale"], 20),
    ]


def test_a_forme_override_shows_in_the_derived_regime_only() -> None:
    (base,) = forms("initial")["U4"]
    (override,) = forms("ponctuel")["U4"]
    assert base["kind"] == "CCF"
    assert (override["kind"], override["modes"], override["minutes"]) == ("EPFF", ["pratique"], 120)
    assert (
        override["source"]["line"] == FORMS.splitlines().index("  forme U4 : EPFF Pratique 2h") + 1
    )


def line_of(path: Path, start: str) -> int:
    """The number of the first line of `path` that starts with `start`."""
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def test_explain_shows_the_form_that_applied_to_the_candidates_regime() -> None:
    apprentice = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0001").stdout
    assert (
        "Forme d'évaluation : contrôle en cours de formation, 2 situations (bts_ndrc.reg:23)"
        in apprentice
    )
    professional = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0014").stdout
    assert (
        "Forme d'évaluation : épreuve ponctuelle orale, 1 h + 40 min de préparation"
        f" (bts_ndrc.reg:{line_of(NDRC, '  forme U4 : EPFF orale 1h')})"
    ) in professional
    assert (
        "Forme d'évaluation : ecrit : épreuve ponctuelle écrite, 3 h ; "
        "pratique : épreuve ponctuelle pratique, 40 min (bts_ndrc.reg:26)"
    ) in " ".join(professional.split())


def test_explain_words_one_situation_and_combined_modes(tmp_path: Path) -> None:
    regulation = tmp_path / "essai.reg"
    regulation.write_text(FORMS, "utf-8")
    cohort = tmp_path / "candidats.csv"
    cohort.write_text("id;regime;U4;U5;U6\nx;initial;10;12;14\n", "utf-8")
    shown = " ".join(run("explain", regulation, cohort, "--id", "x").stdout.split())
    assert "contrôle en cours de formation, 1 situation (essai.reg:7)" in shown
    assert (
        "épreuve ponctuelle orale et pratique, 30 min + 15 min de préparation (essai.reg:8)"
    ) in shown
    english = " ".join(
        run("--lang", "en", "explain", regulation, cohort, "--id", "x").stdout.split()
    )
    assert "Assessment: in-course assessment, 1 situation (essai.reg:7)" in english


def test_a_one_situation_ccf_unit_is_graded_from_its_situation() -> None:
    regulation = ndrc_rules.loads(FORMS, "essai.reg")
    decision = regulation.decide(row(regime="initial", **{"U4.S1": "9", "U5": "11", "U6": "10"}))
    assert decision.decision == "admis"
    assert decision.trace is not None and decision.trace.units[0].value == "9"


def test_combined_forms_and_one_situation_are_formatted_canonically() -> None:
    written = FORMS.replace("EPFF orale et pratique 30min", "EPFF Orale ET pratique 30 min")
    result, diagnostics = format_source(SourceFile.from_text(written, "essai.reg"))
    assert diagnostics == [] and result is not None
    assert ": EPFF Orale et pratique 30min + 15min de preparation" in result
    assert ": CCF 1 situation\n" in result


def test_each_mode_of_a_combined_form_is_checked() -> None:
    with pytest.raises(RegulationError) as caught:
        ndrc_rules.loads(FORMS.replace("orale et pratique", "orale et pratiqe"), "essai.reg")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E116" and diagnostic.args["name"] == "pratiqe"
