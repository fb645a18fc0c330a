"""One table of aggregates: each kind has every form, or the backend lacking one refuses it.

Each test over `AggregateKind` writes a regulation from the kind's own words, so a
kind added to the table is parsed, formatted, evaluated, compiled and proved here
too; a backend without its form must refuse it by name, never compute another kind.
"""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction
from typing import get_args

import pytest

import ndrc_rules
from ndrc_rules.audit.records import result_line
from ndrc_rules.common.status import MARKERS, RuleStatus, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.fastpath import compile_fast, why_not_fast
from ndrc_rules.engine.fasttrace import compile_writer
from ndrc_rules.io.candidates import Candidate, Marker
from ndrc_rules.language import core as m
from ndrc_rules.language.analysis.reachability import NotLinear, _Regime, unreachable_rules
from ndrc_rules.language.constructs import AGGREGATES, BY_KEYWORD, COMPARISONS, AggregateKind
from ndrc_rules.language.formatter import format_source
from ndrc_rules.language.names import KEYWORDS
from ndrc_rules.language.source import SourceFile, Span
from ndrc_rules.language.words import describe

# Per kind: the units it is over, and the bar its figure is compared with (both reachable).
CASES = {
    AggregateKind.MEAN: ("pro, general", "10"),
    AggregateKind.TOTAL: ("pro, general", "140"),
    AggregateKind.COEFFICIENTS: ("pro, general", "13"),
    AggregateKind.POINTS_ABOVE: ("facultatives", "1"),
}
CODES = ("U4", "U5", "U1", "U2", "UF1")
AT = "2026-06-30T12:00:00+00:00"


def words(kind: AggregateKind) -> str:
    return AGGREGATES[kind].say(CASES[kind][0], "10")


def source(kind: AggregateKind, *, dead: bool = False) -> str:
    """A regulation deciding on the kind; `dead`: its rule can never hold."""
    bar = CASES[kind][1]
    condition = f"x >= {bar} et x < {bar}" if dead else f"x >= {bar}"
    return f"""diplome T "Test"
resultat admis "Admis"
resultat ajourne "Ajourné"
regime r "R"
  groupe pro "Pro"
    unite U4 "A" coefficient 5 : CCF 2 situations
    unite U5 "B" coefficient 4 : EPFF ecrite 3h
  groupe general "Général" dispensable
    unite U1 "C" coefficient 3 : EPFF ecrite 4h
    unite U2 "D" coefficient 2 : EPFF ecrite 4h
  groupe facultatives "Fac" facultatif
    unite UF1 "E" : EPFF orale 20min
  chiffre x "X" = {words(kind)}
  regle haut "Haut"
    si {condition} alors admis
    cite "admis"
  sinon ajourne
"""


def cohort(size: int) -> list[Candidate]:
    rng = random.Random(12)
    candidates = []
    for i in range(size):
        grades: dict[str, object] = {c: Fraction(rng.randrange(0, 2001), 100) for c in CODES}
        if i % 5 == 0:
            grades["U2"] = Marker.DISP
        if i % 7 == 0:
            grades.pop("UF1")
        candidates.append(Candidate(row=i, id=f"C{i}", regime="r", grades=grades))
    return candidates


def figure(kind: AggregateKind, grades: dict[str, object]) -> str:
    regulation = ndrc_rules.loads(source(kind))
    decision = regulation.try_decide(Candidate(row=1, id="a", regime="r", grades=grades))
    return decision.trace.figures[0].value  # type: ignore[union-attr]


# --- the table --------------------------------------------------------------------------
def test_the_table_defines_every_kind_and_each_has_a_case_here() -> None:
    assert set(AGGREGATES) == set(AggregateKind) == set(CASES)
    assert all(AGGREGATES[k].kind is k for k in AggregateKind)
    assert {BY_KEYWORD[d.keyword] for d in AGGREGATES.values()} == set(AggregateKind)
    assert {d.keyword for d in AGGREGATES.values()} <= set(KEYWORDS.values())


def test_a_core_aggregate_of_an_unknown_kind_cannot_be_built() -> None:
    with pytest.raises(TypeError, match="best"):
        m.Aggregate("best", ("U1",), ("U1",), None, Span("x.reg", 1, 1, 1, 5))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (AggregateKind.MEAN, "61/6"),  # (5·12 + 4·8 + 3·10) / 12: the exempted U2 left out
        (AggregateKind.TOTAL, "122"),
        (AggregateKind.COEFFICIENTS, "12"),
        (AggregateKind.POINTS_ABOVE, "3"),  # UF1 13: the points above 10
    ],
)
def test_each_kind_means_what_its_words_say(kind: AggregateKind, value: str) -> None:
    grades = {"U4": Fraction(12), "U5": Fraction(8), "U1": Fraction(10), "U2": Marker.DISP}
    assert figure(kind, {**grades, "UF1": Fraction(13)}) == value


# --- every backend, for every kind ------------------------------------------------------
@pytest.mark.parametrize("kind", list(AggregateKind))
def test_the_front_end_reads_and_prints_each_kind_from_its_words(kind: AggregateKind) -> None:
    program = ndrc_rules.loads(source(kind)).program
    (expr,) = (f.expr for f in program.regimes[0].figures)
    assert isinstance(expr, m.Aggregate) and expr.kind is kind
    assert describe(expr) == words(kind)
    formatted, diagnostics = format_source(SourceFile.from_text(source(kind), "t.reg"))
    assert diagnostics == [] and f"= {words(kind)}\n" in (formatted or "")


