"""Checked model → rules that can never decide, each with a concrete candidate.

A compile pass after checking. Rules are examined in order and the first that
holds decides, so rule k decides some candidate only if its condition holds,
none of its exceptions does, and every earlier rule fails. Figures are linear
in the grades once each unit's status (graded, ABS, DISP) and each side of a
`points au-dessus de` threshold are fixed (each aggregate's linear form is its
entry's in `constructs.AGGREGATES`), so for every such case the question
is a linear feasibility problem, solved exactly by `simplex`. No sampling: a rule
reported here can really never decide, and the example candidate shown is one
it would have matched, decided by an earlier rule instead.

A regime whose figures are not linear (a product of two grades, a division by a
grade, a stated rounding, an aggregate whose entry has no linear form) is not
analysed.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ndrc_rules.common.messages import text
from ndrc_rules.common.status import UnitStatus
from ndrc_rules.language import core as m
from ndrc_rules.language.analysis.simplex import Budget, Constraint, OverBudget, solve
from ndrc_rules.language.constructs import (
    AGGREGATES,
    COMPARISONS,
    AggregateKind,
    NoForm,
    Quotient,
    weight,
)
from ndrc_rules.language.diagnostics import Diagnostic, Hint, Severity, unique
from ndrc_rules.language.source import Span
from ndrc_rules.language.words import describe, describe_condition

ZERO, ONE = Fraction(0), Fraction(1)
GRADE_BOUNDS = (Fraction(0), Fraction(20))
MAX_CASES = 4096  # status patterns × threshold sides; beyond, the regime is not analysed
# Beyond these, the proof would take too long: the regime is left unproved, and said so.
MAX_ALTERNATIVES = 4096  # alternatives of one condition in disjunctive normal form
# Tableau cells the simplex may compute for one regime's proof (the shipped
# regulations need under 8,000), and as much again for the hints naming the parts
# at fault: a deterministic bound on the time `check` spends proving.
MAX_WORK = 150_000


class NotLinear(Exception):
    """The regime's figures leave linear arithmetic: nothing can be said exactly."""


class TooComplex(Exception):
    """The proof would need more work than the budget allows (W006)."""


class NoDecision(Exception):
    """This status pattern makes the candidate undecidable (e.g. division by zero)."""


@dataclass(frozen=True, slots=True)
class Linear:
    """Σ terms[unit]·grade(unit) + constant."""

    terms: dict[str, Fraction]
    constant: Fraction

    def __add__(self, other: Linear) -> Linear:
        terms = dict(self.terms)
        for name, value in other.terms.items():
            terms[name] = terms.get(name, ZERO) + value
        return Linear({k: v for k, v in terms.items() if v}, self.constant + other.constant)

    def scale(self, factor: Fraction) -> Linear:
        if not factor:
            return Linear({}, ZERO)
        return Linear({k: v * factor for k, v in self.terms.items()}, self.constant * factor)

    def __sub__(self, other: Linear) -> Linear:
        return self + other.scale(-ONE)


def constant(value: Fraction) -> Linear:
    return Linear({}, value)


# A condition in disjunctive normal form: a list of alternatives, each a list of
# constraints that must all hold. [] is false; [[]] is true.
Dnf = list[list[Constraint]]
TRUE: Dnf = [[]]
FALSE: Dnf = []


@dataclass(frozen=True, slots=True)
class Case:
    """Fixed statuses (graded, ABS, DISP) and sides of each points threshold."""

    statuses: dict[str, UnitStatus]
    above: dict[tuple[str, Fraction], bool]


def unreachable_rules(program: m.Program) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for regime in program.regimes:
        try:
            found.extend(_Regime(regime).diagnostics())
        except NotLinear as refusal:
            if refusal.args and isinstance(lacking := refusal.args[0], NoForm):
                found.append(_unproved(regime, lacking))
            continue  # rounded figures, too many cases: exact reasoning is out of reach
        except TooComplex:
            args = {"regime": regime.name, "rules": len(regime.rules)}
            found.append(Diagnostic("W006", regime.span.opening(), args, severity=Severity.WARNING))
    return unique(found)


