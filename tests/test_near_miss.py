"""The near miss (« ce qu'il aurait fallu »): exact grades, end to end.

The cases are data (tests/conformance/near_miss/cases.json, each number checked by
hand in its `check`); every expected grade is also decided again here, by the
general evaluator, at that grade and at the previous hundredth. A property test
compares, for random candidates of the shipped regulations, every answer with
the decisions at random exact values of the input.
"""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replay import in_process

import ndrc_rules
from ndrc_rules.engine import trace as t
from ndrc_rules.io.candidates import Candidate, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests/conformance/near_miss/cases.json").read_text("utf-8"))["cases"]
HUNDREDTH = Fraction(1, 100)


@cache
def regulation(path: str) -> ndrc_rules.Regulation:
    return ndrc_rules.load(ROOT / path)


def columns(candidate: dict[str, str]) -> dict[str, object]:
    return {"id": "c", **candidate}


def outcome_at(
    reg: ndrc_rules.Regulation, row: dict[str, str], phase: str, column: str, value: Fraction
) -> str:
    """The outcome of the phase, `column` given the exact `value`, the row's other columns
    as they are (initial phase: resit columns and jury left out)."""
    if phase == "initial":
        row = {k: v for k, v in row.items() if ".rattrapage" not in k and not k.startswith("jury")}
    parsed = candidate_from_mapping(1, columns(row))
    assert isinstance(parsed, Candidate)
    changed = parsed.model_copy(update={"grades": {**parsed.grades, column: value}})
    decision = reg.decide(changed)
    return decision.proposal.decision if decision.proposal else decision.decision


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_near_miss_cases(case: dict[str, Any]) -> None:
    reg = regulation(case["regulation"])
    decision = reg.decide(columns(case["candidate"]), near_miss=True)
    found = decision.near_miss
    assert found is not None
    expected = case["near_miss"]
    assert [(p.phase, p.outcome) for p in found] == [(p["phase"], p["outcome"]) for p in expected]
    for phase, wanted in zip(found, expected, strict=True):
        assert phase.unavailable is None
        assert phase.prospective == wanted.get("prospective", False)
        by_input = {i.input: i for i in phase.inputs}
        for name in case.get("absent_inputs", []):
            assert name not in by_input
        for name, outcomes in wanted["inputs"].items():
            item = by_input[name]
            for key in ("current", "current_display"):
                if key in outcomes:
                    assert getattr(item, key) == outcomes.pop(key)
            needed = {n.outcome: n for n in item.needed}
            for outcome, fields in outcomes.items():
                got = needed[outcome].model_dump(include=set(fields))
                assert got == fields, (name, outcome)
                if fields["grade"] is not None and not phase.prospective:
                    _decided_again(reg, case["candidate"], phase.phase, name, outcome, fields)


def _decided_again(
    reg: ndrc_rules.Regulation,
    candidate: dict[str, str],
    phase: str,
    name: str,
    outcome: str,
    fields: dict[str, Any],
) -> None:
    """The evaluator gives the outcome at the grade, and not a hundredth short of it."""
    grade = Fraction(fields["grade"])
    assert outcome_at(reg, candidate, phase, name, grade) == outcome
    if grade >= HUNDREDTH:
        assert outcome_at(reg, candidate, phase, name, grade - HUNDREDTH) != outcome


def test_the_rounded_third_is_the_next_hundredth() -> None:
    """173/15 = 11.5333…: 11.54 suffices, 11.53 does not (both decided again)."""
    reg = regulation("regulations/bts_ndrc.reg")
    row = {"regime": "apprentissage", "U2": "7", "U3": "7", "U4": "11.28", "U5": "11", "U6": "11"}
    assert outcome_at(reg, row, "initial", "U1", Fraction("11.54")) == "admis"
    assert outcome_at(reg, row, "initial", "U1", Fraction("11.53")) == "rattrapage"


def test_admitted_candidate_has_no_near_miss_and_records_have_no_field() -> None:
    reg = regulation("regulations/bts_ndrc.reg")
    row = {"regime": "apprentissage", **{f"U{i}": "10" for i in range(1, 7)}}
    assert reg.decide(columns(row), near_miss=True).near_miss == []
    plain = reg.decide(columns({**row, "U1": "8"}))
    assert plain.near_miss is None
    assert "near_miss" not in plain.model_dump(mode="json")
    assert "near_miss" not in plain.model_dump_json()


