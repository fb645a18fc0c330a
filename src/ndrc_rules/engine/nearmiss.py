"""What one input alone would have needed for a better outcome: the near miss, exactly.

For a candidate the engine does not admit, and for each input of a phase (a unit's
grade, one part or CCF situation of it, a resit grade), every other input fixed as
the candidate has it: the values of that input where each better outcome is
decided, and the one nearest the candidate's (the smallest, for an input with no
grade). No search over grades: with the input x varied over [0, 20], the engine's
own binding gives the unit's value, affine in x between a few breakpoints (the
initial grade for a resit grade, kept when better: `binding.resit_units`; the
thresholds of `points au-dessus de N`); on each open piece between them every
figure is a linear form in x (the prover's `LinearForms`, which reads each
aggregate's entry in `constructs.AGGREGATES`), so each rule's condition and
exceptions, with the rules before it failing, are a union of intervals of x with
exact Fraction ends; at each breakpoint the evaluator decides directly.

Every answer is then confirmed by the general evaluator: the modified candidate
decided at the grade reported must get that outcome by that rule, and just short
of it (the previous hundredth, or the boundary when it is excluded) must not. A
regime whose figures are not linear (a stated rounding, a product of grades) gets
no near miss but the reason, never a guess.

Which outcomes are better reads `core.outcome_tones` (passed > resit > failed),
among those the phase's rules give. A jury's decision changes nothing here: the
near miss is the engine's proposal's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from ndrc_rules.common.columns import RESIT_SUFFIX, split_column
from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import display, exact
from ndrc_rules.common.status import OutcomeTone, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import (
    BindingError,
    ResitOffer,
    UnitValue,
    bind,
    resit_grades,
    resit_units,
)
from ndrc_rules.engine.evaluator import CompiledRegime
from ndrc_rules.engine.phases import Phases
from ndrc_rules.io.candidates import Candidate, Grade
from ndrc_rules.language import core as m
from ndrc_rules.language.analysis.reachability import (
    Case,
    Linear,
    LinearForms,
    NoDecision,
    NotLinear,
    TooComplex,
    constant,
    thresholds,
    used_figures,
)
from ndrc_rules.language.analysis.simplex import Constraint
from ndrc_rules.language.constructs import COMPARISONS, NoForm
from ndrc_rules.language.names import fold

ZERO, ONE, TWENTY = Fraction(0), Fraction(1), Fraction(20)
HUNDREDTH = Fraction(1, 100)
X = "x"  # the one variable of the linear forms: the varied input
_RANK = {tone: rank for rank, tone in enumerate(OutcomeTone)}  # best first, as declared

UnitsAt = Callable[[Fraction], dict[str, UnitValue]]  # the varied input's value → unit values


class Unconfirmed(Exception):
    """The evaluator does not confirm an answer: the near miss is withheld, with why."""


# --- sets of values ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Interval:
    low: Fraction
    low_closed: bool
    high: Fraction
    high_closed: bool

    @classmethod
    def point(cls, value: Fraction) -> Interval:
        return cls(value, True, value, True)

    @property
    def empty(self) -> bool:
        return self.low > self.high or (
            self.low == self.high and not (self.low_closed and self.high_closed)
        )

    def meet(self, other: Interval) -> Interval:
        low = max((self.low, not self.low_closed), (other.low, not other.low_closed))
        high = min((self.high, self.high_closed), (other.high, other.high_closed))
        return Interval(low[0], not low[1], high[0], high[1])

    def contains(self, value: Fraction) -> bool:
        return not self.meet(Interval.point(value)).empty


def _solved(constraint: Constraint, within: Interval) -> Interval:
    """Where `a·x op bound` holds, within an interval."""
    a = constraint.coefficients.get(X, ZERO)
    assert set(constraint.coefficients) <= {X} and a, "one variable, a real constraint"
    value = constraint.bound / a
    op = constraint.op if a > 0 else COMPARISONS[constraint.op].mirrored
    below = Interval(within.low, within.low_closed, value, op in {"<=", "="})
    above = Interval(value, op in {">=", "="}, within.high, within.high_closed)
    if op in {"<", "<="}:
        return within.meet(below)
    if op in {">", ">="}:
        return within.meet(above)
    assert op == "=", op
    return within.meet(Interval.point(value))


# --- the forms, one input varied ----------------------------------------------------------
class _Forms(LinearForms):
    """The prover's linear forms, every grade fixed but the varied unit's: x's affine form."""

    def __init__(self, units: dict[str, m.UnitDef], values: dict[str, UnitValue]) -> None:
        super().__init__(units)
        self.values = values
        self.varied: str | None = None
        self.form = constant(ZERO)

    def grade(self, code: str, case: Case) -> Linear:
        if code == self.varied:
            return self.form
        value = self.values[code].value
        return constant(value if value is not None else ZERO)


