"""The generated record writer writes exactly the record of the general path, or defers."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fastpath import UNUSUAL

import ndrc_rules
from ndrc_rules.audit.records import envelope, result_line
from ndrc_rules.common.numbers import display, exact, shown
from ndrc_rules.engine import explain
from ndrc_rules.engine.fasttrace import _texts, _Writer, compile_writer
from ndrc_rules.io.candidates import Candidate, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = sorted(
    p for p in (ROOT / "regulations").glob("bts_*.reg") if "national" not in p.name
)
NDRC_TEXT = (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8")
NDRC = ndrc_rules.load(ROOT / "regulations" / "bts_ndrc.reg")


AT = "2026-06-30T12:00:00+00:00"


def general_line(regulation: ndrc_rules.Regulation, candidate: Candidate) -> tuple[str, str]:
    return result_line(regulation.try_decide(candidate, decided_at=AT))


def fast_line(regulation: ndrc_rules.Regulation, candidate: Candidate) -> tuple[str, str]:
    return regulation.record_line(candidate, decided_at=AT)


def written(regulation: ndrc_rules.Regulation, candidate: Candidate) -> tuple[int, str] | None:
    """What the regime's generated writer alone gives (None: it defers)."""
    regime = next(r for r in regulation.program.regimes if r.name == candidate.regime)
    writer = compile_writer(regime, regulation.program)
    assert writer is not None
    return writer(candidate.grades, envelope(candidate, AT))


def cohort(regulation: ndrc_rules.Regulation, seed: str, size: int) -> list[Candidate]:
    rng = random.Random(seed)
    candidates = []
    for regime in regulation.program.regimes:
        codes = [u.code for u in regime.units]
        for i in range(size):
            bar = rng.choice((8, 10, None))
            grades = {
                code: Fraction(bar) if bar and i % 3 == 0 else Fraction(rng.randrange(0, 2001), 100)
                for code in codes
            }
            if i % 7 == 0:
                grades.pop(codes[-1])  # the optional unit not taken (or a unit missing)
            candidates.append(Candidate(row=i, id=f"C{i}", regime=regime.name, grades=grades))
    return candidates


@pytest.mark.parametrize("path", REGULATIONS, ids=lambda p: p.name)
def test_every_shipped_regime_has_a_writer(path: Path) -> None:
    regulation = ndrc_rules.load(path)
    for regime in regulation.program.regimes:
        assert compile_writer(regime, regulation.program) is not None


@pytest.mark.parametrize("path", REGULATIONS, ids=lambda p: p.name)
def test_writer_and_general_path_write_the_same_text(path: Path) -> None:
    regulation = ndrc_rules.load(path)
    used = 0
    for candidate in cohort(regulation, path.name, 300):
        expected = general_line(regulation, candidate)
        assert fast_line(regulation, candidate) == expected
        fast = written(regulation, candidate)
        if fast is not None:
            used += 1
            assert fast[1] == expected[1]
    assert used > 200  # the writer, not the fallback, wrote most of them


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.fractions(min_value=0, max_value=20, max_denominator=100), min_size=7, max_size=7),
    st.sampled_from(["apprentissage", "professionnalisation"]),
    st.text(min_size=1).filter(str.strip),
    st.integers(min_value=1, max_value=10**9),
)
def test_same_text_for_any_grades_and_any_id(
    values: list[Fraction], regime: str, identifier: str, row: int
) -> None:
    codes = ["U1", "U2", "U3", "U4", "U5", "U6", "UF1"]
    candidate = Candidate(
        row=row, id=identifier, regime=regime, grades=dict(zip(codes, values, strict=True))
    )
    assert fast_line(NDRC, candidate) == general_line(NDRC, candidate)


@pytest.mark.parametrize(
    "columns",
    [
        *UNUSUAL,
        {"U3.acquis": "2024", "session": "2025"},
        {"jury": "admis", "jury_motif": "Délibération du jury"},
        {"U6": ""},  # a compulsory unit missing: the row's error
        {"regime": "inconnu"},
    ],
)
def test_unusual_rows_get_the_general_record(columns: dict[str, str]) -> None:
    row = {"id": "x", "regime": "apprentissage", "U1": "6", "U2": "7", "U3": "8"}
    row |= {"U4": "10", "U5": "10", "U6": "11", **columns}
    candidate = candidate_from_mapping(1, row)
    assert isinstance(candidate, Candidate)
    if candidate.regime == "apprentissage" and not candidate.kept and not candidate.jury:
        assert written(NDRC, candidate) is None
    assert fast_line(NDRC, candidate) == general_line(NDRC, candidate)


# Texts a coordinator may write that mean something to JSON, to Python or to the
# writer's own markers: none may change the record or reach the generated source.
HOSTILE = '\'"); import os; os.system("echo pwned") # \\ \\u0001 1 \\u0000 "\\u00011\\u0001"'