def test_rounded_regime_says_unavailable() -> None:
    """A stated rounding: no near miss, the reason said, never a guess."""
    source = (ROOT / "regulations/bts_ndrc.reg").read_text("utf-8")
    rounded = source.replace(
        "  regle rattrapage \"Éligibilité au rattrapage\"\n",
        "  chiffre moyenne_generale = (total de professionnel, general + points_facultatifs)"
        " / coefficients de professionnel, general arrondi 2 decimales\n"
        "  regle rattrapage \"Éligibilité au rattrapage\"\n",
        1,
    )
    assert rounded != source
    path = ROOT / "regulations" / "bts_ndrc.reg"
    reg = ndrc_rules.loads(rounded, str(path))
    row = {"regime": "apprentissage", "U1": "9", "U2": "9", "U3": "9"}
    decision = reg.decide(columns({**row, "U4": "10", "U5": "10", "U6": "10"}), near_miss=True)
    assert decision.near_miss is not None
    (phase,) = decision.near_miss
    assert phase.inputs == []
    assert phase.unavailable is not None and "moyenne_generale" in phase.unavailable


# --- explain, text and JSON ---------------------------------------------------------------
def test_explain_says_what_would_have_sufficed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidates = tmp_path / "c.csv"
    candidates.write_text(
        "id,regime,U1,U2,U3,U4,U5,U6\n"
        "a,apprentissage,9,9,9,10,10,10\n"
        "b,apprentissage,9,7,7,11.28,11,11\n"
        "c,apprentissage,16,ABS,16,16,16,16\n",
        "utf-8",
    )
    reg = str(ROOT / "regulations/bts_ndrc.reg")
    code, out, _ = in_process(capsys, "explain", reg, str(candidates), "--id", "a")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    assert "Ce qu'il aurait fallu" in flat
    assert (
        "U4 Relation client et négociation-vente : plus de 10,00 (10,01) au lieu de 10,00"
        " aurait donné « Éligible au rattrapage » (règle « Éligibilité au rattrapage »)"
    ) in flat
    assert (
        "U2 Communication en langue vivante étrangère 1 : 12,00 au lieu de 9,00"
        " aurait donné « Admis » (règle « Admission »)"
    ) in flat
    assert "aucune note de U1 ne suffisait seule pour « Éligible au rattrapage »" in flat
    code, out, _ = in_process(capsys, "explain", reg, str(candidates), "--id", "b")
    flat = " ".join(out.replace("│", " ").split())
    assert (
        "U1 Culture générale et expression : 11,54 (seuil exact 173/15) au lieu de 9,00"
        " aurait donné « Admis » (règle « Admission »)"
    ) in flat
    code, out, _ = in_process(capsys, "explain", reg, str(candidates), "--id", "c")
    flat = " ".join(out.replace("│", " ").split())
    assert "0,00 au lieu de ABS aurait donné « Admis »" in flat
    assert "aucune note de U1 ne suffisait seule pour « Admis »" in flat
    code, out, _ = in_process(
        capsys, "explain", reg, str(candidates), "--id", "b", "--format", "json"
    )
    assert code == 0
    decision = t.Decision.model_validate_json(out)
    assert decision.near_miss is not None
    first = next(i for i in decision.near_miss[0].inputs if i.input == "U1")
    assert first.needed[0].model_dump() == {
        "outcome": "admis",
        "label": "Admis",
        "rule": "admission",
        "threshold": "173/15",
        "inclusive": True,
        "grade": "577/50",
        "display": "11.54",
        "upward": True,
    }


# --- property: every answer against the evaluator, at random exact values -------------
REGULATIONS = [
    "regulations/bts_ndrc.reg",
    "regulations/bts_communication.reg",
    "regulations/bts_ag_pme_pmi.reg",
]
grades = st.one_of(
    st.integers(0, 2000).map(lambda n: f"{n // 100}.{n % 100:02d}"),
    st.sampled_from(["ABS", "ABJ", "DISP", "10", "8", "12"]),
)
values = st.fractions(min_value=0, max_value=20, max_denominator=600)


@st.composite
def candidates(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(REGULATIONS))
    reg = regulation(path)
    regime = draw(st.sampled_from(reg.program.regimes))
    row = {"regime": regime.name}
    for unit in regime.units:
        if unit.optional and draw(st.booleans()):
            continue
        if unit.parts and draw(st.booleans()):
            for part in unit.parts:
                row[f"{unit.code}.{part.name}"] = draw(grades.filter(lambda g: g != "DISP"))
        else:
            grade = draw(grades)
            if grade == "DISP" and not unit.exemptable:
                grade = "9.5"
            row[unit.code] = grade
    return path, row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(), st.lists(values, min_size=4, max_size=8))