@dataclass(frozen=True, slots=True)
class _Piece:
    """An open interval of x on which the varied unit is `alpha·x + beta`, one status."""

    span: Interval
    status: UnitStatus
    alpha: Fraction
    beta: Fraction


@dataclass(frozen=True, slots=True)
class _Region:
    """Where one rule decides: an interval of x."""

    span: Interval
    rule: m.RuleDef


class _Regions:
    """Where each rule of one phase decides, one input varied, the others fixed."""

    def __init__(self, compiled: CompiledRegime, phase: m.PhaseDef, *, resit: bool) -> None:
        self.compiled, self.phase, self.resit = compiled, phase, resit
        self.used = used_figures(phase.rules, phase.figures)
        self.splits = sorted({s for f in phase.figures for s in thresholds(f.expr)})

    def regions(self, code: str, units_at: UnitsAt, breaks: set[Fraction]) -> list[_Region]:
        """Where each rule decides, x over [0, 20], `breaks` where the unit's form may change."""
        points = sorted({ZERO, TWENTY} | {b for b in breaks if ZERO < b < TWENTY})
        pieces = [self._piece(code, units_at, a, b) for a, b in itertools.pairwise(points)]
        cuts = {
            (threshold - p.beta) / p.alpha
            for p in pieces
            for unit, threshold in self.splits
            if unit == code and p.alpha
        }
        inside = {c for c in cuts for p in pieces if p.span.contains(c)}
        points = sorted(set(points) | inside)
        found: list[_Region] = []
        for point in points:
            found.extend(self._at(units_at, point))
        for a, b in itertools.pairwise(points):
            piece = next(p for p in pieces if p.span.contains((a + b) / 2))
            span = Interval(a, False, b, False)
            found.extend(self._within(code, units_at((a + b) / 2), replace(piece, span=span)))
        return found

    def _piece(self, code: str, units_at: UnitsAt, a: Fraction, b: Fraction) -> _Piece:
        """The unit's affine form on (a, b), read from the binding at two inner points."""
        p, q = a + (b - a) / 3, a + 2 * (b - a) / 3
        at_p, at_q = units_at(p)[code], units_at(q)[code]
        if at_p.status is not at_q.status:
            raise Unconfirmed(
                text("near_miss.detail.status", input=code, low=exact(a), high=exact(b))
            )
        vp, vq = at_p.value or ZERO, at_q.value or ZERO
        alpha = (vq - vp) / (q - p)
        return _Piece(Interval(a, False, b, False), at_p.status, alpha, vp - alpha * p)

    def _at(self, units_at: UnitsAt, value: Fraction) -> Iterator[_Region]:
        try:
            decided = self.compiled.evaluate(units_at(value), resit=self.resit).rule
        except BindingError:  # undecidable there (a division by zero): no outcome
            return
        yield _Region(Interval.point(value), decided)

    def _within(self, code: str, sample: dict[str, UnitValue], piece: _Piece) -> Iterator[_Region]:
        """Where each rule decides on an open piece, from the linear forms of x there."""
        forms = _Forms(self.compiled.units, sample)
        forms.varied, forms.form = code, Linear({X: piece.alpha}, piece.beta)
        statuses = {c: v.status for c, v in sample.items()}
        middle = (piece.span.low + piece.span.high) / 2
        value = {c: v.value or ZERO for c, v in sample.items()}
        value[code] = piece.alpha * middle + piece.beta  # the same side all along the piece
        case = Case(statuses, {(c, s): value[c] > s for c, s in self.splits})
        try:
            figures = forms.phase_forms(self.phase.figures, case, self.used)
        except NoDecision:
            return
        rules = self.phase.rules
        for index, rule in enumerate(rules):
            try:
                dnf = forms.deciding(rule, rules[:index], case, figures)
            except NoDecision:
                continue
            for alternative in dnf:
                span = piece.span
                for constraint in alternative:
                    span = _solved(constraint, span)
                if not span.empty:
                    yield _Region(span, rule)


