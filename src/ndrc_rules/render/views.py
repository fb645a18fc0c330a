"""What the papers show, built from decisions: the jury's minutes (procès-verbal de
délibération) and the candidates' grade sheets (relevés de notes).

Plain data for the templates, which only lay it out and escape it: every number
written as people read it (decimal comma; the truncated displays the trace made,
`numbers.display` for points), every label from the catalogue. Totals of points
and coefficients are the language's own aggregates (`constructs.AGGREGATES`) over
the units that carry a coefficient.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath

from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import display, readable, short
from ndrc_rules.common.status import MARKERS, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.explain import stamp
from ndrc_rules.io.candidates import RowError
from ndrc_rules.io.jury import Jury
from ndrc_rules.language import core as m
from ndrc_rules.language.constructs import AGGREGATES, ZERO, AggregateKind, Quotient
from ndrc_rules.language.names import fold
from ndrc_rules.render.near_miss import needed_grade, phase_heading
from ndrc_rules.render.trace import rule_words


# --- what the facade hands over -----------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A decided candidate, with the names the candidates file gives (`nom`, `prenom`)."""

    decision: t.Decision
    last_name: str | None = None
    first_name: str | None = None

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.last_name, self.first_name) if n)


@dataclass(frozen=True)
class Cohort:
    """A session's candidates as decided: what both papers are made from."""

    programs: Sequence[m.Program]  # the regulation's versions, the latest last
    entries: Sequence[Entry]
    errors: Sequence[RowError]
    jury: Jury = field(default_factory=Jury)
    sessions: Sequence[int] = ()  # the candidates' `session` column, distinct values
    ignored: Sequence[str] = ()  # columns of the file no regime reads (F009)

    @property
    def latest(self) -> m.Program:
        return self.programs[-1]


# --- numbers and grades, as papers write them ----------------------------------------
def comma(shown: str | None) -> str:
    """A display of the trace ('12.50', '10.005', '221/21') as people read it (the
    language's decimal separator: `numbers.readable`); « — » for none."""
    return readable(shown) if shown else "—"


def grade_text(status: str, shown: str | None) -> str:
    """A grade cell: the grade, the marker as written (ABS, ABJ, DISP), or — (not taken)."""
    if status in MARKERS:
        return status
    return comma(shown) if status == UnitStatus.GRADED else "—"


def _points_terms(units: Iterable[t.UnitTrace]) -> list[tuple[Fraction, Fraction]]:
    """(coefficient, grade) of the units with a coefficient that count in a total."""
    counted = AGGREGATES[AggregateKind.TOTAL].counted
    return [
        (Fraction(u.coefficient), Fraction(u.value or 0))
        for u in units
        if u.coefficient and UnitStatus(u.status) in counted
    ]


def _aggregate(kind: AggregateKind, terms: list[tuple[Fraction, Fraction]]) -> Fraction:
    exact = AGGREGATES[kind].exact
    assert not isinstance(exact, Quotient), "a total and a coefficient sum are direct forms"
    return exact(terms, ZERO)


def unit_points(unit: t.UnitTrace) -> str:
    """Grade × coefficient, truncated; blank for a unit without points."""
    terms = _points_terms([unit])
    return comma(display(_aggregate(AggregateKind.TOTAL, terms))) if terms else ""


@dataclass(frozen=True)
class Totals:
    points: str
    coefficients: str


def totals(units: Iterable[t.UnitTrace]) -> Totals:
    terms = _points_terms(units)
    points = _aggregate(AggregateKind.TOTAL, terms)
    return Totals(comma(display(points)), short(_aggregate(AggregateKind.COEFFICIENTS, terms)))


def final_trace(decision: t.Decision) -> t.Trace:
    """The trace of the phase that decided: after the resit when it took place."""
    phase = decision.resit_phase
    trace = phase.trace if phase and phase.trace else decision.trace
    assert trace is not None, "papers are made from decisions with their trace"
    return trace