def _unproved(regime: m.RegimeDef, lacking: NoForm) -> Diagnostic:
    """W008: a construct the prover has no linear form for; it says so, never proves
    the regime some other way."""
    construct = AGGREGATES[lacking.kind].say("…", "N")
    args = {"regime": regime.name, "construct": construct}
    return Diagnostic("W008", regime.span.opening(), args, severity=Severity.WARNING)


class LinearForms:
    """A phase's figures and conditions as linear forms in the grades, for one `Case`.

    What the prover reasons with, shared with whoever needs the same exact forms
    (`engine/nearmiss`): how a unit's grade reads is `grade`'s, one variable per
    graded unit here; a subclass may read it otherwise (a fixed value, or an affine
    form of one varied input)."""

    def __init__(self, units: dict[str, m.UnitDef]) -> None:
        self.units = units

    def phase_forms(
        self, figures: Sequence[m.FigureDef], case: Case, used: set[str]
    ) -> dict[str, Linear]:
        """The `used` figures (in dependency order) as linear forms; NotLinear for a
        rounded one, NoDecision when one cannot be computed in `case`."""
        values: dict[str, Linear] = {}
        for figure in figures:
            if figure.rounding is not None:
                raise NotLinear(figure.name)
            if figure.name in used:  # others decide nothing (and get W001)
                values[figure.name] = self.linear(figure.expr, case, values)
        return values

    def deciding(
        self, rule: m.RuleDef, failing: Sequence[m.RuleDef], case: Case, figures: dict[str, Linear]
    ) -> Dnf:
        """Where `rule` holds while the `failing` rules fail (all the earlier ones: where
        it decides)."""
        dnf = self.holds(rule, case, figures)
        for earlier in failing:
            dnf = _and(dnf, _not(self.holds(earlier, case, figures)))
            if not dnf:
                break
        return dnf

    # --- expressions ---------------------------------------------------------------
    def linear(self, expr: m.Expr, case: Case, figures: dict[str, Linear]) -> Linear:
        match expr:
            case m.Const(value=value):
                return constant(value)
            case m.FigureRef(name=name):
                return figures[name]
            case m.UnitGrade(code=code):
                if case.statuses[code] is UnitStatus.DISP:
                    raise NoDecision(code)
                return self.grade(code, case)
            case m.Aggregate(kind=kind):
                return self.aggregate(kind, expr, case)
            case m.Negative(operand=operand):
                return self.linear(operand, case, figures).scale(-ONE)
            case m.Arithmetic(op=op, left=left, right=right):
                a, b = self.linear(left, case, figures), self.linear(right, case, figures)
                return _arithmetic(op, a, b)
        raise AssertionError(expr)

    def grade(self, code: str, case: Case) -> Linear:
        if case.statuses[code].counts_zero:
            return constant(ZERO)
        return Linear({code: ONE}, ZERO)

    def aggregate(self, kind: AggregateKind, expr: m.Aggregate, case: Case) -> Linear:
        """The linear form of `kind` in `constructs.AGGREGATES`, over the units of `expr`
        it counts in `case`; none there: the regime is not analysed, never proved otherwise."""
        definition = AGGREGATES[kind]
        form = definition.linear
        if form is None:
            raise NotLinear(NoForm("prover", kind))
        if isinstance(form, Quotient):
            numerator = self.aggregate(form.numerator, expr, case)
            return _arithmetic("/", numerator, self.aggregate(form.denominator, expr, case))
        threshold = expr.threshold or ZERO
        terms = [
            (
                weight(self.units[c].coefficient),
                self.grade(c, case),
                definition.split_at_threshold and case.above[(c, threshold)],
            )
            for c in expr.units
            if case.statuses[c] in definition.counted
        ]
        linear: Linear = form(terms, threshold, constant)  # the table's forms are generic
        return linear

    def holds(self, rule: m.RuleDef, case: Case, figures: dict[str, Linear]) -> Dnf:
        condition = TRUE if rule.condition is None else self.dnf(rule.condition, case, figures)
        for exception in rule.exceptions:
            condition = _and(condition, _not(self.dnf(exception.condition, case, figures)))
        return condition

    def dnf(self, cond: m.Cond, case: Case, figures: dict[str, Linear]) -> Dnf:
        match cond:
            case m.Compare(op=op, left=left, right=right):
                difference = self.linear(left, case, figures) - self.linear(right, case, figures)
                return _compare(difference, op)
            case m.InRange():
                value = self.linear(cond.value, case, figures)
                low = value - self.linear(cond.low, case, figures)
                high = value - self.linear(cond.high, case, figures)
                return _and(
                    _compare(low, ">=" if cond.low_inclusive else ">"),
                    _compare(high, "<=" if cond.high_inclusive else "<"),
                )
            case m.AnyAbsent(units=units):
                return TRUE if any(case.statuses[c].absent for c in units) else FALSE
            case m.All(operands=operands):
                result = TRUE
                for operand in operands:
                    result = _and(result, self.dnf(operand, case, figures))
                return result
            case m.Any_(operands=operands):
                return [alt for o in operands for alt in self.dnf(o, case, figures)]
            case m.Negation(operand=operand):
                return _not(self.dnf(operand, case, figures))
        raise AssertionError(cond)