# --- the nearest value ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Side:
    """A region seen from the current value: its nearer end, and its nearest hundredth."""

    region: _Region
    boundary: Fraction
    inclusive: bool
    upward: bool
    hundredth: Fraction | None  # the region's hundredth nearest the current value, if any


@dataclass(frozen=True, slots=True)
class _Answer:
    """The nearest boundary of an outcome's regions, and its nearest grade in hundredths
    (which may lie in another of its regions, beyond a breakpoint), each with its rule."""

    boundary: _Side
    grade: _Side | None

    @property
    def rule(self) -> m.RuleDef:
        return (self.grade or self.boundary).region.rule

    @property
    def hundredth(self) -> Fraction | None:
        return self.grade.hundredth if self.grade else None


def _nearest(regions: Sequence[_Region], current: Fraction | None) -> _Answer | None:
    """The point of the regions nearest the current value (the smallest, with no current),
    and the nearest hundredth in them on that side."""
    sides = [_side(r, current) for r in regions]
    if not sides:
        return None
    origin = ZERO if current is None else current
    boundary = min(sides, key=lambda s: (abs(s.boundary - origin), not s.upward))
    graded = [s for s in sides if s.hundredth is not None and s.upward == boundary.upward]
    grade = min(graded, key=lambda s: abs((s.hundredth or ZERO) - origin), default=None)
    return _Answer(boundary, grade)


def _side(region: _Region, current: Fraction | None) -> _Side:
    span = region.span
    if current is None or span.low > current or (span.low == current and not span.low_closed):
        step = math.ceil(span.low * 100) if span.low_closed else math.floor(span.low * 100) + 1
        grade = Fraction(step, 100)
        found = grade if span.contains(grade) else None
        return _Side(region, span.low, span.low_closed, True, found)
    if span.high < current or (span.high == current and not span.high_closed):
        step = math.floor(span.high * 100) if span.high_closed else math.ceil(span.high * 100) - 1
        grade = Fraction(step, 100)
        found = grade if span.contains(grade) else None
        return _Side(region, span.high, span.high_closed, False, found)
    raise Unconfirmed(text("near_miss.detail.decides", value=exact(current), rule=region.rule.name))


# --- the inputs of a phase ----------------------------------------------------------------
Current = tuple[Fraction | None, str | None]  # a value, exact and as shown (or its marker)


@dataclass(frozen=True, slots=True)
class _Input:
    """One input to vary, and how the phase's units follow it (the engine's binding)."""

    name: str  # 'U5.ecrit', 'U1.rattrapage'
    unit: m.UnitDef
    title: str
    current: Current
    units_at: UnitsAt
    decide_at: Callable[[Fraction], m.RuleDef]  # the general evaluator: the confirmation
    breaks: frozenset[Fraction] = frozenset()  # where the unit's form changes, besides 0, 20


def _current(status: UnitStatus, value: Fraction | None) -> Current:
    """A graded value; an absence shown by its marker; nothing for an optional unit not taken."""
    if status is UnitStatus.GRADED and value is not None:
        return value, display(value)
    return None, str(status) if status.counts_zero else None


def _initial_inputs(
    candidate: Candidate, compiled: CompiledRegime, units: dict[str, UnitValue]
) -> Iterator[_Input]:
    """Every unit's grade, or each of its parts' (CCF situations are parts); not an
    exempted unit (no grade to change) nor a grade kept from an earlier session."""
    for unit in compiled.regime.units:
        value = units[unit.code]
        if value.status is UnitStatus.DISP or value.kept_from is not None:
            continue
        if not value.parts:
            column = _column(candidate, unit.code)
            current = _current(value.status, value.value)
            yield _initial(candidate, compiled, column, unit.code, unit, unit.title, current)
            continue
        for part, graded in zip(unit.parts, value.parts, strict=True):
            column = _column(candidate, unit.code, part.name)
            title = f"{unit.title} — {part.title or part.name}"
            current = _current(graded.status, graded.value)
            name = f"{unit.code}.{part.name}"
            yield _initial(candidate, compiled, column, name, unit, title, current)


