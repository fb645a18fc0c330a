"""Core model → compiled evaluator → evaluation record.

Each regime is compiled once into closures over exact fractions; deciding a
candidate runs them in order and keeps a compact record (unit values, figure
values, the status of each rule examined). The full trace is built from that
record by `explain`, only when someone asks for it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePath

from ndrc_rules.common.numbers import rounded
from ndrc_rules.common.status import RuleStatus, UnitStatus
from ndrc_rules.engine.binding import BindingError, UnitValue
from ndrc_rules.language import core as m
from ndrc_rules.language.constructs import (
    AGGREGATES,
    COMPARISONS,
    AggregateKind,
    Quotient,
    weight,
)
from ndrc_rules.language.source import Span
from ndrc_rules.language.words import describe

Env = tuple[dict[str, UnitValue], dict[str, Fraction]]
NumberFn = Callable[[Env], Fraction]
TestFn = Callable[[Env], bool]
Comparator = Callable[[Fraction, Fraction], bool]

_ARITHMETIC: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
ZERO = Fraction(0)


@dataclass(frozen=True, slots=True)
class Place:
    """A figure or an expression, and where the file states it: what C016 names."""

    name: str
    span: Span

    @classmethod
    def of(cls, expr: m.Expr) -> Place:
        """An expression in the regulation's words, at its own place in the text."""
        return cls(describe(expr), expr.span)

    @property
    def where(self) -> str:
        return f"{PurePath(self.span.file).name}:{self.span.line}:{self.span.column}"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What deciding one candidate found, in the order it was found."""

    regime: m.RegimeDef
    phase: m.PhaseDef  # the regime's main phase, or its phase after the resit
    units: dict[str, UnitValue]
    figures: dict[str, Fraction]
    statuses: tuple[RuleStatus, ...]  # per rule, in order
    decided: int  # index of the deciding rule

    @property
    def rule(self) -> m.RuleDef:
        return self.phase.rules[self.decided]


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: m.RuleDef
    condition: TestFn | None
    exceptions: tuple[TestFn, ...]


@dataclass(frozen=True, slots=True)
class _CompiledPhase:
    phase: m.PhaseDef
    figures: list[tuple[str, NumberFn]]
    rules: list[_CompiledRule]


class CompiledRegime:
    """A regime turned into closures, built once and reused for every candidate."""

    def __init__(self, regime: m.RegimeDef) -> None:
        self.regime = regime
        self.units = {u.code: u for u in regime.units}
        resit_figures = regime.resit.figures if regime.resit else []
        self.figure_spans = {f.name: f.span for f in [*regime.figures, *resit_figures]}
        self.main = self.phase(m.PhaseDef(regime.figures, regime.rules))
        self.resit = self.phase(regime.resit) if regime.resit else None

    def phase(self, phase: m.PhaseDef) -> _CompiledPhase:
        figures = [(f.name, self.figure(f)) for f in phase.figures]
        rules = [
            _CompiledRule(
                r,
                self.test(r.condition) if r.condition else None,
                tuple(self.test(e.condition) for e in r.exceptions),
            )
            for r in phase.rules
        ]
        return _CompiledPhase(phase, figures, rules)

    def evaluate(self, units: dict[str, UnitValue], *, resit: bool = False) -> Evaluation:
        """Decide with the main rules, or with those after the resit."""
        compiled = self.resit if resit and self.resit else self.main
        figures: dict[str, Fraction] = {}
        env = (units, figures)
        for name, compute in compiled.figures:
            figures[name] = compute(env)
        statuses: list[RuleStatus] = []
        for index, rule in enumerate(compiled.rules):
            status = _status(rule, env)
            statuses.append(status)
            if status.decides:
                statuses.extend(RuleStatus.NOT_REACHED for _ in compiled.rules[index + 1 :])
                return Evaluation(
                    self.regime, compiled.phase, units, figures, tuple(statuses), index
                )
        raise AssertionError("a checked regime always ends with its default rule")

    # --- compiling expressions ---------------------------------------------------
    def figure(self, figure: m.FigureDef) -> NumberFn:
        compute = self.number(figure.expr, Place(figure.name, figure.span))
        if figure.rounding is None:
            return compute
        decimals, mode = figure.rounding.decimals, figure.rounding.mode
        return lambda env: rounded(compute(env), decimals, mode)

    def number(self, expr: m.Expr, figure: Place) -> NumberFn:
        """`figure`: what a division by zero names (the figure, or the expression)."""
        match expr:
            case m.Const(value=value):
                return lambda env: value
            case m.FigureRef(name=name):
                return lambda env: env[1][name]
            case m.UnitGrade():
                return self.unit_grade(expr)
            case m.Aggregate(kind=kind):
                return self.aggregate(kind, expr, figure)
            case m.Arithmetic(op=op, left=left, right=right):
                return self.arithmetic(
                    op,
                    self.number(left, figure),
                    self.number(right, figure),
                    figure,
                    self.divisor(right),
                )
            case m.Negative(operand=operand):
                inner = self.number(operand, figure)
                return lambda env: -inner(env)
        raise AssertionError(expr)

    @staticmethod
    def unit_grade(expr: m.UnitGrade) -> NumberFn:
        """A unit's grade, where the file reads it (what C017 names for an exempted unit)."""
        code, place = expr.code, Place.of(expr).where

        def grade(env: Env) -> Fraction:
            value = env[0][code]
            if value.status is UnitStatus.DISP:
                raise BindingError("C017", code, unit=code, place=place)
            return value.value if value.value is not None else ZERO

        return grade

    def divisor(self, expr: m.Expr) -> Place | None:
        """What a zero divisor names: the expression, where the file states it (a
        divisor figure: that figure's own statement); None for an aggregate that is zero
        only when all is exempted."""
        match expr:
            case m.Aggregate(kind=kind) if AGGREGATES[kind].zero_if_none_counted:
                return None
            case m.FigureRef(name=name) if name in self.figure_spans:
                return Place(name, self.figure_spans[name])
        return Place.of(expr)

    @staticmethod
    def arithmetic(
        op: str, left: NumberFn, right: NumberFn, figure: Place, divisor: Place | None = None
    ) -> NumberFn:
        """`divisor`: the zero a division names; None, units that are all exempted."""
        apply = _ARITHMETIC[op]
        if op != "/":
            return lambda env: apply(left(env), right(env))
        named = {"figure": figure.name, "place": figure.where}
        if divisor is not None:
            named |= {"key": "C016.zero", "divisor": divisor.name, "at": divisor.where}

        def divide(env: Env) -> Fraction:
            denominator = right(env)
            if denominator == 0:
                raise BindingError("C016", None, **named)
            return left(env) / denominator

        return divide

    def aggregate(self, kind: AggregateKind, expr: m.Aggregate, figure: Place) -> NumberFn:
        """The exact form of `kind` in `constructs.AGGREGATES`, over the units of `expr`
        it counts; a quotient divides (C016 when nothing counts)."""
        definition = AGGREGATES[kind]
        form = definition.exact
        if isinstance(form, Quotient):
            numerator, denominator = (
                self.aggregate(k, expr, figure) for k in (form.numerator, form.denominator)
            )
            return self.arithmetic("/", numerator, denominator, figure)
        weights = [(code, weight(self.units[code].coefficient)) for code in expr.units]
        counted, threshold = definition.counted, expr.threshold or ZERO

        def compute(env: Env) -> Fraction:
            units = env[0]
            terms = [(w, units[c].value) for c, w in weights if units[c].status in counted]
            return form(terms, threshold)  # type: ignore[arg-type]

        return compute

    # --- compiling conditions ----------------------------------------------------
    def test(self, cond: m.Cond) -> TestFn:
        match cond:
            case m.Compare(op=op, left=left, right=right):
                compare = COMPARISONS[op].test
                lhs, rhs = (self.number(e, Place.of(e)) for e in (left, right))
                return lambda env: compare(lhs(env), rhs(env))
            case m.InRange():
                return self.in_range(cond)
            case m.AnyAbsent(units=units):
                return lambda env: any(env[0][c].status.absent for c in units)
            case m.All(operands=operands):
                tests = [self.test(o) for o in operands]
                return lambda env: all(t(env) for t in tests)
            case m.Any_(operands=operands):
                tests = [self.test(o) for o in operands]
                return lambda env: any(t(env) for t in tests)
            case m.Negation(operand=operand):
                inner = self.test(operand)
                return lambda env: not inner(env)
        raise AssertionError(cond)

    def in_range(self, cond: m.InRange) -> TestFn:
        value, low, high = (self.number(e, Place.of(e)) for e in (cond.value, cond.low, cond.high))
        above: Comparator = operator.ge if cond.low_inclusive else operator.gt
        below: Comparator = operator.le if cond.high_inclusive else operator.lt

        def test(env: Env) -> bool:
            x = value(env)
            return above(x, low(env)) and below(x, high(env))

        return test


def _status(compiled: _CompiledRule, env: Env) -> RuleStatus:
    if compiled.condition is None:
        return RuleStatus.DEFAULT
    if not compiled.condition(env):
        return RuleStatus.FAILED
    if any(exception(env) for exception in compiled.exceptions):
        return RuleStatus.EXCEPTED
    return RuleStatus.HELD