@pytest.mark.parametrize("kind", list(AggregateKind))
def test_the_fast_paths_compute_each_kind_exactly_or_refuse_it(kind: AggregateKind) -> None:
    regulation = ndrc_rules.loads(source(kind))
    regime = regulation.program.regimes[0]
    if AGGREGATES[kind].fast is None:
        assert compile_fast(regime) is None and kind in (why_not_fast(regime) or "")
        assert compile_writer(regime, regulation.program) is None
        return
    assert why_not_fast(regime) is None
    decided = set()
    for candidate in cohort(300):
        general = regulation.try_decide(candidate, decided_at=AT)
        verdict = regulation.outcome(candidate)
        assert verdict == (general.decision, general.deciding_rule)  # type: ignore[union-attr]
        assert regulation.record_line(candidate, decided_at=AT) == result_line(general)
        decided.add(general.decision)  # type: ignore[union-attr]
    assert decided == {"admis", "ajourne"}  # both rules decide some candidate


@pytest.mark.parametrize("kind", list(AggregateKind))
def test_the_prover_proves_each_kind_or_refuses_it(kind: AggregateKind) -> None:
    program = ndrc_rules.loads(source(kind)).program
    if AGGREGATES[kind].linear is None:
        with pytest.raises(NotLinear, match=kind):
            list(_Regime(program.regimes[0]).diagnostics())
        return
    assert unreachable_rules(program) == []
    with pytest.raises(ndrc_rules.RegulationError) as dead:
        ndrc_rules.loads(source(kind, dead=True))  # never true: the prover proves it
    assert "E133" in {d.code for d in dead.value.diagnostics}


# --- a backend without a form refuses, never computes another kind ------------------------
@pytest.mark.parametrize("kind", [k for k in AggregateKind if AGGREGATES[k].fast is not None])
def test_a_kind_without_integer_form_is_left_to_the_general_path_not_taken_for_a_mean(
    kind: AggregateKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(AGGREGATES, kind, replace(AGGREGATES[kind], fast=None))
    regulation = ndrc_rules.loads(source(kind))
    regime = regulation.program.regimes[0]
    assert compile_fast(regime) is None
    assert compile_writer(regime, regulation.program) is None
    assert kind in (why_not_fast(regime) or "")
    grades = {"U4": Fraction(20), "U5": Fraction(20), "U1": Fraction(20), "U2": Fraction(20)}
    candidate = Candidate(row=1, id="a", regime="r", grades={**grades, "UF1": Fraction(20)})
    general = regulation.try_decide(candidate, decided_at=AT)
    assert regulation.outcome(candidate).decision == general.decision == "admis"  # type: ignore[union-attr]
    assert regulation.record_line(candidate, decided_at=AT) == result_line(general)


def test_a_total_the_fast_path_lacks_is_not_computed_as_a_mean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bug the table fixes: an aggregate a backend did not know fell to its mean."""
    total = AggregateKind.TOTAL
    monkeypatch.setitem(AGGREGATES, total, replace(AGGREGATES[total], fast=None))
    regulation = ndrc_rules.loads(source(total))
    grades = {"U4": Fraction(11), "U5": Fraction(11), "U1": Fraction(11), "U2": Fraction(11)}
    candidate = Candidate(row=1, id="a", regime="r", grades=grades)
    assert regulation.outcome(candidate).decision == "admis"  # total 154 ≥ 140; the mean is 11


@pytest.mark.parametrize("kind", [k for k in AggregateKind if AGGREGATES[k].linear is not None])
def test_a_kind_without_linear_form_is_not_proved(
    kind: AggregateKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(AGGREGATES, kind, replace(AGGREGATES[kind], linear=None))
    dead = source(kind, dead=True)  # the rule is dead, but nothing proves it now
    regulation = ndrc_rules.loads(dead)  # loads: no proof, so no E133
    warned = [d for d in regulation.warnings if d.code == "W008"]
    assert [d.args["construct"] for d in warned] == [AGGREGATES[kind].say("…", "N")]
    program = regulation.program
    assert [d.code for d in unreachable_rules(program)] == ["W008"]  # said, not proved
    with pytest.raises(NotLinear, match=kind):
        list(_Regime(program.regimes[0]).diagnostics())


# --- comparisons ------------------------------------------------------------------------
@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
def test_each_comparison_means_the_same_in_every_form(symbol: str) -> None:
    comparison = COMPARISONS[symbol]
    mirrored, negated = COMPARISONS[comparison.mirrored], COMPARISONS[comparison.negated]
    for a, b in [
        (Fraction(1), Fraction(2)),
        (Fraction(2), Fraction(2)),
        (Fraction(3), Fraction(2)),
    ]:
        holds = comparison.test(a, b)
        assert eval(f"a {comparison.python} b") is holds  # the generated code's spelling
        assert mirrored.test(b, a) is holds and negated.test(a, b) is not holds


# --- one vocabulary -----------------------------------------------------------------------
def test_statuses_are_the_texts_records_hold() -> None:
    unit_statuses = get_args(t.UnitTrace.model_fields["status"].annotation)
    rule_statuses = get_args(t.RuleTrace.model_fields["status"].annotation)
    assert set(unit_statuses) == {s.value for s in UnitStatus}
    assert set(rule_statuses) == {s.value for s in RuleStatus}
    assert {marker.value for marker in Marker} == MARKERS


def test_outcome_tones_come_from_the_rules_that_give_them() -> None:
    program = ndrc_rules.load("regulations/bts_ndrc.reg").program
    assert {k: v.value for k, v in m.outcome_tones(program).items()} == {
        "admis": "passed",
        "rattrapage": "resit",
        "ajourne": "failed",
    }
    renamed = ndrc_rules.loads(source(AggregateKind.MEAN).replace("admis", "recu"))
    assert m.outcome_tones(renamed.program) == {"recu": "passed", "ajourne": "failed"}