# --- the header both papers share -----------------------------------------------------
@dataclass(frozen=True)
class Header:
    diploma: str
    code: str
    rncp: str | None
    level: str | None
    source: str | None
    session: str | None
    regimes: list[tuple[str, str]]  # (name, title)


def header(cohort: Cohort) -> Header:
    diploma = cohort.latest.diploma
    regimes = [(r.name, r.title or r.name) for r in cohort.latest.regimes]
    session = cohort.jury.session or ", ".join(str(s) for s in sorted(cohort.sessions)) or None
    return Header(
        diploma.title, diploma.code, diploma.rncp, diploma.level, diploma.source, session, regimes
    )


@dataclass(frozen=True)
class Stamp:
    """A regulation file that decided, for the footer: its name and SHA-256."""

    path: str
    sha256: str


def stamps(cohort: Cohort) -> list[Stamp]:
    """Every version's file and the files it imports, each once, in order."""
    seen: dict[tuple[str, str], Stamp] = {}
    for program in cohort.programs:
        for path, sha256 in ((program.path, program.sha256), *program.imports):
            seen.setdefault((path, sha256), Stamp(PurePath(path).name, sha256))
    return list(seen.values())


def ordered(cohort: Cohort) -> list[Entry]:
    """As a jury reads them: by regime (the regulation's order), then by name (those
    without a name after, by id)."""
    ranks = {fold(r.name): i for i, r in enumerate(cohort.latest.regimes)}

    def key(entry: Entry) -> tuple[int, bool, str, str, str]:
        regime = ranks.get(fold(entry.decision.regime), len(ranks))
        names = (fold(entry.last_name or ""), fold(entry.first_name or ""))
        return regime, not entry.name, *names, entry.decision.id

    return sorted(cohort.entries, key=key)


# --- the procès-verbal ------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A value, and what annotates it (a kept grade's session, the resit, a reason)."""

    value: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    code: str
    title: str
    coefficient: str | None


@dataclass(frozen=True)
class PvRow:
    number: int
    id: str
    name: str
    units: list[Cell]
    points: Cell
    coefficients: Cell
    figures: list[Cell]
    proposal: Cell
    final: Cell


@dataclass(frozen=True)
class RegimeTable:
    name: str
    title: str
    columns: list[Column]
    figures: list[Column]  # code: the figure's name, title: its title
    rows: list[PvRow]


@dataclass(frozen=True)
class ResitItem:
    id: str
    name: str
    terms: str
    chosen: list[str]
    result: str


@dataclass(frozen=True)
class JuryItem:
    id: str
    name: str
    proposal: str
    decision: str
    reason: str


@dataclass(frozen=True)
class Pv:
    header: Header
    jury: Jury
    tables: list[RegimeTable]
    resits: list[ResitItem]
    jury_decisions: list[JuryItem]
    counts: list[tuple[str, int]]  # (label, count), errors last
    rows: int
    decided: int
    errors: list[RowError]
    stamps: list[Stamp]
    engine: str


def pv(cohort: Cohort) -> Pv:
    entries = ordered(cohort)
    titles = {fold(r.name): r.title or r.name for r in cohort.latest.regimes}
    numbers = itertools.count(1)
    tables = [
        _regime_table(
            own[0].decision.regime, titles.get(regime, own[0].decision.regime), own, numbers
        )
        for regime, group in itertools.groupby(entries, key=lambda e: fold(e.decision.regime))
        if (own := list(group))
    ]
    return Pv(
        header=header(cohort),
        jury=cohort.jury,
        tables=tables,
        resits=[item for e in entries if (item := _resit_item(e))],
        jury_decisions=[said for e in entries if (said := _jury_item(e))],
        counts=_counts(cohort),
        rows=len(entries) + len(cohort.errors),
        decided=len(entries),
        errors=sorted(cohort.errors, key=lambda error: error.row),
        stamps=stamps(cohort),
        engine=stamp(cohort.latest).engine_version,
    )


