"""The generated fast path decides exactly as the general evaluator, or defers to it."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ndrc_rules
from ndrc_rules.engine.fastpath import compile_fast
from ndrc_rules.io.candidates import Candidate, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = sorted(
    p for p in (ROOT / "regulations").glob("bts_*.reg") if "national" not in p.name
)


def general(regulation: ndrc_rules.Regulation, candidate: Candidate) -> tuple[str, str] | str:
    result = regulation.try_decide(candidate, trace=False)
    return getattr(result, "code", None) or (result.decision, result.deciding_rule)


def fast(regulation: ndrc_rules.Regulation, candidate: Candidate) -> tuple[str, str] | str:
    result = regulation.outcome(candidate)
    return getattr(result, "code", None) or tuple(result)


@pytest.mark.parametrize("path", REGULATIONS, ids=lambda p: p.name)
def test_every_shipped_regime_has_a_fast_path(path: Path) -> None:
    regulation = ndrc_rules.load(path)
    assert all(compile_fast(regime) is not None for regime in regulation.program.regimes)


@pytest.mark.parametrize("path", REGULATIONS, ids=lambda p: p.name)
def test_fast_and_general_agree_on_random_cohorts(path: Path) -> None:
    regulation = ndrc_rules.load(path)
    rng = random.Random(path.name)
    for regime in regulation.program.regimes:
        codes = [u.code for u in regime.units]
        for i in range(400):
            grades: dict[str, object] = {}
            bar = rng.choice((8, 10, None))
            for code in codes:
                grade = (
                    Fraction(bar) if bar and i % 3 == 0 else Fraction(rng.randrange(0, 2001), 100)
                )
                grades[code] = grade
            if i % 7 == 0:
                grades.pop(codes[-1])  # the optional unit not taken (or a unit missing)
            candidate = Candidate(row=i, id=str(i), regime=regime.name, grades=grades)
            assert fast(regulation, candidate) == general(regulation, candidate)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.fractions(min_value=0, max_value=20, max_denominator=1000), min_size=7, max_size=7),
    st.sampled_from(["apprentissage", "professionnalisation"]),
)
def test_fast_and_general_agree_on_any_grades(values: list[Fraction], regime: str) -> None:
    regulation = NDRC
    codes = ["U1", "U2", "U3", "U4", "U5", "U6", "UF1"]
    candidate = Candidate(
        row=1, id="h", regime=regime, grades=dict(zip(codes, values, strict=True))
    )
    assert fast(regulation, candidate) == general(regulation, candidate)


NDRC = ndrc_rules.load(ROOT / "regulations" / "bts_ndrc.reg")
# Rows the generated functions leave to the general evaluator (also used by test_fasttrace).
UNUSUAL = [
    {"U1": "ABS"},
    {"U1": "DISP"},
    {"U2": "ABJ"},
    {"U5": "", "U5.ecrit": "9", "U5.pratique": "12"},
    {"U1.rattrapage": "12", "U2.rattrapage": "14"},
    {"U7": "12"},
    {"U3": "12.125"},
    {"UF1": "ABS"},
]


@pytest.mark.parametrize("columns", UNUSUAL)
def test_anything_unusual_goes_to_the_general_evaluator(columns: dict[str, str]) -> None:
    row = {
        "id": "x",
        "regime": "apprentissage",
        "U1": "6",
        "U2": "7",
        "U3": "8",
        "U4": "10",
        "U5": "10",
        "U6": "11",
        **columns,
    }
    candidate = candidate_from_mapping(1, row)
    decide = compile_fast(NDRC.regimes["apprentissage"].regime)
    assert decide is not None and decide(candidate.grades) is None
    assert fast(NDRC, candidate) == general(NDRC, candidate)


def test_hostile_names_never_reach_the_generated_source_unescaped() -> None:
    text = (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8")
    hostile = '"); import os; os.system("echo pwned") #'
    regulation = ndrc_rules.loads(
        text.replace(
            'unite UF1 "EF1 Communication en langue étrangère 2"', f"unite UF1 «{hostile}»"
        ),
        str(ROOT / "regulations" / "hostile.reg"),
    )
    regime = regulation.program.regimes[0]
    decide = compile_fast(regime)
    assert decide is not None  # titles never enter the source
    weird = Candidate(
        row=1,
        id="w",
        regime="apprentissage",
        grades={"U1": Fraction(12), "x'); print('pwned": Fraction(1)},
    )
    assert decide(weird.grades) is None