def test_hostile_texts_are_written_as_the_general_path_writes_them(with_national: Path) -> None:
    text = NDRC_TEXT.replace(
        'unite UF1 "EF1 Communication en langue étrangère 2"', f"unite UF1 «{HOSTILE}»"
    ).replace('  regle admission\n    cite "', f'  regle admission\n    cite «{HOSTILE}»\n      "')
    assert text.count("pwned") == 2
    regulation = ndrc_rules.loads(text, str(with_national / "hostile.reg"))
    regime = regulation.program.regimes[0]
    assert "pwned" not in _Writer(regime, regulation.program).source()
    for candidate in cohort(regulation, "hostile", 60):
        line = fast_line(regulation, candidate)
        assert line == general_line(regulation, candidate)
    assert written(regulation, candidate) is not None
    assert HOSTILE in json.loads(line[1])["trace"]["units"][-1]["title"]


def test_checks_on_computed_values_and_exceptions(with_national: Path) -> None:
    """Figures compared after arithmetic, and two exceptions to one rule."""
    text = NDRC_TEXT.replace(
        "    sauf si moyenne_pro < 10\n",
        "    sauf si moyenne_pro * 2 - 1 < 19\n"
        "    sauf si (moyenne_generale + moyenne_pro) / 2 entre 0 exclu et 11 inclus\n",
    )
    regulation = ndrc_rules.loads(text, str(with_national / "computed.reg"))
    excepting: set[tuple[bool, ...]] = set()
    for candidate in cohort(regulation, "computed", 300):
        line = fast_line(regulation, candidate)
        assert line == general_line(regulation, candidate)
        rule = json.loads(line[1])["trace"]["rules"][1]
        if rule["status"] == "excepted":
            excepting.add(tuple(e["result"] for e in rule["exceptions"]))
    assert {(True, False), (False, True)} <= excepting


# Changes to what `explain` says a trace shows: one table entry, one word.
PLAN_CHANGES = {
    "failed rules show their exceptions": lambda patch: patch.setitem(
        explain.SHOWN, "failed", (True, True)
    ),
    "another word when no unit is absent": lambda patch: patch.setattr(
        explain, "NO_ABSENCE", "personne"
    ),
}


@pytest.mark.parametrize("change", PLAN_CHANGES.values(), ids=list(PLAN_CHANGES))
def test_the_trace_is_written_once_in_explain(
    change: Callable[[pytest.MonkeyPatch], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 (3): `explain` alone says what a trace shows, and the generated writer
    is compiled from it: one element changed there changes both records alike."""
    candidates = cohort(NDRC, "written once", 40)
    before = [general_line(NDRC, candidate)[1] for candidate in candidates]
    change(monkeypatch)
    regulation = ndrc_rules.load(ROOT / "regulations" / "bts_ndrc.reg")  # writers compiled now
    changed = 0
    for candidate, old in zip(candidates, before, strict=True):
        line = general_line(regulation, candidate)
        assert fast_line(regulation, candidate) == line
        fast = written(regulation, candidate)
        assert fast is not None
        assert fast[1] == line[1]
        changed += line[1] != old
    assert changed > 10  # and the writer itself wrote them


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=10**6))
def test_integer_texts_are_exact_and_display(numerator: int, denominator: int) -> None:
    value = Fraction(numerator, denominator)
    assert _texts(numerator, denominator) == (exact(value), display(value))


NEAR = [Fraction(n, 100) for n in (798, 799, 800, 801, 998, 999, 1000, 1001, 1002)]


def near_thresholds(regulation: ndrc_rules.Regulation, seed: str, size: int) -> list[Candidate]:
    """Grades a hundredth around 8 and 10: averages land a few thousandths off them."""
    rng = random.Random(seed)
    return [
        Candidate(
            row=i,
            id=f"N{i}",
            regime=regime.name,
            grades={u.code: rng.choice(NEAR) for u in regime.units},
        )
        for regime in regulation.program.regimes
        for i in range(size)
    ]


def test_more_digits_where_two_hide_a_comparison_same_text(with_national: Path) -> None:
    """Issue 10 (4): a value shown with the digits that tell it from its threshold,
    by the generated writer as by the general path, including thresholds with three
    decimals and figures compared with figures (worked out at run time)."""
    text = NDRC_TEXT.replace(
        "    sauf si moyenne_pro < 10\n",
        "    sauf si moyenne_pro < moyenne_generale - 0,001\n    sauf si moyenne_pro < 9,995\n",
    )
    for regulation in (NDRC, ndrc_rules.loads(text, str(with_national / "near.reg"))):
        longer = 0
        for candidate in near_thresholds(regulation, "near", 300):
            line = fast_line(regulation, candidate)
            assert line == general_line(regulation, candidate)
            assert written(regulation, candidate) is not None
            figures = json.loads(line[1])["figures"].values()
            longer += any(len(v.partition(".")[2]) > 2 for v in figures)
        assert longer > 20


@settings(max_examples=500, deadline=None)
@given(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=1, max_value=10**4),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=1, max_value=10**4),
)
def test_values_compared_never_read_the_same_unless_equal(a: int, b: int, c: int, d: int) -> None:
    """Issue 10 (4): two different values compared are never shown alike, and a
    value alone keeps its two truncated decimals."""
    value, other = Fraction(a, b), Fraction(c, d)
    assert shown(value) == display(value)
    assert (shown(value, [other]) == shown(other, [value])) == (value == other)
    assert _texts(a, b, frozenset({other})) == (exact(value), shown(value, [other]))