def _regime_table(
    name: str, title: str, entries: list[Entry], numbers: Iterator[int]
) -> RegimeTable:
    columns: dict[str, Column] = {}
    figures: dict[str, Column] = {}
    for entry in entries:
        trace = final_trace(entry.decision)
        for unit in trace.units:
            coefficient = short(Fraction(unit.coefficient)) if unit.coefficient else None
            columns.setdefault(unit.code, Column(unit.code, unit.title, coefficient))
        for figure in trace.figures:
            figures.setdefault(figure.name, Column(figure.name, figure.title or figure.name, None))
    rows = [_pv_row(next(numbers), e, list(columns), list(figures)) for e in entries]
    return RegimeTable(name, title, list(columns.values()), list(figures.values()), rows)


def _pv_row(number: int, entry: Entry, units: list[str], figures: list[str]) -> PvRow:
    decision = entry.decision
    first = decision.trace
    assert first is not None, "papers are made from decisions with their trace"
    phase = decision.resit_phase
    after = phase.trace if phase else None
    resit = {u.code: u for u in phase.units} if phase else {}
    by_code = {u.code: u for u in first.units}
    cells = [_unit_cell(by_code.get(code), resit.get(code)) for code in units]
    before_totals = totals(first.units)
    after_totals = totals(after.units) if after else None
    values = {f.name: f.display for f in first.figures}
    later = {f.name: f.display for f in after.figures} if after else {}
    return PvRow(
        number,
        decision.id,
        entry.name,
        cells,
        _with_after(before_totals.points, after_totals.points if after_totals else None),
        _with_after(
            before_totals.coefficients, after_totals.coefficients if after_totals else None
        ),
        [_with_after(comma(values.get(n)), later.get(n) and comma(later[n])) for n in figures],
        _proposal_cell(decision),
        _final_cell(decision),
    )


def _with_after(value: str, after: str | None) -> Cell:
    """A figure before the resit, and after it when it took place."""
    return Cell(value, [text("paper.after_resit_value", value=after)] if after else [])


def _unit_cell(unit: t.UnitTrace | None, resit: t.ResitUnitTrace | None) -> Cell:
    if unit is None:
        return Cell("")
    notes = [text("paper.kept_short", session=unit.kept_from)] if unit.kept_from else []
    if resit is not None:
        notes.append(text("paper.resit_short", grade=comma(resit.resit)))
    return Cell(grade_text(unit.status, unit.display), notes)


def _proposal_cell(decision: t.Decision) -> Cell:
    """The engine's proposal: its outcome and rule (the jury's proposal when it decided)."""
    proposal = decision.proposal
    if proposal is not None:
        rule = rule_words(proposal.deciding_rule, decision.trace)
        return Cell(proposal.label, [text("paper.rule_short", rule=rule)])
    rule = rule_words(decision.deciding_rule, final_trace(decision))
    notes = [text("paper.rule_short", rule=rule)]
    if decision.resit_phase is not None:
        notes.append(text("paper.after_resit"))
    return Cell(decision.label, notes)


def _final_cell(decision: t.Decision) -> Cell:
    jury = decision.jury
    if jury is None:
        return Cell(decision.label)
    return Cell(jury.label, [text("paper.jury_short", reason=jury.reason)])


def resit_terms(terms: t.ResitTerms) -> str:
    return text("paper.resit_terms", count=terms.count, units=", ".join(terms.units))


def _resit_item(entry: Entry) -> ResitItem | None:
    decision = entry.decision
    phase = decision.resit_phase
    if phase is None and decision.resit is None:
        return None
    if phase is None:
        assert decision.resit is not None
        terms = resit_terms(decision.resit)
        return ResitItem(decision.id, entry.name, terms, [], text("paper.resit_pending"))
    proposal = decision.proposal
    first_terms = _first_terms(decision)
    chosen = [_chosen(unit) for unit in phase.units]
    result = proposal.label if proposal else decision.label
    return ResitItem(decision.id, entry.name, first_terms, chosen, result)