def test_every_answer_agrees_with_the_evaluator(
    drawn: tuple[str, dict[str, str]], points: list[Fraction]
) -> None:
    path, row = drawn
    reg = regulation(path)
    try:
        decision = reg.decide(columns(row), near_miss=True)
    except ndrc_rules.CandidateError:
        return  # an input the engine refuses (C034 …) has no decision to improve
    assert decision.near_miss is not None
    for phase in decision.near_miss:
        if phase.phase != "initial":
            continue
        assert phase.unavailable is None
        for item in phase.inputs:
            for needed in item.needed:
                _agrees(reg, row, item, needed, points)


def _agrees(
    reg: ndrc_rules.Regulation,
    row: dict[str, str],
    item: t.NearMissInput,
    needed: t.NeededGrade,
    points: list[Fraction],
) -> None:
    """At the grade: that outcome; nearer the current value (or, with none, lower): not."""
    current = None if item.current is None else Fraction(item.current)
    if needed.threshold is None:
        for x in points:
            assert outcome_at(reg, row, "initial", item.input, x) != needed.outcome
        return
    assert needed.grade is not None
    grade, boundary = Fraction(needed.grade), Fraction(needed.threshold)
    assert outcome_at(reg, row, "initial", item.input, grade) == needed.outcome
    origin = Fraction(0) if current is None else current
    for x in [*points, boundary]:
        nearer = abs(x - origin) < abs(boundary - origin) or (
            x == boundary and not needed.inclusive
        )
        same_side = current is None or (x - origin) * (boundary - origin) >= 0
        if nearer and same_side and x != current:
            assert outcome_at(reg, row, "initial", item.input, x) != needed.outcome


TOY = """resultat admis "Admis"
resultat ajourne "Ajourné"

diplome ESSAI "Essai"

regime r "Régime"
  groupe g "Unités"
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 1
  regle moderation "Modération"
    si U1 < 12 alors admis
  regle pile "Pile"
    si U2 = 12,005 alors admis
  sinon ajourne
"""


def test_a_lower_grade_and_a_single_exact_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """U1 < 12: the nearest grade is below (11,99, the boundary excluded); U2 = 12,005:
    only that exact value, no grade in hundredths."""
    (tmp_path / "essai.reg").write_text(TOY, "utf-8")
    (tmp_path / "c.csv").write_text("id,regime,U1,U2\na,r,14,9\n", "utf-8")
    reg = ndrc_rules.load(tmp_path / "essai.reg")
    row = {"regime": "r", "U1": "14", "U2": "9"}
    assert outcome_at(reg, row, "initial", "U1", Fraction("11.99")) == "admis"
    assert outcome_at(reg, row, "initial", "U1", Fraction(12)) == "ajourne"
    assert outcome_at(reg, row, "initial", "U2", Fraction("12.005")) == "admis"
    args = (tmp_path / "essai.reg", tmp_path / "c.csv", "--id", "a")
    code, out, _ = in_process(capsys, "explain", *args)
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    assert "U1 Un : moins de 12,00 (11,99) au lieu de 14,00 aurait donné « Admis »" in flat
    assert (
        "U2 Deux : 2401/200 exactement (aucune note au centième ne convient) au lieu de 9,00"
    ) in flat


def test_the_grade_beyond_a_breakpoint() -> None:
    """The set starts exactly at a breakpoint (a `points au-dessus de 10,005` cut, where
    the evaluator decides the point itself): the boundary 10.005 is inclusive, and the
    grade is the next hundredth, 10.01, found in the piece after it."""
    toy = (
        'resultat admis "Admis"\nresultat ajourne "Ajourné"\n\ndiplome ESSAI "Essai"\n\n'
        'regime r "Régime"\n  groupe g "Unités"\n    unite U1 "Un" coefficient 1\n'
        '  chiffre bonus "Bonus" = points au-dessus de 10,005 de g\n'
        '  regle seuil "Seuil"\n    si U1 >= 10,005 et bonus >= 0 alors admis\n'
        "  sinon ajourne\n"
    )
    reg = ndrc_rules.loads(toy, "essai.reg")
    decision = reg.decide({"id": "a", "regime": "r", "U1": "9"}, near_miss=True)
    assert decision.near_miss is not None
    (needed,) = decision.near_miss[0].inputs[0].needed
    assert (needed.threshold, needed.inclusive, needed.grade, needed.rule) == (
        "2001/200",
        True,
        "1001/100",
        "seuil",
    )
    row = {"regime": "r", "U1": "9"}
    assert outcome_at(reg, row, "initial", "U1", Fraction("10.01")) == "admis"
    assert outcome_at(reg, row, "initial", "U1", Fraction("10.00")) == "ajourne"