class _Regime(LinearForms):
    def __init__(self, regime: m.RegimeDef) -> None:
        super().__init__({u.code: u for u in regime.units})
        self.regime = regime
        self.cases = list(self._cases())
        self.figures: dict[int, dict[str, Linear] | None] = {}  # by case, computed on demand
        self.used = used_figures(regime.rules, regime.figures)
        self.budget = Budget(MAX_WORK)
        self.hints = Budget(MAX_WORK)  # spent by `_explained`, apart from the proof

    def diagnostics(self) -> Iterator[Diagnostic]:
        zero = self._zero_divisor()
        if zero is not None:  # the one cause: every rule would be "never true"
            yield zero
            return
        for index, rule in enumerate(self.regime.rules):
            earlier = self.regime.rules[:index]
            if self._witness(rule, earlier) is not None:
                continue
            alone = self._witness(rule, ())
            span = _condition_span(rule)
            if alone is None:
                args: dict[str, object] = {"regime": self.regime.name, "name": rule.name}
                yield Diagnostic("E133", span, args, self._explained(None, self._conflict, rule))
                continue
            candidate, decider = alone
            args = {
                "regime": self.regime.name,
                "name": rule.name,
                "earlier": decider.name,
                "line": decider.span.line,
            }
            hint = Hint("hint.dead_rule", {"example": _describe(candidate)})
            found = self._explained(hint, self._covering, rule, earlier, hint)
            yield Diagnostic("E132", span, args, found)

    def _zero_divisor(self) -> Diagnostic | None:
        """A figure dividing by what is 0 for every candidate (`x / (U1 - U1)`): no
        candidate can be decided (each would be a C016 row error)."""
        plain = self.cases[0]  # all graded: the first test, in one pass
        values: dict[str, Linear] = {}
        for figure in self.regime.figures:
            for division in _divisions(figure.expr):
                if self._divisor(division.right, plain, values) != "zero":
                    continue
                found = {
                    self._divisor(division.right, case, self._before(figure, case))
                    for case in self.cases[1:]
                }
                if found <= {"zero", "undecidable"}:
                    args = {"figure": figure.name, "divisor": describe(division.right)}
                    return Diagnostic("E160", figure.span, args)
            with contextlib.suppress(NotLinear, NoDecision, KeyError):
                if figure.rounding is None:
                    values[figure.name] = self.linear(figure.expr, plain, values)
        return None

    def _divisor(self, expr: m.Expr, case: Case, figures: dict[str, Linear] | None) -> str:
        """'zero' when `expr` is 0 whatever the grades in `case` (`figures`: the earlier
        figures there, None when one cannot be computed); 'undecidable' when nothing
        can be computed there (an exempted unit); 'other' when not known to be 0."""
        if figures is None:
            return "undecidable"
        try:
            value = self.linear(expr, case, figures)
        except NoDecision:
            return "undecidable"
        except (NotLinear, KeyError):
            return "other"
        return "zero" if value.constant == 0 and not any(value.terms.values()) else "other"

    def _before(self, figure: m.FigureDef, case: Case) -> dict[str, Linear] | None:
        """The figures stated before `figure`, in `case`; None if one is undecidable
        there; those that are not linear (rounded) left out."""
        values: dict[str, Linear] = {}
        for earlier in self.regime.figures[: self.regime.figures.index(figure)]:
            try:
                if earlier.rounding is None:
                    values[earlier.name] = self.linear(earlier.expr, case, values)
            except NoDecision:
                return None
            except (NotLinear, KeyError):
                continue
        return values

    # --- which parts conflict ----------------------------------------------------------
    def _explained(
        self, plain: Hint | None, explain: Callable[..., Hint], *args: object
    ) -> Hint | None:
        """A hint naming the parts at fault, found within a budget of its own: when
        finding them would cost too much, the diagnostic keeps its `plain` hint."""
        proof, self.budget = self.budget, self.hints
        try:
            return explain(*args)
        except TooComplex:
            return plain
        finally:
            self.budget = proof

    def _conflict(self, rule: m.RuleDef) -> Hint:
        """The fewest parts of a never-true condition that no candidate meets together
        (a deletion filter: each part is dropped if the others still conflict)."""
        parts = [
            *_conjuncts(rule.condition),
            *(m.Negation(e.condition, e.span) for e in rule.exceptions),
        ]
        needed = list(parts)
        for part in parts:
            rest = [p for p in needed if p is not part]
            if rest and self._witness(_holding(rule, rest), ()) is None:
                needed = rest
        if len(needed) == 1:
            return Hint("hint.never_true", {"part": describe_condition(needed[0])})
        shown = " ; ".join(f"`{describe_condition(p)}`" for p in needed)
        return Hint("hint.conflicting_parts", {"parts": shown})

    def _covering(self, rule: m.RuleDef, earlier: tuple[m.RuleDef, ...], example: Hint) -> Hint:
        """The fewest earlier rules that between them decide every candidate of `rule`."""
        needed = list(earlier)
        for other in earlier:
            rest = [r for r in needed if r is not other]
            if self._witness(rule, rest) is None:
                needed = rest
        shown = " ; ".join(
            text("hint.rule_at", name=r.name, line=r.span.line, condition=describe_condition(c))
            for r in needed
            if (c := r.condition) is not None
        )
        condition = describe_condition(rule.condition) if rule.condition else "sinon"
        args = {"condition": condition, "rules": shown}
        return Hint("hint.covered_by", {**args, "example": example.args["example"]})

    # --- cases -------------------------------------------------------------------
    def _cases(self) -> Iterator[Case]:
        """Status patterns, the plainest first.

        ABS only matters to `ABS dans …` tests (elsewhere it counts 0, as a grade
        of 0 would), and one absent unit per distinct test is enough to make each
        true: a candidate with more absences has a twin with fewer, graded 0
        instead, that every rule treats alike.
        """
        tests = {frozenset(units) for r in self.regime.rules for units in _absence_sets(r)}
        tested = sorted({c for units in tests for c in units})
        absences = [
            set(chosen)
            for size in range(len(tests) + 1)
            for chosen in itertools.combinations(tested, size)
        ]
        splits = sorted({(c, t) for f in self.regime.figures for c, t in thresholds(f.expr)})
        exemptable = [u.code for u in self.regime.units if u.exemptable]
        count = len(absences) * 2 ** (len(exemptable) + len(splits))
        if count > MAX_CASES:
            raise NotLinear("too many cases")  # an incomplete search would prove nothing
        for absent in absences:
            for exempted in itertools.product((False, True), repeat=len(exemptable)):
                dispensed = {c for c, e in zip(exemptable, exempted, strict=True) if e}
                if dispensed & absent:
                    continue
                pattern = {
                    c: UnitStatus.ABS
                    if c in absent
                    else UnitStatus.DISP
                    if c in dispensed
                    else UnitStatus.GRADED
                    for c in self.units
                }
                for sides in itertools.product((False, True), repeat=len(splits)):
                    yield Case(pattern, dict(zip(splits, sides, strict=True)))

    def _figures(self, case: Case) -> dict[str, Linear] | None:
        try:
            return self.phase_forms(self.regime.figures, case, self.used)
        except NoDecision:
            return None

    # --- conditions ------------------------------------------------------------------
    def _witness(
        self, rule: m.RuleDef, failing: Sequence[m.RuleDef]
    ) -> tuple[dict[str, str], m.RuleDef] | None:
        """A candidate for whom `rule` holds while the `failing` rules fail, if any,
        with the rule that actually decides that candidate."""
        for number, case in enumerate(self.cases):
            if number not in self.figures:
                self.figures[number] = self._figures(case)
            figures = self.figures[number]
            if figures is None:
                continue
            try:
                found = self._case_witness(rule, failing, case, figures)
            except NoDecision:  # a condition divides by zero here: such a row is an error (C016)
                continue
            if found is not None:
                return found
        return None

    def _case_witness(
        self, rule: m.RuleDef, failing: Sequence[m.RuleDef], case: Case, figures: dict[str, Linear]
    ) -> tuple[dict[str, str], m.RuleDef] | None:
        for alternative in self.deciding(rule, failing, case, figures):
            try:
                point = solve(alternative + _sides(case), self._bounds(case), self.budget)
            except OverBudget:
                raise TooComplex(self.regime.name) from None
            if point is not None:
                return _candidate(case, point), self._decider(case, figures, point)
        return None

    def _decider(
        self, case: Case, figures: dict[str, Linear], point: dict[str, Fraction]
    ) -> m.RuleDef:
        """The first rule that holds at `point`: the one that decides that candidate."""
        return next(
            rule
            for rule in self.regime.rules
            if any(
                all(_satisfied(c, point) for c in alternative)
                for alternative in self.holds(rule, case, figures)
            )
        )

    def _bounds(self, case: Case) -> dict[str, tuple[Fraction, Fraction]]:
        return {
            c: GRADE_BOUNDS for c, status in case.statuses.items() if status is UnitStatus.GRADED
        }


