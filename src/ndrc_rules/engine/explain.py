"""Evaluation record → trace: the figures with their inputs, every rule examined.

Core expressions and conditions are shown in the regulation's own words
(`words.py`), so that an auditor reads `moyenne_generale >= 10`, not Python.

What a trace shows (which rules, which of their conditions and exceptions,
which checks, which inputs, in which words) is written once, here, against a
`Fill` that supplies the values: one candidate's, for the general path, or
the placeholders from which `fasttrace` compiles its record writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Protocol, TypedDict, TypeVar, cast

from ndrc_rules import __version__
from ndrc_rules.common.numbers import exact, shown
from ndrc_rules.common.status import RuleStatus, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import ResitOffer, ResitUnit, UnitValue
from ndrc_rules.engine.evaluator import CompiledRegime, Evaluation, Place
from ndrc_rules.language import core as m
from ndrc_rules.language.constructs import AGGREGATES, AggregateKind, Quotient
from ndrc_rules.language.words import describe, describe_condition

NO_ABSENCE = "aucune"  # what an `ABS dans …` check found when no unit is absent


# --- what each value is compared with -------------------------------------------
Thresholds = Mapping[str, frozenset[Fraction]]
Texts = tuple[str | None, str | None]  # a value, exact and as shown
_NONE: frozenset[Fraction] = frozenset()
_THRESHOLDS: dict[int, tuple[m.PhaseDef, Thresholds]] = {}  # id(phase) → the phase, its map


def thresholds(phase: m.PhaseDef) -> Thresholds:
    """The constants each figure or unit is compared with in the phase's rules: its
    display tells it apart from them (`numbers.shown`). Cached per phase."""
    cached = _THRESHOLDS.get(id(phase))
    if cached is None or cached[0] is not phase:
        cached = _THRESHOLDS[id(phase)] = (phase, compared_constants(phase.rules))
    return cached[1]


def compared_constants(rules: Iterable[m.RuleDef]) -> Thresholds:
    """The constants each figure or unit is compared with in these rules."""
    found: dict[str, set[Fraction]] = {}
    for rule in rules:
        for cond in (rule.condition, *(e.condition for e in rule.exceptions)):
            for name, value in _named_against_constants(cond):
                found.setdefault(name, set()).add(value)
    return {k: frozenset(v) for k, v in found.items()}


def _named_against_constants(cond: m.Cond | None) -> Iterable[tuple[str, Fraction]]:
    match cond:
        case m.Compare(left=left, right=right):
            yield from _against(left, (right,))
            yield from _against(right, (left,))
        case m.InRange(value=value, low=low, high=high):
            yield from _against(value, (low, high))
        case m.All(operands=operands) | m.Any_(operands=operands):
            for operand in operands:
                yield from _named_against_constants(operand)
        case m.Negation(operand=operand):
            yield from _named_against_constants(operand)


def _against(side: m.Expr, others: tuple[m.Expr, ...]) -> Iterable[tuple[str, Fraction]]:
    if isinstance(side, m.FigureRef | m.UnitGrade):
        name = side.name if isinstance(side, m.FigureRef) else side.code
        yield from ((name, o.value) for o in others if isinstance(o, m.Const))


def figure_displays(evaluation: Evaluation) -> dict[str, str]:
    """Each figure of an evaluation as shown, told apart from what its rules compare it with."""
    known = thresholds(evaluation.phase)
    return {k: shown(v, known.get(k, _NONE)) for k, v in evaluation.figures.items()}


def side_thresholds(side: m.Expr, known: Thresholds) -> frozenset[Fraction]:
    """What a compared expression is told apart from besides the other side: the
    constants a named figure or unit is compared with anywhere in its phase."""
    if isinstance(side, m.FigureRef):
        return known.get(side.name, _NONE)
    if isinstance(side, m.UnitGrade):
        return known.get(side.code, _NONE)
    return _NONE


# --- the trace, written once ---------------------------------------------------------
# What a rule's trace shows, by its status: its condition, its exceptions. A failed
# rule's exceptions were not examined; a default rule has no condition.
SHOWN: dict[RuleStatus, tuple[bool, bool]] = {
    RuleStatus.HELD: (True, True),
    RuleStatus.EXCEPTED: (True, True),
    RuleStatus.FAILED: (True, False),
    RuleStatus.DEFAULT: (False, False),
    RuleStatus.NOT_REACHED: (False, False),
}

Model = TypeVar("Model", bound=t.BaseModel)


class Fill(Protocol):
    """The values a trace shows, for the structure below: one candidate's (`_Values`,
    the general path) or the generated writer's placeholders (`fasttrace`), which
    stand for values not yet known (markers, hence models built unvalidated)."""

    def build(self, model: type[Model], **fields: object) -> Model:
        """A record of the trace, made of these fields."""

    def holds(self, cond: m.Cond) -> bool:
        """Whether the condition held."""

    def side(self, cond: m.Compare | m.InRange, expr: m.Expr, *others: m.Expr) -> str:
        """A compared value as shown, told apart from the other side(s)."""

    def absent(self, units: tuple[str, ...]) -> list[str]:
        """The units among these that are absent."""

    def excepting(self, rule: m.RuleDef) -> m.ExceptionDef | None:
        """The first exception that held, in a rule excepted."""

    def figure(self, name: str) -> tuple[str, str]:
        """A figure's value: exact, and as shown."""

    def unrounded(self, figure: m.FigureDef) -> str | None:
        """A rounded figure's exact value before its rounding; None if not rounded."""

    def quotient(self, figure: m.FigureDef) -> t.Quotient | None:
        """A quotient figure's two sides (`quotient_sides`); None if not a quotient."""

    def unit(self, unit: m.UnitDef) -> t.UnitTrace:
        """The unit's trace, its value as the candidate has it."""

    def as_input(self, code: str) -> t.FigureInput:
        """A unit as the figures reading it show it."""


