"""The whole exam: national base, resit phase, kept grades, jury, versions by session."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules import CandidateError
from ndrc_rules.versions import Versions

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
NATIONAL = ROOT / "regulations" / "bts_national.reg"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"

# General 62/7 = 8.857…, professional 41/4 = 10.25 > 10: eligible for the resit.
RESIT = {"U1": "6", "U2": "7", "U3": "8", "U4": "10", "U5": "10", "U6": "11"}


@pytest.fixture(scope="module")
def ndrc() -> ndrc_rules.Regulation:
    return ndrc_rules.load(NDRC)


def decide(regulation: ndrc_rules.Regulation, **columns: str) -> ndrc_rules.engine.trace.Decision:
    return regulation.decide({"id": "c", "regime": "apprentissage", **columns})


def error(regulation: ndrc_rules.Regulation, **columns: str) -> tuple[str, str | None]:
    with pytest.raises(CandidateError) as caught:
        decide(regulation, **columns)
    return caught.value.error.code, caught.value.error.field


def copies(tmp_path: Path, national: str | None = None, ndrc: str | None = None) -> Path:
    """The two shipped files in tmp_path, each optionally rewritten; the NDRC path."""
    (tmp_path / NATIONAL.name).write_text(national or NATIONAL.read_text("utf-8"), "utf-8")
    (tmp_path / NDRC.name).write_text(ndrc or NDRC.read_text("utf-8"), "utf-8")
    return tmp_path / NDRC.name


# --- national base -------------------------------------------------------------------
def test_ndrc_rests_on_the_national_base(ndrc: ndrc_rules.Regulation) -> None:
    assert ndrc.program.imports == ((str(NATIONAL), ndrc_rules.load(NATIONAL).program.sha256),)
    decision = decide(ndrc, **{u: "10" for u in ("U1", "U2", "U3", "U4", "U5", "U6")})
    assert decision.deciding_rule == "admission"
    assert decision.deciding_rule_source.file == str(NATIONAL)
    # The diploma's own sentence replaces the national one for the same rule.
    assert decision.citation.source == "Règlement NDRC, contrat d'apprentissage"
    assert decision.trace.regulation.sha256 == ndrc.program.sha256


def test_ndrc_keeps_its_own_resit_rule_where_the_text_differs(ndrc: ndrc_rules.Regulation) -> None:
    # Professional average exactly 10: eligible nationally, not under the NDRC text.
    grades = {"U1": "6", "U2": "7", "U3": "8", "U4": "10", "U5": "10", "U6": "10"}
    national_only = Path(NDRC).read_text("utf-8").split("  regle rattrapage")[0]
    assert decide(ndrc, **grades).decision == "ajourne"
    assert "moyenne_pro > 10" in Path(NDRC).read_text("utf-8")
    assert "moyenne_pro > 10" not in national_only


# --- the resit phase -----------------------------------------------------------------
def test_resit_grades_give_a_final_decision_with_both_phases(ndrc: ndrc_rules.Regulation) -> None:
    decision = decide(ndrc, **RESIT, **{"U1.rattrapage": "14", "U2.rattrapage": "12"})
    assert (decision.decision, decision.deciding_rule) == ("admis", "admission")
    phase = decision.resit_phase
    assert phase is not None
    assert (phase.initial_decision, phase.initial_rule) == ("rattrapage", "rattrapage")
    assert [(u.code, u.initial, u.resit, u.kept) for u in phase.units] == [
        ("U1", "6.00", "14.00", "14.00"),
        ("U2", "7.00", "12.00", "12.00"),
    ]
    assert decision.trace.rules[2].status == "held"  # phase 1: rattrapage
    assert decision.figures["moyenne_generale"] == "10.71"  # (225 / 21), recomputed


def test_each_chosen_unit_keeps_the_better_grade(ndrc: ndrc_rules.Regulation) -> None:
    decision = decide(ndrc, **RESIT, **{"U3.rattrapage": "5", "U2.rattrapage": "9"})
    kept = {u.code: u.kept for u in decision.resit_phase.units}
    assert kept == {"U3": "8.00", "U2": "9.00"}
    assert decision.decision == "ajourne"


def test_an_absence_at_the_resit_means_ajourne(ndrc: ndrc_rules.Regulation) -> None:
    decision = decide(ndrc, **RESIT, **{"U1.rattrapage": "ABS", "U2.rattrapage": "20"})
    assert (decision.decision, decision.deciding_rule) == ("ajourne", "absence")


@pytest.mark.parametrize(
    ("resit", "code", "field"),
    [
        ({"U1.rattrapage": "14"}, "C018", "U1.rattrapage"),
        ({"U1.rattrapage": "14", "U2.rattrapage": "12", "U3.rattrapage": "9"}, "C018", None),
        ({"U1.rattrapage": "14", "U4.rattrapage": "12"}, "C019", "U4.rattrapage"),
    ],
)
def test_the_choice_of_resit_units_is_checked(
    ndrc: ndrc_rules.Regulation, resit: dict[str, str], code: str, field: str | None
) -> None:
    found = error(ndrc, **RESIT, **resit)
    assert found[0] == code and (field is None or found[1] == field)


def test_an_exempted_unit_cannot_be_chosen(ndrc: ndrc_rules.Regulation) -> None:
    grades = {**RESIT, "U3": "DISP"}
    assert error(ndrc, **grades, **{"U1.rattrapage": "14", "U3.rattrapage": "12"})[0] == "C019"


def test_resit_grades_for_a_candidate_not_in_resit(ndrc: ndrc_rules.Regulation) -> None:
    admitted = {u: "12" for u in RESIT}
    assert error(ndrc, **admitted, **{"U1.rattrapage": "14", "U2.rattrapage": "12"}) == (
        "C020",
        "U1.rattrapage",
    )


def test_optional_points_after_the_resit_are_a_switch_in_the_base_file(tmp_path: Path) -> None:
    # U3 at 5 and UF1 at 20 (+10 points): general 187/21 = 8.90 before the resit.
    # After it (U1 11, U2 10): 211/21 = 10.05 with the points, 201/21 = 9.57 without.
    grades = {**RESIT, "U3": "5", "UF1": "20", "U1.rattrapage": "11", "U2.rattrapage": "10"}
    kept = decide(ndrc_rules.load(copies(tmp_path)), **grades)
    national = NATIONAL.read_text("utf-8")
    before, after = national.split("  apres controle\n")
    switched = (
        before
        + "  apres controle\n"
        + after.replace("points au-dessus de 10 de facultatives", "0", 1)
    )
    dropped = decide(ndrc_rules.load(copies(tmp_path, national=switched)), **grades)
    assert kept.figures["points_facultatifs"] == "10.00"
    assert dropped.figures["points_facultatifs"] == "0.00"
    assert (kept.decision, dropped.decision) == ("admis", "ajourne")


# --- kept grades ---------------------------------------------------------------------------
def test_a_kept_grade_is_used_and_shown(ndrc: ndrc_rules.Regulation) -> None:
    decision = decide(ndrc, session="2026", **{**RESIT, "U3": "12", "U3.acquis": "2022"})
    [u3] = [u for u in decision.trace.units if u.code == "U3"]
    assert (u3.display, u3.kept_from) == ("12.00", 2022)


@pytest.mark.parametrize(
    ("columns", "code"),
    [
        ({"session": "2026", "U3": "9", "U3.acquis": "2024"}, "C022"),  # below 10
        ({"session": "2026", "U3": "12", "U3.acquis": "2020"}, "C023"),  # 6 years old
        ({"session": "2026", "U3": "12", "U3.acquis": "2026"}, "C024"),  # not earlier
        ({"U3": "12", "U3.acquis": "2024"}, "C025"),  # no session to date it
        ({"session": "2026", "U3": "12", "U3.acquis": "vingt"}, "C026"),
    ],
)
def test_kept_grades_are_checked(
    ndrc: ndrc_rules.Regulation, columns: dict[str, str], code: str
) -> None:
    assert error(ndrc, **{**RESIT, **columns})[0] == code


def test_exactly_five_years_is_still_valid(ndrc: ndrc_rules.Regulation) -> None:
    decide(ndrc, session="2026", **{**RESIT, "U3": "10", "U3.acquis": "2021"})


# --- the jury --------------------------------------------------------------------------------
def test_the_jury_decision_prevails_and_the_proposal_is_kept(ndrc: ndrc_rules.Regulation) -> None:
    failing = {u: "9" for u in RESIT}
    decision = decide(ndrc, **failing, jury="Admis", jury_motif="Livret scolaire examiné")
    assert (decision.decision, decision.deciding_rule) == ("admis", "jury")
    assert decision.jury.reason == "Livret scolaire examiné"
    assert (decision.proposal.decision, decision.proposal.deciding_rule) == ("ajourne", "sinon")


@pytest.mark.parametrize(
    ("jury", "reason", "code"), [("reçu", "motif", "C028"), ("admis", "", "C029")]
)
def test_jury_decisions_are_checked(
    ndrc: ndrc_rules.Regulation, jury: str, reason: str, code: str
) -> None:
    assert error(ndrc, **RESIT, jury=jury, jury_motif=reason)[0] == code


@pytest.mark.parametrize("jury", [True, ["admis"], Decimal("1.5"), {"admis": 1}])
def test_a_jury_decision_that_is_not_text_is_refused_not_ignored(
    ndrc: ndrc_rules.Regulation, jury: object
) -> None:
    """A JSON file's `"jury": true` was read as no jury decision: the rules decided
    (and the replay, reading the recorded text `true`, refused it)."""
    assert error(ndrc, **RESIT, jury=jury, jury_motif="motif") == ("C028", "jury")  # type: ignore[arg-type]


# --- versions by session ---------------------------------------------------------------------
def version(tmp_path: Path, name: str, sessions: str, resit_bar: str = "> 10") -> Path:
    text = NDRC.read_text("utf-8").replace(
        "  session 2020    # arrêté du 19 février 2018, première session 2020\n", sessions
    )
    path = tmp_path / name
    path.write_text(text.replace("moyenne_pro > 10", f"moyenne_pro {resit_bar}"), "utf-8")
    return path


def test_a_candidates_session_selects_the_version(tmp_path: Path) -> None:
    copies(tmp_path)
    old = version(tmp_path, "v2020.reg", "  session 2020\n  derniere session 2025\n")
    new = version(tmp_path, "v2026.reg", "  session 2026\n", resit_bar=">= 10")
    versions = Versions.load([new, old])
    grades = {"U1": "6", "U2": "7", "U3": "8", "U4": "10", "U5": "10", "U6": "10"}

    def outcome(session: str) -> str:
        result = versions.try_decide(
            ndrc_rules.io.candidates.candidate_from_mapping(
                2, {"id": "c", "regime": "apprentissage", "session": session, **grades}
            )
        )
        return getattr(result, "decision", None) or result.code

    assert (outcome("2025"), outcome("2026"), outcome("2019"), outcome("")) == (
        "ajourne",
        "rattrapage",
        "C030",
        "C031",
    )


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        ("  session 2020\n  derniere session 2025\n", "  session 2025\n", "E138"),
        ("  session 2020\n  derniere session 2023\n", "  session 2026\n", "E139"),
        ("  session 2020\n", "  session 2026\n", "E138"),  # the first never ends
    ],
)
def test_gaps_and_overlaps_between_versions(
    tmp_path: Path, first: str, second: str, code: str
) -> None:
    copies(tmp_path)
    paths = [version(tmp_path, "a.reg", first), version(tmp_path, "b.reg", second)]
    with pytest.raises(ndrc_rules.RegulationError) as caught:
        Versions.load(paths)
    assert [d.code for d in caught.value.diagnostics] == [code]
    result = subprocess.run([SCRIPT, "check", *paths], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and code in result.stderr


# --- diff, through the console script ----------------------------------------------------------
def test_diff_shows_who_changes_and_through_which_rule(tmp_path: Path) -> None:
    new = copies(
        tmp_path, ndrc=NDRC.read_text("utf-8").replace("entre 8 inclus", "entre 8,5 inclus")
    )
    cohort = ROOT / "examples" / "candidats_ndrc.csv"
    table = subprocess.run(
        [SCRIPT, "diff", NDRC, new, cohort], capture_output=True, text=True, check=False
    )
    assert table.returncode == 0, table.stderr
    assert "2 candidat(s) changent de résultat" in table.stdout
    report = json.loads(
        subprocess.run(
            [SCRIPT, "diff", NDRC, new, cohort, "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert report["summary"]["changed"] == 2
    assert {c["id"] for c in report["changed"]} == {"2026-NDRC-0006", "2026-NDRC-0007"}


def test_versions_must_be_of_one_diploma(tmp_path: Path) -> None:
    copies(tmp_path)
    first = version(tmp_path, "a.reg", "  session 2020\n  derniere session 2025\n")
    other = version(tmp_path, "b.reg", "  session 2026\n")
    other.write_text(other.read_text("utf-8").replace("diplome BTS_NDRC", "diplome BTS_AUTRE"))
    with pytest.raises(ndrc_rules.RegulationError) as caught:
        Versions.load([first, other])
    assert [d.code for d in caught.value.diagnostics] == ["E140"]