def _initial(
    candidate: Candidate,
    compiled: CompiledRegime,
    column: str,
    name: str,
    unit: m.UnitDef,
    title: str,
    current: Current,
) -> _Input:
    def units_at(x: Fraction) -> dict[str, UnitValue]:
        return bind(_with(candidate, column, x), compiled.regime)

    return _Input(
        name, unit, title, current, units_at, lambda x: compiled.evaluate(units_at(x)).rule
    )


def _resit_inputs(
    candidate: Candidate, compiled: CompiledRegime, phases: Phases, offer: ResitOffer
) -> Iterator[_Input]:
    """The resit grade of each unit chosen, the others as sat."""
    assert phases.resit is not None
    grades = resit_grades(candidate, compiled.regime)
    for chosen in phases.resit.chosen:
        grade = chosen.resit
        current = (grade, display(grade)) if isinstance(grade, Fraction) else (None, str(grade))
        column = grades[chosen.code][0]
        yield _resit_input(compiled, phases.main.units, offer, grades, chosen.code, column, current)


def _prospective_inputs(
    compiled: CompiledRegime, phases: Phases, offer: ResitOffer
) -> Iterator[_Input]:
    """Before the resit is sat: the resit grade of each unit that may be chosen, the
    other units chosen with it (the first ones of the offer) given their initial grade
    again, which keeps it: the one unit's grade alone decides."""
    units = phases.main.units
    for code in offer.units:
        partners = [c for c in offer.units if c != code][: offer.count - 1]
        grades: dict[str, tuple[str, Grade]] = {
            c: (f"{c}.{RESIT_SUFFIX}", units[c].value or ZERO) for c in partners
        }
        column = f"{code}.{RESIT_SUFFIX}"
        yield _resit_input(compiled, units, offer, grades, code, column, (None, None))


def _resit_input(
    compiled: CompiledRegime,
    units: dict[str, UnitValue],
    offer: ResitOffer,
    grades: dict[str, tuple[str, Grade]],
    code: str,
    column: str,
    current: Current,
) -> _Input:
    """A resit grade varied: the unit keeps the better of it and its initial grade."""

    def units_at(x: Fraction) -> dict[str, UnitValue]:
        return resit_units(units, {**grades, code: (column, x)}, offer)[0]

    initial = units[code].value
    return _Input(
        f"{code}.{RESIT_SUFFIX}",
        compiled.units[code],
        compiled.units[code].title,
        current,
        units_at,
        lambda x: compiled.evaluate(units_at(x), resit=True).rule,
        frozenset() if initial is None else frozenset({initial}),
    )


def _with(candidate: Candidate, column: str, value: Fraction) -> Candidate:
    return candidate.model_copy(update={"grades": {**candidate.grades, column: value}})


def _column(candidate: Candidate, code: str, part: str = "") -> str:
    """The candidate's own spelling of a unit's (or part's) column, or the canonical one."""
    wanted = (fold(code), fold(part))
    for column in candidate.grades:
        unit, rest = split_column(column)
        if (fold(unit), fold(rest)) == wanted:
            return column
    return f"{code}.{part}" if part else code


# --- the near miss of each phase ------------------------------------------------------------
Phase = Literal["initial", "resit"]


def near_miss(
    candidate: Candidate, compiled: CompiledRegime, program: m.Program, phases: Phases
) -> list[t.NearMiss]:
    """What each phase would have needed for a better outcome, one input at a time; []
    when the engine's proposal is already the best outcome. The main phase, unless it
    gave the best; the resit phase when the main rules proposed one: the resit grades
    sat, or, not sat yet, each unit's that may be chosen."""
    tones = m.outcome_tones(program)
    if _rank(tones, phases.proposing.rule.outcome.name) == 0:
        return []
    main, offer, found = phases.main, phases.offer, []
    if _rank(tones, main.rule.outcome.name) > 0:
        inputs = list(_initial_inputs(candidate, compiled, main.units))
        found.append(_phase(compiled, "initial", main.phase, main.rule, inputs, tones))
    resit = compiled.regime.resit
    if resit is not None and offer is not None:
        if phases.resit:
            inputs = list(_resit_inputs(candidate, compiled, phases, offer))
            rule = phases.resit.evaluation.rule
        else:
            inputs = list(_prospective_inputs(compiled, phases, offer))
            rule = compiled.evaluate(main.units, resit=True).rule
        near = _phase(compiled, "resit", resit, rule, inputs, tones)
        found.append(near.model_copy(update={"prospective": phases.resit is None}))
    return found