def trace(
    regime: m.RegimeDef,
    phase: m.PhaseDef,
    rules: list[t.RuleTrace],
    fill: Fill,
    program: m.Program,
) -> t.Trace:
    """The trace of a phase: every unit, every figure, the rules as examined."""
    return fill.build(
        t.Trace,
        units=[fill.unit(u) for u in regime.units],
        figures=[figure_trace(f, fill) for f in phase.figures],
        rules=rules,
        regulation=stamp(program),
    )


def rule_trace(rule: m.RuleDef, status: RuleStatus, fill: Fill) -> t.RuleTrace:
    """A rule as examined, showing what its status shows (`SHOWN`)."""
    condition_shown, exceptions_shown = SHOWN[status]
    condition = rule.condition if condition_shown else None
    exceptions = [e.condition for e in rule.exceptions] if exceptions_shown else []
    excepting = fill.excepting(rule) if status is RuleStatus.EXCEPTED else None
    return fill.build(
        t.RuleTrace,
        name=rule.name,
        title=rule.title,
        outcome=rule.outcome.name,
        status=status,
        source=source_ref(rule.span),
        condition=condition_trace(condition, fill) if condition else None,
        exceptions=[condition_trace(e, fill) for e in exceptions],
        citation=citation(rule.citation),
        exception_citation=citation(excepting.citation) if excepting else None,
    )


def condition_trace(cond: m.Cond, fill: Fill) -> t.ConditionTrace:
    return fill.build(
        t.ConditionTrace,
        text=describe_condition(cond),
        result=fill.holds(cond),
        checks=checks(cond, fill),
    )


def checks(cond: m.Cond, fill: Fill) -> list[t.Check]:
    """The elementary tests of a condition, each with the values it compared."""
    sides: tuple[str, str | None]
    match cond:
        case m.Compare(left=left, right=right):
            sides = fill.side(cond, left, right), fill.side(cond, right, left)
        case m.InRange(value=value, low=low, high=high):
            opening = "[" if cond.low_inclusive else "]"
            closing = "]" if cond.high_inclusive else "["
            bounds = f"{fill.side(cond, low, value)} ; {fill.side(cond, high, value)}"
            sides = fill.side(cond, value, low, high), f"{opening}{bounds}{closing}"
        case m.AnyAbsent(units=units):
            sides = ", ".join(fill.absent(units)) or NO_ABSENCE, None
        case m.All(operands=operands) | m.Any_(operands=operands):
            return [check for o in operands for check in checks(o, fill)]
        case m.Negation(operand=operand):
            return checks(operand, fill)
        case _:
            raise AssertionError(cond)
    return [
        fill.build(
            t.Check,
            text=describe_condition(cond),
            left=sides[0],
            right=sides[1],
            result=fill.holds(cond),
        )
    ]


def figure_trace(figure: m.FigureDef, fill: Fill) -> t.FigureTrace:
    rounding = figure.rounding
    value, display = fill.figure(figure.name)
    return fill.build(
        t.FigureTrace,
        name=figure.name,
        title=figure.title,
        expression=describe(figure.expr)
        + (f" {rounding.mode} {rounding.decimals} decimales" if rounding else ""),
        value=value,
        display=display,
        unrounded=fill.unrounded(figure),
        quotient=fill.quotient(figure),
        inputs=[input_trace(n, named, fill) for n, named in input_names(figure.expr).items()],
        source=source_ref(figure.span),
        citation=citation(figure.citation),
    )