# --- condition algebra ------------------------------------------------------------------
def _compare(difference: Linear, op: str) -> Dnf:
    """difference op 0, as constraints Σ terms <op> -constant."""
    if op == "!=":
        return _compare(difference, "<") + _compare(difference, ">")
    if op in {">", ">="}:
        difference, op = difference.scale(-ONE), COMPARISONS[op].mirrored
    if not difference.terms:
        return TRUE if COMPARISONS[op].test(difference.constant, ZERO) else FALSE
    return [[Constraint(difference.terms, op, -difference.constant)]]


def _satisfied(constraint: Constraint, point: dict[str, Fraction]) -> bool:
    value = sum((c * point[name] for name, c in constraint.coefficients.items()), ZERO)
    return COMPARISONS[constraint.op].test(value, constraint.bound)


def _and(left: Dnf, right: Dnf) -> Dnf:
    if len(left) * len(right) > MAX_ALTERNATIVES:
        raise TooComplex("alternatives")
    return [a + b for a in left for b in right]


def _not(dnf: Dnf) -> Dnf:
    """De Morgan: the negation of an OR of ANDs is an AND of ORs of negated constraints."""
    result = TRUE
    for alternative in dnf:
        result = _and(result, [alt for c in alternative for alt in _negate(c)])
        if not result:
            break
    return result