def _rank(tones: dict[str, OutcomeTone], outcome: str) -> int:
    return _RANK[tones.get(outcome, OutcomeTone.FAILED)]


def _phase(
    compiled: CompiledRegime,
    phase: Phase,
    definition: m.PhaseDef,
    decided: m.RuleDef,
    inputs: list[_Input],
    tones: dict[str, OutcomeTone],
) -> t.NearMiss:
    """One phase's near miss, or why it is unavailable."""
    rank = _rank(tones, decided.outcome.name)
    given = {r.outcome.name: r.outcome for r in definition.rules}
    better = sorted(
        (o for name, o in given.items() if _rank(tones, name) < rank),
        key=lambda o: -_rank(tones, o.name),  # the next better first
    )
    worker = _Regions(compiled, definition, resit=phase == "resit")
    outcome: dict[str, Any] = {"outcome": decided.outcome.name, "label": decided.outcome.label}
    try:
        shown = [_input_record(worker, item, better) for item in inputs]
    except NotLinear as refusal:
        reason = refusal.args[0] if refusal.args else "?"
        construct = f"`{reason.kind}`" if isinstance(reason, NoForm) else f"`{reason}`"
        why = text("near_miss.not_linear", construct=construct)
    except TooComplex:
        why = text("near_miss.too_complex")
    except (Unconfirmed, BindingError) as failure:
        why = text("near_miss.unconfirmed", detail=str(failure))
    else:
        return t.NearMiss(phase=phase, **outcome, inputs=shown)
    return t.NearMiss(phase=phase, **outcome, inputs=[], unavailable=why)


def _input_record(worker: _Regions, item: _Input, better: list[m.OutcomeDef]) -> t.NearMissInput:
    regions = worker.regions(item.unit.code, item.units_at, set(item.breaks))
    current, shown = item.current
    needed = []
    for outcome in better:
        reaching = [r for r in regions if r.rule.outcome.name == outcome.name]
        answer = _nearest(reaching, current)
        if answer is not None:
            _confirm(item, answer)
        needed.append(_needed(outcome, answer))
    return t.NearMissInput(
        input=item.name,
        unit=item.unit.code,
        title=item.title,
        current=None if current is None else exact(current),
        current_display=shown,
        needed=needed,
    )


def _needed(outcome: m.OutcomeDef, answer: _Answer | None) -> t.NeededGrade:
    named: dict[str, Any] = {"outcome": outcome.name, "label": outcome.label}
    if answer is None:
        return t.NeededGrade(
            **named, rule=None, threshold=None, inclusive=False, grade=None, display=None
        )
    boundary = answer.boundary
    grade = answer.hundredth
    return t.NeededGrade(
        **named,
        rule=answer.rule.name,
        threshold=exact(boundary.boundary),
        inclusive=boundary.inclusive,
        grade=None if grade is None else exact(grade),
        display=None if grade is None else display(grade),
        upward=boundary.upward,
    )


def _confirm(item: _Input, answer: _Answer) -> None:
    """The general evaluator must decide the outcome at the answer, by its rule, and not
    just short of it: the previous hundredth, the boundary when it is excluded."""
    boundary, rule = answer.boundary, answer.rule
    inside = answer.hundredth
    if inside is None:
        span = boundary.region.span
        inside = boundary.boundary if boundary.inclusive else (span.low + span.high) / 2
    decided = item.decide_at(inside)
    if decided is not rule:
        raise Unconfirmed(
            text(
                "near_miss.detail.other_rule",
                input=item.name,
                value=exact(inside),
                found=decided.name,
                rule=rule.name,
            )
        )
    step = -HUNDREDTH if boundary.upward else HUNDREDTH
    short = [] if boundary.inclusive else [boundary.boundary]
    if answer.hundredth is not None:
        short.append(answer.hundredth + step)
    current = item.current[0]
    for value in short:
        between = current is None or (value - current) * step <= 0
        if (
            ZERO <= value <= TWENTY
            and between
            and item.decide_at(value).outcome.name == rule.outcome.name
        ):
            raise Unconfirmed(
                text(
                    "near_miss.detail.already",
                    input=item.name,
                    value=exact(value),
                    outcome=rule.outcome.name,
                )
            )