def quotient_sides(expr: m.Expr) -> tuple[m.Expr, m.Expr, bool] | None:
    """A quotient's numerator and denominator, and whether the denominator is a sum of
    coefficients: `moyenne de X` is `total de X` over `coefficients de X`; `a / b`."""
    match expr:
        case m.Aggregate(kind=kind) if isinstance(AGGREGATES[kind].exact, Quotient):
            form = cast(Quotient, AGGREGATES[kind].exact)
            top, bottom = (replace(expr, kind=k) for k in (form.numerator, form.denominator))
            return top, bottom, form.denominator is AggregateKind.COEFFICIENTS
        case m.Arithmetic(op="/", left=left, right=right):
            weights = isinstance(right, m.Aggregate) and right.kind is AggregateKind.COEFFICIENTS
            return left, right, weights
    return None


def input_names(expr: m.Expr) -> dict[str, bool]:
    """The figures and units an expression reads, in order, each once: name → whether
    it names a figure (else a unit)."""
    match expr:
        case m.FigureRef(name=name):
            return {name: True}
        case m.UnitGrade(code=code):
            return {code: False}
        case m.Aggregate(units=units):
            return dict.fromkeys(units, False)
        case m.Arithmetic(left=left, right=right):
            return {**input_names(left), **input_names(right)}
        case m.Negative(operand=operand):
            return input_names(operand)
    return {}


def input_trace(name: str, named_figure: bool, fill: Fill) -> t.FigureInput:
    if not named_figure:
        return fill.as_input(name)
    value, display = fill.figure(name)
    return fill.build(t.FigureInput, name=name, value=value, display=display)


# --- the values of one candidate ---------------------------------------------------
class _Values:
    """Re-reads a record through the compiled regime, to show what was compared."""

    def __init__(self, evaluation: Evaluation, compiled: CompiledRegime) -> None:
        self.units = evaluation.units
        self.figures = evaluation.figures
        self.compiled = compiled
        self.coefficients = {u.code: u.coefficient for u in evaluation.regime.units}
        self.thresholds = thresholds(evaluation.phase)

    @staticmethod
    def build(model: type[Model], **fields: object) -> Model:
        return model(**fields)

    def side(self, cond: m.Compare | m.InRange, expr: m.Expr, *others: m.Expr) -> str:
        """A compared value as shown: told apart from the other side(s)."""
        compared = side_thresholds(expr, self.thresholds) | {self.operand(o) for o in others}
        return shown(self.operand(expr), compared)

    def number(self, expr: m.Expr, place: Place) -> Fraction:
        return self.compiled.number(expr, place)((self.units, self.figures))

    def operand(self, expr: m.Expr) -> Fraction:
        return self.number(expr, Place.of(expr))

    def holds(self, cond: m.Cond) -> bool:
        return self.compiled.test(cond)((self.units, self.figures))

    def absent(self, units: tuple[str, ...]) -> list[str]:
        return [c for c in units if self.units[c].status.absent]

    def excepting(self, rule: m.RuleDef) -> m.ExceptionDef | None:
        return next((e for e in rule.exceptions if self.holds(e.condition)), None)

    def figure(self, name: str) -> tuple[str, str]:
        value = self.figures[name]
        return exact(value), shown(value, self.thresholds.get(name, _NONE))

    def unrounded(self, figure: m.FigureDef) -> str | None:
        place = Place(figure.name, figure.span)
        return exact(self.number(figure.expr, place)) if figure.rounding else None

    def quotient(self, figure: m.FigureDef) -> t.Quotient | None:
        sides = quotient_sides(figure.expr)
        if sides is None:
            return None
        place = Place(figure.name, figure.span)
        top, bottom = (exact(self.number(side, place)) for side in sides[:2])
        return t.Quotient(numerator=top, denominator=bottom, coefficients=sides[2])

    def unit(self, unit: m.UnitDef) -> t.UnitTrace:
        return unit_trace(unit, self.units[unit.code], self.grade_texts(unit.code))

    def as_input(self, code: str) -> t.FigureInput:
        return unit_input(code, self.units[code], self.coefficients[code], self.grade_texts(code))

    def grade_texts(self, code: str) -> Texts:
        return grade_texts(self.units[code].value, self.thresholds.get(code, _NONE))


def build_trace(evaluation: Evaluation, compiled: CompiledRegime, program: m.Program) -> t.Trace:
    values = _Values(evaluation, compiled)
    phase = evaluation.phase
    rules = [
        rule_trace(r, status, values)
        for r, status in zip(phase.rules, evaluation.statuses, strict=True)
    ]
    return trace(evaluation.regime, phase, rules, values, program)


class VerdictFields(TypedDict):
    """The fields of a decision record that depend only on its deciding rule."""

    decision: str
    label: str
    deciding_rule: str
    deciding_rule_source: t.SourceRef | None
    citation: t.CitationRecord | None
    resit: t.ResitTerms | None