def _negate(constraint: Constraint) -> Dnf:
    difference = Linear(constraint.coefficients, -constraint.bound)
    return _compare(difference, COMPARISONS[constraint.op].negated)


def _arithmetic(op: str, a: Linear, b: Linear) -> Linear:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*" and not a.terms:
        return b.scale(a.constant)
    if op == "*" and not b.terms:
        return a.scale(b.constant)
    if op == "/" and not b.terms:
        if not b.constant:
            raise NoDecision("/0")
        return a.scale(1 / b.constant)
    raise NotLinear(op)


def _divisions(expr: m.Expr) -> Iterator[m.Arithmetic]:
    match expr:
        case m.Arithmetic(op=op, left=left, right=right):
            if op == "/":
                yield expr
            yield from _divisions(left)
            yield from _divisions(right)
        case m.Negative(operand=operand):
            yield from _divisions(operand)


def _sides(case: Case) -> list[Constraint]:
    """Each graded unit on the chosen side of each points threshold."""
    constraints = []
    for (code, threshold), above in case.above.items():
        if case.statuses[code] is UnitStatus.GRADED:
            sign = -ONE if above else ONE
            constraints.append(Constraint({code: sign}, "<=", sign * threshold))
    return constraints


# --- reading the model ------------------------------------------------------------------
def _absence_sets(rule: m.RuleDef) -> Iterator[tuple[str, ...]]:
    conditions = [rule.condition, *(e.condition for e in rule.exceptions)]
    for condition in conditions:
        if condition is not None:
            yield from (n.units for n in m.walk(condition) if isinstance(n, m.AnyAbsent))