def _first_terms(decision: t.Decision) -> str:
    """The terms the first phase's rule gave, from its trace: the count of units chosen."""
    phase = decision.resit_phase
    assert phase is not None
    rule = rule_words(phase.initial_rule, decision.trace)
    return text("paper.resit_taken", count=len(phase.units), rule=rule)


def _chosen(unit: t.ResitUnitTrace) -> str:
    return text(
        "paper.resit_unit",
        code=unit.code,
        initial=comma(unit.initial),
        resit=_chosen_resit(unit),
        kept=_kept_after_resit(unit),
    )


def _chosen_resit(unit: t.ResitUnitTrace) -> str:
    """The grade at the resit, or the marker of an absence there."""
    return unit.resit if unit.resit in MARKERS else comma(unit.resit)


def _kept_after_resit(unit: t.ResitUnitTrace) -> str:
    """The grade the unit keeps: the better of the two, or the first after an absence
    at the resit (no grade there: the first one stays, README)."""
    return comma(unit.kept) if unit.kept else grade_text(unit.kept_status, unit.kept)


def _jury_item(entry: Entry) -> JuryItem | None:
    decision = entry.decision
    jury, proposal = decision.jury, decision.proposal
    if jury is None or proposal is None:
        return None
    rule = rule_words(proposal.deciding_rule, decision.trace)
    said = text("paper.proposal", label=proposal.label, rule=rule)
    return JuryItem(decision.id, entry.name, said, jury.label, jury.reason)


def _counts(cohort: Cohort) -> list[tuple[str, int]]:
    counts = Counter(e.decision.decision for e in cohort.entries)
    labels = {o.name: o.label for p in cohort.programs for o in p.outcomes}
    shown = [(labels[name], counts[name]) for name in labels]
    shown += [(name, count) for name, count in counts.items() if name not in labels]
    return [*shown, (text("paper.errors_count"), len(cohort.errors))]


# --- the relevé de notes --------------------------------------------------------------
@dataclass(frozen=True)
class SheetPart:
    label: str
    weight: str
    grade: str


@dataclass(frozen=True)
class SheetUnit:
    code: str
    title: str
    coefficient: str | None
    grade: str  # the first phase's grade, or the kept one
    kept: str | None  # "obtained at session 2023"
    resit: str | None  # the grade at the resit, when the unit was chosen
    retained: str  # the grade the decision counts: the better of the two after a resit
    points: str
    parts: list[SheetPart]


@dataclass(frozen=True)
class SheetFigure:
    title: str
    value: str
    before: str | None  # before the resit, when it took place


@dataclass(frozen=True)
class NearMissRow:
    input: str  # the unit (or part, or resit grade) changed, with its title
    current: str  # its grade, or « — » when it has none
    needed: list[str]  # per better outcome (the view's `outcomes`), the grade that sufficed


@dataclass(frozen=True)
class NearMissView:
    """One phase's « ce qu'il aurait fallu », as a table: a row per input, a column per
    better outcome."""

    heading: str
    outcomes: list[str]  # the better outcomes' labels, the next better first
    rows: list[NearMissRow]
    unavailable: str | None = None


@dataclass(frozen=True)
class Sheet:
    header: Header
    id: str
    name: str
    last_name: str | None
    first_name: str | None
    regime: str
    units: list[SheetUnit]
    resit_taken: bool
    totals: Totals
    figures: list[SheetFigure]
    decision: str
    rule: str
    citation: str | None
    citation_source: str | None
    jury: JuryItem | None
    resit_terms: str | None
    near_miss: list[NearMissView]
    stamps: list[Stamp]
    engine: str


def sheets(cohort: Cohort, ids: Sequence[str] = ()) -> list[Sheet]:
    """One sheet per candidate (those of `ids` only, in that order, if given)."""
    entries = ordered(cohort)
    if ids:
        by_id = {e.decision.id: e for e in entries}
        entries = [by_id[i] for i in ids if i in by_id]
    return [_sheet(cohort, entry) for entry in entries]


