"""The near miss against an exhaustive oracle: every grade in hundredths, decided.

`engine/nearmiss` finds the nearest sufficient grade from the rules' linear forms,
never by search. Here each input of a few candidates is set, in turn, to every
grade from 0,00 to 20,00 and decided by the engine: the nearest grade giving each
better outcome must be the one the near miss reports, and an outcome no hundredth
reaches must be reported as reached by none. An independent check of exactly
what a relevé tells a candidate.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import ROOT

import ndrc_rules
from ndrc_rules.io.candidates import Candidate, Marker, candidate_from_mapping, parse_grade

REGULATION = ndrc_rules.load(ROOT / "regulations" / "bts_ndrc.reg")
HUNDREDTHS = range(2001)  # 0,00 … 20,00
PRO = {"U4": "9", "U5": "10", "U6": "10"}
CANDIDATES = {
    # 196/21 = 9,33; professional average 115/12 = 9,58: ajourné, the resit out of reach.
    "below_both": {"regime": "apprentissage", "U1": "9", "U2": "9", "U3": "9", **PRO},
    # The professionnalisation exception: admission unless the professional average < 10.
    "exception": {
        "regime": "professionnalisation",
        **{"U1": "14", "U2": "13", "U3": "12,5", "U4": "9", "U5": "9,5", "U6": "10"},
    },
    # An optional unit: only its points above 10 count (a kink at 10).
    "optional": {
        "regime": "apprentissage",
        **{"U1": "8,5", "U2": "9", "U3": "9,25", "U4": "10,4", "U5": "10,6", "U6": "11"},
        "UF1": "7",
    },
    # A justified absence counts 0: the absent unit itself is an input.
    "justified": {
        "regime": "apprentissage",
        **{"U1": "ABJ", "U2": "11", "U3": "11", "U4": "10,5", "U5": "10,5", "U6": "10,5"},
    },
}


def _outcome(columns: dict[str, str]) -> str:
    candidate = candidate_from_mapping(1, {"id": "x", **columns})
    assert isinstance(candidate, Candidate)
    verdict = REGULATION.outcome(candidate)
    assert isinstance(verdict, tuple)
    return verdict.decision


def _nearest(columns: dict[str, str], column: str) -> dict[str, Fraction]:
    """Per outcome, the hundredth nearest the input's grade (the smallest, for an input
    without one) that gives it, every other input as it is."""
    given = parse_grade(columns[column]) if column in columns else None
    current = Fraction(0) if given is None or isinstance(given, Marker) else given
    reached: dict[str, Fraction] = {}
    for hundredths in HUNDREDTHS:
        grade = Fraction(hundredths, 100)
        outcome = _outcome({**columns, column: f"{hundredths // 100},{hundredths % 100:02d}"})
        best = reached.get(outcome)
        if best is None or abs(grade - current) < abs(best - current):
            reached[outcome] = grade
    return reached


@pytest.mark.parametrize("name", sorted(CANDIDATES))
def test_every_reported_grade_is_the_nearest_hundredth_that_suffices(name: str) -> None:
    columns = CANDIDATES[name]
    decision = REGULATION.decide({"id": "x", **columns}, near_miss=True)
    assert decision.near_miss, "a candidate not admitted has a near miss"
    initial = next(p for p in decision.near_miss if p.phase == "initial")
    answers = 0
    for item in initial.inputs:
        scan = _nearest(columns, item.input)
        for needed in item.needed:
            reported = Fraction(needed.grade) if needed.grade is not None else None
            assert reported == scan.get(needed.outcome), (name, item.input, needed)
            answers += 1
    assert answers >= len(initial.inputs) >= 6
