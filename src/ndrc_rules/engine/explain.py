"""Evaluation record → trace: the figures with their inputs, every rule examined.

Core expressions and conditions are shown in the regulation's own words
(`words.py`), so that an auditor reads `moyenne_generale >= 10`, not Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from ndrc_rules import __version__
from ndrc_rules.common.numbers import exact, shown
from ndrc_rules.common.status import RuleStatus, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import ResitOffer, ResitUnit, UnitValue
from ndrc_rules.engine.evaluator import CompiledRegime, Evaluation, Place
from ndrc_rules.language import core as m
from ndrc_rules.language.words import describe, describe_condition

NO_ABSENCE = "aucune"  # what an `ABS dans …` check found when no unit is absent


# --- what each value is compared with -------------------------------------------
Thresholds = Mapping[str, frozenset[Fraction]]
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


# --- values --------------------------------------------------------------------
class _Values:
    """Re-reads a record through the compiled regime, to show what was compared."""

    def __init__(self, evaluation: Evaluation, compiled: CompiledRegime) -> None:
        self.units = evaluation.units
        self.figures = evaluation.figures
        self.compiled = compiled
        self.coefficients = {u.code: u.coefficient for u in evaluation.regime.units}
        self.thresholds = thresholds(evaluation.phase)

    def side(self, cond: m.Compare | m.InRange, expr: m.Expr, *others: m.Expr) -> str:
        """A compared value of `cond` as shown: told apart from the other side(s)."""
        compared = side_thresholds(expr, self.thresholds) | {self.operand(o, cond) for o in others}
        return shown(self.operand(expr, cond), compared)

    def number(self, expr: m.Expr, place: Place) -> Fraction:
        return self.compiled.number(expr, place)((self.units, self.figures))

    def operand(self, expr: m.Expr, cond: m.Compare | m.InRange) -> Fraction:
        return self.number(expr, Place.of(expr, cond.span))

    def holds(self, cond: m.Cond) -> bool:
        return self.compiled.test(cond)((self.units, self.figures))

    def checks(self, cond: m.Cond) -> list[t.Check]:
        match cond:
            case m.Compare(left=left, right=right):
                return [
                    t.Check(
                        text=describe_condition(cond),
                        left=self.side(cond, left, right),
                        right=self.side(cond, right, left),
                        result=self.holds(cond),
                    )
                ]
            case m.InRange():
                value, low, high = cond.value, cond.low, cond.high
                opening = "[" if cond.low_inclusive else "]"
                closing = "]" if cond.high_inclusive else "["
                bounds = f"{self.side(cond, low, value)} ; {self.side(cond, high, value)}"
                return [
                    t.Check(
                        text=describe_condition(cond),
                        left=self.side(cond, value, low, high),
                        right=f"{opening}{bounds}{closing}",
                        result=self.holds(cond),
                    )
                ]
            case m.AnyAbsent(units=units):
                absent = [c for c in units if self.units[c].status.absent]
                return [
                    t.Check(
                        text=describe_condition(cond),
                        left=", ".join(absent) or NO_ABSENCE,
                        result=self.holds(cond),
                    )
                ]
            case m.All(operands=operands) | m.Any_(operands=operands):
                return [check for o in operands for check in self.checks(o)]
            case m.Negation(operand=operand):
                return self.checks(operand)
        raise AssertionError(cond)

    def condition(self, cond: m.Cond) -> t.ConditionTrace:
        return t.ConditionTrace(
            text=describe_condition(cond), result=self.holds(cond), checks=self.checks(cond)
        )


# --- the trace -------------------------------------------------------------------
def build_trace(evaluation: Evaluation, compiled: CompiledRegime, program: m.Program) -> t.Trace:
    values = _Values(evaluation, compiled)
    regime, phase = evaluation.regime, evaluation.phase
    known = values.thresholds
    return t.Trace(
        units=[
            unit_trace(u, evaluation.units[u.code], known.get(u.code, _NONE)) for u in regime.units
        ],
        figures=[_figure(f, values) for f in phase.figures],
        rules=[
            _rule(r, status, values)
            for r, status in zip(phase.rules, evaluation.statuses, strict=True)
        ],
        regulation=stamp(program),
    )


def verdict(rule: m.RuleDef) -> dict[str, object]:
    """The fields of a decision record that depend only on its deciding rule."""
    return {
        "decision": rule.outcome.name,
        "label": rule.outcome.label,
        "deciding_rule": rule.name,
        "deciding_rule_source": source_ref(rule.span),
        "citation": citation(rule.citation),
        "resit": rule.resit and t.ResitTerms(count=rule.resit.count, units=list(rule.resit.units)),
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
    forms = [(None, form) for form in unit.forms]
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


def unit_trace(
    unit: m.UnitDef, value: UnitValue, compared: frozenset[Fraction] = _NONE
) -> t.UnitTrace:
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
        value=_exact(value.value),
        display=_display(value.value, compared),
        forms=form_traces(unit),
        parts=parts,
        kept_from=value.kept_from,
    )


def _figure(figure: m.FigureDef, values: _Values) -> t.FigureTrace:
    value = values.figures[figure.name]
    place = Place(figure.name, figure.span)
    unrounded = values.number(figure.expr, place) if figure.rounding else None
    inputs = [_input(name, values) for name in input_names(figure.expr)]
    return figure_trace(figure, value, unrounded, inputs, values.thresholds.get(figure.name, _NONE))


def figure_trace(
    figure: m.FigureDef,
    value: Fraction,
    unrounded: Fraction | None,
    inputs: list[t.FigureInput],
    compared: frozenset[Fraction] = _NONE,
) -> t.FigureTrace:
    rounding = figure.rounding
    return t.FigureTrace(
        name=figure.name,
        title=figure.title,
        expression=describe(figure.expr)
        + (f" {rounding.mode} {rounding.decimals} decimales" if rounding else ""),
        value=exact(value),
        display=shown(value, compared),
        unrounded=_exact(unrounded),
        inputs=inputs,
        source=source_ref(figure.span),
        citation=citation(figure.citation),
    )


def input_names(expr: m.Expr) -> list[str]:
    """The figures and units an expression reads, in order, each once."""
    match expr:
        case m.FigureRef(name=name) | m.UnitGrade(code=name):
            return [name]
        case m.Aggregate(units=units):
            return list(units)
        case m.Arithmetic(left=left, right=right):
            return list(dict.fromkeys(input_names(left) + input_names(right)))
        case m.Negative(operand=operand):
            return input_names(operand)
    return []


def _input(name: str, values: _Values) -> t.FigureInput:
    compared = values.thresholds.get(name, _NONE)
    if name in values.figures:
        return figure_input(name, values.figures[name], compared)
    return unit_input(name, values.units[name], values.coefficients[name], compared)


def figure_input(
    name: str, value: Fraction, compared: frozenset[Fraction] = _NONE
) -> t.FigureInput:
    return t.FigureInput(name=name, value=exact(value), display=shown(value, compared))


def unit_input(
    code: str,
    unit: UnitValue,
    coefficient: Fraction | None,
    compared: frozenset[Fraction] = _NONE,
) -> t.FigureInput:
    note = f"coefficient {exact(coefficient)}" if coefficient else None
    if unit.status is not UnitStatus.GRADED:
        note = f"{unit.status}" + (f", {note}" if note else "")
    return t.FigureInput(
        name=code, value=_exact(unit.value), display=_display(unit.value, compared), note=note
    )


def _rule(rule: m.RuleDef, status: RuleStatus, values: _Values) -> t.RuleTrace:
    examined = status.examined
    condition = values.condition(rule.condition) if examined and rule.condition else None
    exceptions = (
        [values.condition(e.condition) for e in rule.exceptions]
        if examined and condition and condition.result
        else []
    )
    excepting = next(
        (e for e, c in zip(rule.exceptions, exceptions, strict=False) if c.result), None
    )
    return rule_trace(rule, status, condition, exceptions, excepting)


def rule_trace(
    rule: m.RuleDef,
    status: RuleStatus,
    condition: t.ConditionTrace | None,
    exceptions: list[t.ConditionTrace],
    excepting: m.ExceptionDef | None,
) -> t.RuleTrace:
    """A rule as examined; `excepting` is the first exception that held, if any."""
    return t.RuleTrace(
        name=rule.name,
        title=rule.title,
        outcome=rule.outcome.name,
        status=status,  # type: ignore[arg-type]
        source=source_ref(rule.span),
        condition=condition,
        exceptions=exceptions,
        citation=citation(rule.citation),
        exception_citation=citation(excepting.citation) if excepting else None,
    )


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
    resit = _display(unit.resit) if isinstance(unit.resit, Fraction) else str(unit.resit)
    return t.ResitUnitTrace(
        code=unit.code,
        initial=_display(unit.initial.value),
        resit=resit,
        kept=_display(unit.kept.value),
        kept_status=unit.kept.status,
    )
