"""What the engine answers on the paths issue 10 found misleading: resit terms a
candidate cannot meet, an absence at the resit, the jury as the decider, a
figure that cannot be computed. Text in, decision, trace or error out."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ndrc_rules import trace as t
from ndrc_rules.api import CandidateError, Regulation, load, loads
from ndrc_rules.render import decisions_table

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
RESIT_RULE_LINE = next(
    number
    for number, line in enumerate(NDRC.read_text("utf-8").splitlines(), 1)
    if line.startswith("  regle rattrapage")
)

# Two general units, both exemptable; the figure (`{figure}`) and the rule's
# condition may divide by them.
EXEMPTABLE = """\
diplome T "Test"
resultat admis "Admis"
resultat ajourne "Ajourné"
regime r "R"
  groupe pro "Pro"
    unite U4 "Quatre" coefficient 2
  groupe gen "Gen" dispensable
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 1
  chiffre moy "Moyenne" = moyenne de {figure}
  regle generale "Générale"
    si {condition} alors admis
  sinon ajourne
"""


def _error(regulation: Regulation, **columns: str) -> CandidateError:
    with pytest.raises(CandidateError) as caught:
        regulation.decide({"id": "c", "regime": "r", **columns})
    return caught.value


# --- C016 names what cannot be computed, and where (point 6) -----------------------------
@pytest.mark.parametrize(
    ("figure", "condition", "named"),
    [
        ("gen", "moy >= 10", "`moy` (<texte>:10)"),  # a figure: its name and line
        ("pro", "moy > 8 et moyenne de gen >= 10", "`moyenne de gen` (<texte>:12)"),
        (
            "pro",
            "total de gen / coefficients de gen >= 10",
            "`total de gen / coefficients de gen` (<texte>:12)",
        ),
    ],
)
def test_an_impossible_computation_names_the_figure_or_expression(
    figure: str, condition: str, named: str
) -> None:
    regulation = loads(EXEMPTABLE.format(figure=figure, condition=condition))
    error = _error(regulation, U4="12", U1="DISP", U2="DISP").error
    assert error.code == "C016"
    assert f"calcul impossible pour {named} :" in error.message


# --- the jury decides; the proposal keeps the rule that proposed (point 5) -----------------
JURY_ROW = "j1;apprentissage;6;7;8;10;10;11;admis;Livret scolaire examiné"
CSV_HEADER = "id;regime;U1;U2;U3;U4;U5;U6;jury;jury_motif"


@pytest.fixture
def jury_file(tmp_path: Path) -> Path:
    path = tmp_path / "jury.csv"
    path.write_text(f"{CSV_HEADER}\n{JURY_ROW}\n", "utf-8")
    return path


def _cli(*args: str | Path) -> str:
    command = [str(SCRIPT), *map(str, args)]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_jury_is_the_decider_in_the_record(jury_file: Path) -> None:
    record = json.loads(_cli("explain", NDRC, jury_file, "--id", "j1", "--format", "json"))
    assert (record["decision"], record["deciding_rule"]) == ("admis", "jury")
    assert record["deciding_rule_source"] is None and record["citation"] is None
    proposal = record["proposal"]
    assert (proposal["decision"], proposal["deciding_rule"]) == ("rattrapage", "rattrapage")
    assert proposal["deciding_rule_source"]["line"] == RESIT_RULE_LINE
    assert proposal["resit"]["count"] == 2


def test_the_jury_is_the_decider_in_csv_table_and_tree(jury_file: Path) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_cli("eval", NDRC, jury_file, "--format", "csv")), delimiter=";")
    )
    [row] = rows
    assert (row["deciding_rule"], row["deciding_rule_line"]) == ("jury", "")
    assert (row["proposal_decision"], row["proposal_rule"]) == ("rattrapage", "rattrapage")
    assert row["proposal_rule_line"] == str(RESIT_RULE_LINE)
    decision = load(NDRC).decide(dict(zip(CSV_HEADER.split(";"), JURY_ROW.split(";"), strict=True)))
    console = Console(width=300, record=True)
    console.print(decisions_table([decision], [], "t"))
    where = f"bts_ndrc.reg:{RESIT_RULE_LINE}"
    assert f"jury (proposition : Éligible au rattrapage, règle rattrapage — {where})" in (
        console.export_text()
    )
    tree = _cli("explain", NDRC, jury_file, "--id", "j1")
    assert "Règle décisive" not in tree
    assert (
        "Décidé par le jury, dont la décision prévaut (D643-26) — motif : Livret scolaire examiné"
        in tree
    )
    proposal = f"règle rattrapage — {NDRC}:{RESIT_RULE_LINE}"
    assert f"Proposition du moteur : Éligible au rattrapage ({proposal})" in tree


# --- an absence at the resit is no grade: the first one stays, the absence decides (point 3) --
# General 62/7 = 8.857…, professional 41/4 = 10.25 > 10: eligible for the resit.
RESIT = {"U1": "6", "U2": "7", "U3": "8", "U4": "10", "U5": "10", "U6": "11"}


def _ndrc(**columns: str) -> t.Decision:
    return load(NDRC).decide({"id": "c", "regime": "apprentissage", **RESIT, **columns})


@pytest.mark.parametrize(
    ("marker", "decision", "rule"), [("ABS", "ajourne", "absence"), ("ABJ", "admis", "admission")]
)
def test_an_absence_at_the_resit_keeps_the_first_grade(
    marker: str, decision: str, rule: str
) -> None:
    result = _ndrc(**{"U1.rattrapage": marker, "U2.rattrapage": "20"})
    assert (result.decision, result.deciding_rule) == (decision, rule)
    [u1, _] = result.resit_phase.units
    assert (u1.initial, u1.resit, u1.kept, u1.kept_status) == (
        "6.00",
        marker,
        "6.00",
        "ABS" if marker == "ABS" else "note",
    )
    # (5·10 + 4·10 + 3·11 + 3·6 + 3·20 + 3·8) / 21 = 225/21: U1 counts its first grade, not 0.
    assert result.figures["moyenne_generale"] == "10.71"


def test_the_trace_says_the_candidate_was_absent_at_the_resit(tmp_path: Path) -> None:
    path = tmp_path / "abs.csv"
    header = ";".join(["id", "regime", *RESIT, "U1.rattrapage", "U2.rattrapage"])
    path.write_text(f"{header}\na1;apprentissage;{';'.join(RESIT.values())};ABS;20\n", "utf-8")
    tree = _cli("explain", NDRC, path, "--id", "a1")
    assert "U1 : 6.00, puis absent au rattrapage sans justification (aucune note) → 6.00" in tree
    assert "ABS au rattrapage" not in tree
    assert "U1 Culture générale et expression ×3 : absent (injustifié), compté 6.00" in tree
