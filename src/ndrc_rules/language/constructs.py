"""The aggregates and comparisons of the language, each defined once: every backend
reads this table.

An aggregate over units (`moyenne de`, `total de`, `coefficients de`,
`points au-dessus de N de`) is one entry: its kind, its keyword and French
words, its scale, which units it counts, and its meaning in each form a
backend needs — exact over fractions (the general evaluator), in integer
hundredths (the generated fast paths), linear in the grades (the prover). The
builder and the formatter, `words` (traces, diagnostics) read its words.

The kind is an enum: a core node of an unknown kind cannot be built, and the
table must hold every kind (checked on import). A form may be missing (None):
the backend that needs it refuses the construct with `NoForm`, saying which —
the fast path leaves the regime to the general evaluator, the prover says it
cannot prove. A form may also be a `Quotient` of two other kinds: each backend
divides with its own division, and its own rule for a zero divisor.

A comparison is one entry too: its symbol, its exact test, its spelling in
generated code, and its mirror and opposite for the prover.

Pure data and small functions: no backend's types, no pydantic, no rich.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Protocol, Self, TypeVar

from ndrc_rules.common.status import UnitStatus

ZERO, ONE = Fraction(0), Fraction(1)


class AggregateKind(StrEnum):
    MEAN = "mean"
    TOTAL = "total"
    COEFFICIENTS = "coefficients"
    POINTS_ABOVE = "points_above"


class NoForm(Exception):
    """A backend has no form for a construct: it refuses it, naming it."""

    def __init__(self, backend: str, kind: AggregateKind) -> None:
        super().__init__(f"{backend}: no form for the aggregate `{kind}`")
        self.backend, self.kind = backend, kind


@dataclass(frozen=True, slots=True)
class Quotient:
    """One aggregate over another, on the same units (`moyenne` = `total` / `coefficients`)."""

    numerator: AggregateKind
    denominator: AggregateKind


class Affine(Protocol):
    """What a linear form computes with: the prover's linear expressions in the grades."""

    def __add__(self, other: Self, /) -> Self: ...
    def __sub__(self, other: Self, /) -> Self: ...
    def scale(self, factor: Fraction) -> Self: ...


A = TypeVar("A", bound=Affine)

# Each form is over the units the aggregate counts (its `counted` statuses), in order:
# exact: (weight, value) of each, and the threshold → the value;
Exact = Callable[[Sequence[tuple[Fraction, Fraction]], Fraction], Fraction]
# fast: (variable holding the grade in hundredths, None for an optional unit not taken;
# weight) of each, and the threshold → (numerator, denominator) as Python source, or
# NotFast when this instance has no integer form;
Fast = Callable[[Sequence[tuple[str, Fraction]], Fraction], tuple[str, str]]
# linear: (weight, grade as a linear form, whether above the threshold) of each, the
# threshold and how to make a constant → the linear form.
LinearTerms = Sequence[tuple[Fraction, A, bool]]
Linear = Callable[[LinearTerms[A], Fraction, Callable[[Fraction], A]], A]


class NotFast(Exception):
    """A construct the integer generator leaves to the general evaluator."""


@dataclass(frozen=True, slots=True)
class AggregateDef:
    kind: AggregateKind
    keyword: str  # the token that opens it in the grammar
    words: str  # in the regulation's words: {units} and {threshold} filled in
    grade_scale: bool  # its value is on the 0–20 scale of a grade
    takes_optional: bool  # optional units may be named
    counted: frozenset[UnitStatus]  # the statuses of the units it counts
    split_at_threshold: bool  # linear only on each side of its threshold, per unit
    exact: Exact | Quotient
    fast: Fast | Quotient | None  # None: no integer form, the fast path refuses
    linear: Linear | Quotient | None  # None: not linear, the prover cannot prove
    zero_if_none_counted: bool = False  # 0 only when no unit counts (all exempted)

    def say(self, units: str, threshold: str = "") -> str:
        return self.words.format(units=units, threshold=threshold)


def weight(coefficient: Fraction | None) -> Fraction:
    """A unit's weight in an aggregate: its coefficient, 1 for an optional unit."""
    return coefficient or ONE