def _program(cohort: Cohort, decision: t.Decision) -> m.Program:
    """The version that decided (by its SHA-256), else the latest."""
    sha256 = decision.regulation.sha256 if decision.regulation else None
    return next((p for p in cohort.programs if p.sha256 == sha256), cohort.latest)


def _sheet(cohort: Cohort, entry: Entry) -> Sheet:
    decision = entry.decision
    first, last = decision.trace, final_trace(decision)
    assert first is not None
    program = _program(cohort, decision)
    regime = next(r for r in program.regimes if fold(r.name) == fold(decision.regime))
    phase = decision.resit_phase
    resit = {u.code: u for u in phase.units} if phase else {}
    retained = {u.code: u for u in last.units}
    units = [_sheet_unit(regime, u, resit.get(u.code), retained[u.code]) for u in first.units]
    before = {f.name: f.display for f in first.figures} if phase else {}
    figures = [
        SheetFigure(f.title or f.name, comma(f.display), comma(before[f.name]) if before else None)
        for f in last.figures
    ]
    proposal = decision.proposal
    rule_name = proposal.deciding_rule if proposal else decision.deciding_rule
    citation = proposal.citation if proposal else decision.citation
    return Sheet(
        header=header(cohort),
        id=decision.id,
        name=entry.name,
        last_name=entry.last_name,
        first_name=entry.first_name,
        regime=regime.title or regime.name,
        units=units,
        resit_taken=phase is not None,
        totals=totals(last.units),
        figures=figures,
        decision=decision.label,
        rule=rule_words(rule_name, last if proposal is None else first),
        citation=citation.text if citation else None,
        citation_source=citation.source if citation else None,
        jury=_jury_item(entry),
        resit_terms=resit_terms(decision.resit) if decision.resit else None,
        near_miss=[_near_miss(n, decision) for n in decision.near_miss or ()],
        stamps=stamps(cohort),
        engine=stamp(cohort.latest).engine_version,
    )


def _sheet_unit(
    regime: m.RegimeDef,
    unit: t.UnitTrace,
    resit: t.ResitUnitTrace | None,
    retained: t.UnitTrace,
) -> SheetUnit:
    definition = next((u for u in regime.units if u.code == unit.code), None)
    titles = {p.name: p.title for p in definition.parts} if definition else {}
    parts = [
        SheetPart(
            titles.get(p.name) or p.name, short(Fraction(p.weight)), grade_text(p.status, p.display)
        )
        for p in unit.parts
    ]
    return SheetUnit(
        code=unit.code,
        title=unit.title,
        coefficient=short(Fraction(unit.coefficient)) if unit.coefficient else None,
        grade=grade_text(unit.status, unit.display),
        kept=text("paper.kept", session=unit.kept_from) if unit.kept_from else None,
        resit=_chosen_resit(resit) if resit else None,
        retained=_kept_after_resit(resit)
        if resit
        else grade_text(retained.status, retained.display),
        points=unit_points(retained),
        parts=parts,
    )


def _near_miss(near: t.NearMiss, decision: t.Decision) -> NearMissView:
    """« Ce qu'il aurait fallu » as a table: for each input, the grade that alone would
    have given each better outcome, or that none would (worded as explain words it)."""
    heading = phase_heading(near, len(decision.near_miss or ()))
    if near.unavailable:
        return NearMissView(heading, [], [], near.unavailable)
    outcomes = list(dict.fromkeys(n.label for item in near.inputs for n in item.needed))
    rows = []
    for item in near.inputs:
        found = {n.label: needed_grade(n) for n in item.needed}
        current = readable(item.current_display) if item.current_display else "—"
        shown = [found.get(label, "") for label in outcomes]
        rows.append(NearMissRow(f"{item.input} {item.title}", current, shown))
    return NearMissView(heading, outcomes, rows)