def thresholds(expr: m.Expr) -> Iterator[tuple[str, Fraction]]:
    for node in m.walk(expr):
        if isinstance(node, m.Aggregate) and AGGREGATES[node.kind].split_at_threshold:
            yield from ((c, node.threshold or ZERO) for c in node.units)


def _candidate(case: Case, point: dict[str, Fraction]) -> dict[str, str]:
    return {
        code: _grade_text(point[code]) if status is UnitStatus.GRADED else str(status)
        for code, status in case.statuses.items()
    }


def _grade_text(value: Fraction) -> str:
    """A grade as a coordinator writes it: 12, 9,5, 9,25 or, if it must, 221/21."""
    for decimals in range(3):
        scaled = value * 10**decimals
        if scaled.denominator == 1:
            whole, rest = divmod(scaled.numerator, 10**decimals)
            return f"{whole},{rest:0{decimals}d}" if decimals else str(whole)
    return str(value)


def _conjuncts(condition: m.Cond | None) -> list[m.Cond]:
    if condition is None:
        return []
    return list(condition.operands) if isinstance(condition, m.All) else [condition]


def _holding(rule: m.RuleDef, parts: list[m.Cond]) -> m.RuleDef:
    """`rule` with `parts` as its whole condition, and no exception."""
    condition = parts[0] if len(parts) == 1 else m.All(tuple(parts), rule.span)
    return replace(rule, condition=condition, exceptions=())


def _condition_span(rule: m.RuleDef) -> Span:
    """From the first to the last character of the rule's condition (its opening
    line when it has none of its own)."""
    spans = [
        node.span
        for cond in _conjuncts(rule.condition)
        for node in m.walk(cond)
        if isinstance(node, m.Compare | m.InRange | m.AnyAbsent)
    ]
    if not spans:
        return rule.span.opening()
    first = min(spans, key=lambda s: (s.line, s.column))
    last = max(spans, key=lambda s: (s.end_line, s.end_column))
    return Span(first.file, first.line, first.column, last.end_line, last.end_column)


def _describe(candidate: dict[str, str]) -> str:
    return ", ".join(f"{code} {value}" for code, value in candidate.items())


def used_figures(rules: Sequence[m.RuleDef], figures: Sequence[m.FigureDef]) -> set[str]:
    """The figures the rules read, directly or through other figures."""
    conditions = [
        c for r in rules for c in (r.condition, *(e.condition for e in r.exceptions)) if c
    ]
    wanted = [n.name for c in conditions for n in m.walk(c) if isinstance(n, m.FigureRef)]
    expressions = {f.name: f.expr for f in figures}
    used: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name not in used:
            used.add(name)
            wanted += [n.name for n in m.walk(expressions[name]) if isinstance(n, m.FigureRef)]
    return used