# --- exact forms ---------------------------------------------------------------------
def _total(terms: Sequence[tuple[Fraction, Fraction]], threshold: Fraction) -> Fraction:
    """Σ weight·value, exactly, in integers over one common denominator: a sum of
    Fractions would reduce by a gcd at every step."""
    common = math.lcm(*(w.denominator * v.denominator for w, v in terms)) if terms else 1
    total = sum(
        w.numerator * v.numerator * (common // (w.denominator * v.denominator)) for w, v in terms
    )
    return Fraction(total, common)


def _coefficients(terms: Sequence[tuple[Fraction, Fraction]], threshold: Fraction) -> Fraction:
    return sum((w for w, _ in terms), ZERO)


def _points_above(terms: Sequence[tuple[Fraction, Fraction]], threshold: Fraction) -> Fraction:
    return sum((max(ZERO, v - threshold) for _, v in terms), ZERO)


# --- integer forms -------------------------------------------------------------------
def _integer_weights(units: Sequence[tuple[str, Fraction]]) -> list[int]:
    if any(w.denominator != 1 for _, w in units):
        raise NotFast("weights")
    return [int(w) for _, w in units]


def _total_fast(units: Sequence[tuple[str, Fraction]], threshold: Fraction) -> tuple[str, str]:
    weights = _integer_weights(units)
    terms = [f"{w} * {v}" for (v, _), w in zip(units, weights, strict=True)]
    return " + ".join(terms) or "0", "100"


def _coefficients_fast(
    units: Sequence[tuple[str, Fraction]], threshold: Fraction
) -> tuple[str, str]:
    return str(sum(_integer_weights(units))), "1"


def _points_above_fast(
    units: Sequence[tuple[str, Fraction]], threshold: Fraction
) -> tuple[str, str]:
    scaled = threshold * 100
    if scaled.denominator != 1:
        raise NotFast("threshold")
    t = scaled.numerator
    terms = [f"({v} - {t} if {v} is not None and {v} > {t} else 0)" for v, _ in units]
    return " + ".join(terms) or "0", "100"


# --- linear forms --------------------------------------------------------------------
def _total_linear(
    terms: LinearTerms[A], threshold: Fraction, constant: Callable[[Fraction], A]
) -> A:
    return sum((g.scale(w) for w, g, _ in terms), constant(ZERO))


def _coefficients_linear(
    terms: LinearTerms[A], threshold: Fraction, constant: Callable[[Fraction], A]
) -> A:
    return constant(sum((w for w, _, _ in terms), ZERO))


def _points_above_linear(
    terms: LinearTerms[A], threshold: Fraction, constant: Callable[[Fraction], A]
) -> A:
    return sum((g - constant(threshold) for _, g, above in terms if above), constant(ZERO))


# --- the table -----------------------------------------------------------------------
AVERAGED = frozenset(s for s in UnitStatus if s.counts)  # graded, or counting 0
GRADED = frozenset({UnitStatus.GRADED})


def _table(*definitions: AggregateDef) -> dict[AggregateKind, AggregateDef]:
    table = {d.kind: d for d in definitions}
    missing = set(AggregateKind) - set(table)
    if missing:
        raise AssertionError(f"aggregate kinds without a definition: {sorted(missing)}")
    return table


AGGREGATES = _table(
    AggregateDef(
        AggregateKind.MEAN,
        keyword="MOYENNE",
        words="moyenne de {units}",
        grade_scale=True,
        takes_optional=False,
        counted=AVERAGED,
        split_at_threshold=False,
        exact=Quotient(AggregateKind.TOTAL, AggregateKind.COEFFICIENTS),
        fast=Quotient(AggregateKind.TOTAL, AggregateKind.COEFFICIENTS),
        linear=Quotient(AggregateKind.TOTAL, AggregateKind.COEFFICIENTS),
    ),
    AggregateDef(
        AggregateKind.TOTAL,
        keyword="TOTAL",
        words="total de {units}",
        grade_scale=False,
        takes_optional=False,
        counted=AVERAGED,
        split_at_threshold=False,
        exact=_total,
        fast=_total_fast,
        linear=_total_linear,
    ),
    AggregateDef(
        AggregateKind.COEFFICIENTS,
        keyword="COEFFICIENTS",
        words="coefficients de {units}",
        grade_scale=False,
        takes_optional=False,
        counted=AVERAGED,
        split_at_threshold=False,
        exact=_coefficients,
        fast=_coefficients_fast,
        linear=_coefficients_linear,
        zero_if_none_counted=True,
    ),
    AggregateDef(
        AggregateKind.POINTS_ABOVE,
        keyword="POINTS",
        words="points au-dessus de {threshold} de {units}",
        grade_scale=False,
        takes_optional=True,
        counted=GRADED,  # an absent, exempted or untaken unit adds no points
        split_at_threshold=True,
        exact=_points_above,
        fast=_points_above_fast,
        linear=_points_above_linear,
    ),
)
BY_KEYWORD = {d.keyword: d.kind for d in AGGREGATES.values()}


# --- comparisons -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ComparisonDef:
    """A comparison, as written and shown (`>=`), and its form for each backend."""

    symbol: str
    test: Callable[[Fraction, Fraction], bool]  # exact: the evaluator, binding
    python: str  # in generated source: the fast paths
    mirrored: str  # the same test, its sides swapped (a >= b ⇔ b <= a): the prover
    negated: str  # the opposite test (not a >= b ⇔ a < b): the prover


COMPARISONS = {
    c.symbol: c
    for c in (
        ComparisonDef(">=", operator.ge, ">=", mirrored="<=", negated="<"),
        ComparisonDef("<=", operator.le, "<=", mirrored=">=", negated=">"),
        ComparisonDef(">", operator.gt, ">", mirrored="<", negated="<="),
        ComparisonDef("<", operator.lt, "<", mirrored=">", negated=">="),
        ComparisonDef("=", operator.eq, "==", mirrored="=", negated="!="),
        ComparisonDef("!=", operator.ne, "!=", mirrored="!=", negated="="),
    )
}