def verdict(rule: m.RuleDef) -> VerdictFields:
    """The fields of a decision record that depend only on its deciding rule."""
    terms = rule.resit
    return {
        "decision": rule.outcome.name,
        "label": rule.outcome.label,
        "deciding_rule": rule.name,
        "deciding_rule_source": source_ref(rule.span),
        "citation": citation(rule.citation),
        "resit": t.ResitTerms(count=terms.count, units=list(terms.units)) if terms else None,
    }


def resit_terms(offer: ResitOffer) -> t.ResitTerms:
    """The resit terms as the candidate can meet them (`verdict` gives the rule's own)."""
    return t.ResitTerms(
        count=offer.count,
        units=list(offer.units),
        exempted=list(offer.exempted),
        required=offer.required,
    )


def stamp(program: m.Program) -> t.RegulationStamp:
    diploma = program.diploma
    return t.RegulationStamp(
        path=program.path,
        sha256=program.sha256,
        diploma=diploma.code,
        engine_version=__version__,
        session=diploma.session,
        last_session=diploma.last_session,
        imports=[t.ImportStamp(path=path, sha256=sha) for path, sha in program.imports],
    )


def source_ref(span: object) -> t.SourceRef:
    return t.SourceRef(file=span.file, line=span.line, column=span.column)  # type: ignore[attr-defined]


def citation(cite: m.Citation | None) -> t.CitationRecord | None:
    return t.CitationRecord(text=cite.text, source=cite.source) if cite else None


def form_traces(unit: m.UnitDef) -> list[t.FormTrace]:
    """The unit's forms in its regime, then those of its parts, each naming its part."""
    forms: list[tuple[str | None, m.Form]] = [(None, form) for form in unit.forms]
    forms += [(part.name, form) for part in unit.parts for form in part.forms]
    return [
        t.FormTrace(
            kind=form.kind,  # type: ignore[arg-type]
            part=part,
            modes=list(form.modes),
            situations=form.situations,
            minutes=form.minutes,
            preparation_minutes=form.preparation_minutes,
            source=source_ref(form.span),
        )
        for part, form in forms
    ]


def grade_texts(value: Fraction | None, compared: frozenset[Fraction] = _NONE) -> Texts:
    """A unit's value, exact and as shown (told apart from what it is compared with)."""
    return _exact(value), _display(value, compared)


def unit_trace(unit: m.UnitDef, value: UnitValue, texts: Texts) -> t.UnitTrace:
    """`texts`: the unit's value, exact and as shown (`grade_texts`)."""
    parts = [
        t.PartTrace(
            name=p.name,
            weight=exact(d.weight),
            status=p.status,
            value=_exact(p.value),
            display=_display(p.value),
        )
        for p, d in zip(value.parts, unit.parts, strict=False)
    ]
    return t.UnitTrace(
        code=unit.code,
        title=unit.title,
        group=unit.group,
        coefficient=_exact(unit.coefficient),
        status=value.status,  # type: ignore[arg-type]
        value=texts[0],
        display=texts[1],
        forms=form_traces(unit),
        parts=parts,
        kept_from=value.kept_from,
    )


def unit_input(
    code: str, unit: UnitValue, coefficient: Fraction | None, texts: Texts
) -> t.FigureInput:
    """`texts`: the unit's value, exact and as shown (`grade_texts`)."""
    note = f"coefficient {exact(coefficient)}" if coefficient else None
    if unit.status is not UnitStatus.GRADED:
        note = f"{unit.status}" + (f", {note}" if note else "")
    return t.FigureInput(name=code, value=texts[0], display=texts[1], note=note)


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else exact(value)


def _display(value: Fraction | None, compared: frozenset[Fraction] = _NONE) -> str | None:
    return None if value is None else shown(value, compared)


def resit_trace(
    before: Evaluation,
    after: Evaluation,
    chosen: tuple[ResitUnit, ...],
    compiled: CompiledRegime,
    program: m.Program,
    with_trace: bool = True,
) -> t.ResitPhaseTrace:
    rule = before.rule
    return t.ResitPhaseTrace(
        initial_decision=rule.outcome.name,
        initial_label=rule.outcome.label,
        initial_rule=rule.name,
        units=[_resit_unit(unit) for unit in chosen],
        trace=build_trace(after, compiled, program) if with_trace else None,
    )


def _resit_unit(unit: ResitUnit) -> t.ResitUnitTrace:
    resit = shown(unit.resit) if isinstance(unit.resit, Fraction) else str(unit.resit)
    return t.ResitUnitTrace(
        code=unit.code,
        initial=_display(unit.initial.value),
        resit=resit,
        kept=_display(unit.kept.value),
        kept_status=unit.kept.status,
    )
