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
from conftest import TWO_GROUPS
from rich.console import Console

from ndrc_rules.api import CandidateError, Regulation, load, loads
from ndrc_rules.cli.evaluate import decision_tables
from ndrc_rules.engine import trace as t
from ndrc_rules.language.diagnostics import RegulationError

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
RESIT_RULE_LINE = next(
    number
    for number, line in enumerate(NDRC.read_text("utf-8").splitlines(), 1)
    if line.startswith("  regle rattrapage")
)

# The figure (`{figure}`) and the rule's condition may divide by them.
EXEMPTABLE = (
    TWO_GROUPS
    + """\
  chiffre moy "Moyenne" = moyenne de {figure}
  regle generale "Générale"
    si {condition} alors admis
  sinon ajourne
"""
)


def _error(regulation: Regulation, **columns: str) -> CandidateError:
    with pytest.raises(CandidateError) as caught:
        regulation.decide({"id": "c", "regime": "r", **columns})
    return caught.value


# --- C016 names what cannot be computed, and where (point 6) -----------------------------
@pytest.mark.parametrize(
    ("figure", "condition", "named"),
    [
        ("gen", "moy >= 10", "`moy` (<texte>:11:3)"),  # a figure: its name and statement
        # an expression of a condition: itself, at its own line and column
        ("pro", "moy > 8 et moyenne de gen >= 10", "`moyenne de gen` (<texte>:13:19)"),
        (
            "pro",
            "total de gen / coefficients de gen >= 10",
            "`total de gen / coefficients de gen` (<texte>:13:8)",
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


# --- C016 says which divisor is zero, when no exemption is the cause (issue 11, point 10) --
DIVIDING = (
    TWO_GROUPS
    + """\
  chiffre ecart "Écart" = U1 - U2
  chiffre rapport "Rapport" = {divided}
  regle generale "Générale"
    si {condition} alors admis
  sinon ajourne
"""
)


@pytest.mark.parametrize(
    ("divided", "grades", "named"),
    [
        # an expression that is 0 for this candidate: itself, where it stands in the figure
        (
            "U4 / (U1 - 12)",
            {"U1": "12", "U2": "11"},
            "`rapport` (<texte>:12:3) : le diviseur `U1 - 12` (<texte>:12:37)",
        ),
        # a divisor figure that is 0 for this candidate: the figure, at its own statement
        (
            "U4 / ecart",
            {"U1": "12", "U2": "12"},
            "`rapport` (<texte>:12:3) : le diviseur `ecart` (<texte>:11:3)",
        ),
        # in a rule's condition: the compared expression and the divisor, each where it stands
        (
            "U4 + ecart",
            {"U1": "12", "U2": "11", "condition": "U4 / (U2 - 11) >= 1"},
            "`U4 / (U2 - 11)` (<texte>:14:8) : le diviseur `U2 - 11` (<texte>:14:14)",
        ),
        # a divisor nested deep in a condition's bound: that very sub-expression
        (
            "U4 + ecart",
            {"U1": "12", "U2": "11", "condition": "U4 entre 1 et (2 + U4 / ((U2 - 11) * 3))"},
            "`2 + U4 / ((U2 - 11) * 3)` (<texte>:14:23) : le diviseur `(U2 - 11) * 3`"
            " (<texte>:14:33)",
        ),
    ],
)
def test_a_zero_divisor_is_named_not_blamed_on_exemptions(
    divided: str, grades: dict[str, str], named: str
) -> None:
    condition = grades.pop("condition", "rapport >= 1")
    regulation = loads(DIVIDING.format(divided=divided, condition=condition))
    error = _error(regulation, U4="12", **grades).error
    assert error.code == "C016"
    assert error.message == f"calcul impossible pour {named} vaut 0 pour ce candidat"
    assert "dispens" not in error.message


@pytest.mark.parametrize("divided", ["U4 / (U1 - U1)", "U4 + ecart / (ecart - ecart)"])
def test_a_divisor_zero_for_everyone_is_one_check_error(divided: str) -> None:
    """Not a C016 on every row, nor an E133 on every rule: one E160 on the figure."""
    text = DIVIDING.format(divided=divided, condition="U4 >= 10")  # `rapport` is unused
    with pytest.raises(RegulationError) as caught:
        loads(text)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert [(d.code, d.span.line) for d in errors] == [("E160", 12)]
    assert "`rapport` divise par" in errors[0].message


def test_all_units_exempted_keeps_its_message() -> None:
    regulation = loads(EXEMPTABLE.format(figure="gen", condition="moy >= 10"))
    error = _error(regulation, U4="12", U1="DISP", U2="DISP").error
    assert error.message == (
        "calcul impossible pour `moy` (<texte>:11:3) : aucune unité notée (toutes dispensées ?)"
    )


# --- C017 says where the exempted unit's grade is read (issue 12, point 5) ---------------------
def test_an_exempted_grade_read_by_a_condition_names_where() -> None:
    regulation = loads(EXEMPTABLE.format(figure="pro", condition="moy >= 10 et U1 >= 10"))
    error = _error(regulation, U4="12", U1="DISP", U2="12").error
    assert (error.code, error.field) == ("C017", "U1")
    assert (
        error.message == "la note de U1 est lue (<texte>:13:21), mais le candidat en est dispensé"
    )


def test_an_exempted_grade_read_by_a_figure_names_where() -> None:
    regulation = loads(DIVIDING.format(divided="U4 + ecart", condition="rapport >= 1"))
    error = _error(regulation, U4="12", U1="12", U2="DISP").error
    assert (
        error.message == "la note de U2 est lue (<texte>:11:32), mais le candidat en est dispensé"
    )


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
        csv.DictReader(
            io.StringIO(_cli("eval", NDRC, jury_file, "--format", "csv", "--headers", "id")),
            delimiter=";",
        )
    )
    [row] = rows
    assert (row["deciding_rule"], row["deciding_rule_source"]) == ("jury", "")
    assert (row["proposal_decision"], row["proposal_rule"]) == ("rattrapage", "rattrapage")
    assert row["proposal_rule_source"] == f"bts_ndrc.reg:{RESIT_RULE_LINE}"
    decision = load(NDRC).decide(dict(zip(CSV_HEADER.split(";"), JURY_ROW.split(";"), strict=True)))
    console = Console(width=300, record=True)
    for table in decision_tables([decision], [], "t", console):
        console.print(table)
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
    proposal = f"règle Éligibilité au rattrapage (rattrapage) — {where}"
    assert f"Proposition du moteur : Éligible au rattrapage, par la {proposal}" in tree


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
    assert "U1 : 6,00, puis absent au rattrapage sans justification (aucune note) → 6,00" in tree
    assert "ABS au rattrapage" not in tree
    assert "U1 Culture générale et expression ×3 : absent (injustifié), compté 6,00" in tree


# --- resit terms a candidate can meet (point 2) -------------------------------------------
COMMUNICATION = ROOT / "regulations" / "bts_communication.reg"
# Professional 10, U1 8: general (120 + 24) / 15 = 9.60 with U21, U22, U31, U32 exempted.
FOUR_EXEMPTED = {
    **{"U4": "10", "U5": "10", "U6": "10", "U1": "8"},
    **dict.fromkeys(("U21", "U22", "U31", "U32"), "DISP"),
}


def _communication(**columns: str) -> t.Decision:
    return load(COMMUNICATION).decide({"id": "c", "regime": "scolaire", **columns})


def test_exempted_units_are_not_offered_and_fewer_left_means_all_of_them() -> None:
    decision = _communication(**FOUR_EXEMPTED)
    assert (decision.decision, decision.deciding_rule) == ("rattrapage", "rattrapage")
    terms = decision.resit
    assert (terms.count, terms.units, terms.required) == (1, ["U1"], 2)
    assert terms.exempted == ["U21", "U22", "U31", "U32"]
    # The resit the engine proposed can be taken: (120 + 3·12) / 15 = 10.40.
    after = _communication(**FOUR_EXEMPTED, **{"U1.rattrapage": "12"})
    assert (after.decision, after.deciding_rule, after.figures["moyenne_generale"]) == (
        "admis",
        "admission",
        "10.40",
    )


def test_with_enough_units_left_the_exempted_ones_are_only_left_out() -> None:
    decision = _communication(**{**FOUR_EXEMPTED, "U32": "10"})
    terms = decision.resit
    assert (terms.count, terms.units, terms.exempted, terms.required) == (
        2,
        ["U1", "U32"],
        ["U21", "U22", "U31"],
        None,
    )


@pytest.mark.parametrize(
    ("resit", "code", "listed"),
    [
        ({"U21.rattrapage": "12"}, "C019", "(unités au choix du candidat : U1)"),
        (
            {"U1.rattrapage": "12", "U21.rattrapage": "12"},
            "C018",
            "exactement 1, au choix parmi U1",
        ),
    ],
)
def test_resit_errors_list_only_the_units_the_candidate_can_choose(
    resit: dict[str, str], code: str, listed: str
) -> None:
    with pytest.raises(CandidateError) as caught:
        _communication(**FOUR_EXEMPTED, **resit)
    assert caught.value.error.code == code and listed in caught.value.error.message
    assert "U22" not in caught.value.error.message


def test_a_chosen_unit_cannot_be_exempted_at_the_resit() -> None:
    grades = {**FOUR_EXEMPTED, "U32": "10"}
    with pytest.raises(CandidateError) as caught:
        _communication(**grades, **{"U1.rattrapage": "12", "U32.rattrapage": "DISP"})
    assert (caught.value.error.code, caught.value.error.field) == ("C036", "U32.rattrapage")


def test_the_trace_shows_the_terms_as_the_candidate_can_meet_them(tmp_path: Path) -> None:
    path = tmp_path / "disp.csv"
    path.write_text(
        "id;regime;"
        + ";".join(FOUR_EXEMPTED)
        + "\nd1;scolaire;"
        + ";".join(FOUR_EXEMPTED.values()),
        "utf-8",
    )
    tree = _cli("explain", COMMUNICATION, path, "--id", "d1")
    assert "Rattrapage : 1 unité(s) au choix parmi U1\n" in tree
    assert "hors du choix, car dispensé : U21, U22, U31, U32" in tree
    assert "le règlement en prévoit 2 ; il n'en reste que 1 au choix : toutes les restantes" in tree


# A resit rule whose terms do not say what applies with fewer units left (C034),
# and one that a candidate exempted from every general unit meets (C035).
TERMS = (
    TWO_GROUPS
    + """\
  regle second_tour "Contrôle"
    si U4 >= 8 alors rattrapage (choix de 2 unites parmi gen{remaining})
  sinon ajourne
"""
)


@pytest.mark.parametrize(
    ("remaining", "grades", "code", "said"),
    [
        ("", {"U1": "12", "U2": "DISP"}, "C034", "écrivez `ou toutes les restantes`"),
        (" ou toutes les restantes", {"U1": "DISP", "U2": "DISP"}, "C035", "dispensé de toutes"),
    ],
)
def test_terms_a_candidate_cannot_meet_are_an_error_never_a_resit(
    remaining: str, grades: dict[str, str], code: str, said: str
) -> None:
    regulation = loads(TERMS.format(remaining=remaining))
    error = _error(regulation, U4="12", **grades).error
    assert error.code == code and said in error.message


def test_the_remaining_clause_is_kept_by_the_formatter(tmp_path: Path) -> None:
    path = tmp_path / "t.reg"
    path.write_text(TERMS.format(remaining=" OU Toutes LES restantes"), "utf-8")
    _cli("fmt", path)
    assert "(choix de 2 unites parmi gen ou toutes les restantes)" in path.read_text("utf-8")
    decision = loads(path.read_text("utf-8")).decide(
        {"id": "c", "regime": "r", "U4": "12", "U1": "12", "U2": "DISP"}
    )
    assert (decision.resit.count, decision.resit.units, decision.resit.required) == (1, ["U1"], 2)
