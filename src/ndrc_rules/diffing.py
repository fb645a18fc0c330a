"""Decisions of two versions of a regulation → their differences, candidate by candidate.

A coordinator previews a new version of a regulation before adopting it: every
candidate is decided by both versions (`api`), and `compare` keeps only what
differs — candidates whose outcome changes, grouped by deciding rule (old →
new), with what changed in the rules involved, in the regulation's own words
(`explain.describe_condition`); candidates whose outcome stays but whose
deciding rule changes, counted; rows in error under either version. `render`
shows the report to people, `DiffReport.as_json` gives it to machines.

Reading. Candidates are read once (`read_both`), keeping the union of the
columns the two versions know; each version then sees only its own columns
(`_project`), exactly as its own `Regulation.read` would have given them.
Reading with the new version's `read` alone would drop a column only the old
version knows (a unit the new version removes): the old decisions would be
computed without it, and a real change would go unseen. A plain union, not
projected, would make the version that does not know a column reject the
row (C007). The price of reading once: an unreadable grade in a column only
one version knows makes the row an error under both (a row stops at its
first error).

Rules involved. Rules are examined in order and the first that holds decides:
every other rule failed or was not reached under both versions, so what can
explain a candidate's move is the deciding rule under each version (one per phase when
the decision comes after the resit) and what those rules read — figures,
through figures, down to units. A group lists the changes to those.

Memory. Unchanged candidates are only counted; a changed candidate keeps its
id, regime, both verdicts and its key figures, never a trace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ndrc_rules.api import Regulation
from ndrc_rules.common.errors import UsageError
from ndrc_rules.common.numbers import short
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.explain import describe, describe_condition
from ndrc_rules.io.candidates import Candidate, RowError, read_candidates
from ndrc_rules.language import core as m
from ndrc_rules.language.names import fold

INITIAL, AFTER_RESIT = "initial", "after_resit"  # the phase a rule belongs to
ADDED, REMOVED = "added", "removed"  # aspects of a whole item

# What a change is about: (kind, name); kind is 'rule', 'figure', 'unit', 'regime',
# or 'resit_rule', 'resit_figure' for the rules and figures after the resit.
Subject = tuple[str, str]
# One difference found in one regime: (kind, name, aspect, old text, new text).
_Diff = tuple[str, str, str, str | None, str | None]
# How a candidate was decided: (rule before the resit, rule after it or None).
_Path = tuple[str, str | None]
_Item = TypeVar("_Item", m.RuleDef, m.FigureDef, m.UnitDef)
_PHASE_KINDS = {INITIAL: ("rule", "figure"), AFTER_RESIT: ("resit_rule", "resit_figure")}


# --- the report ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Identity:
    """Which regulation: its file, its SHA-256, and those of the files it imports."""

    path: str
    sha256: str
    diploma: str
    imports: tuple[tuple[str, str], ...]  # (path, sha256)

    @classmethod
    def of(cls, program: m.Program) -> Identity:
        return cls(program.path, program.sha256, program.diploma.code, tuple(program.imports))

    def same_content(self, other: Identity) -> bool:
        ours = (self.sha256, [sha for _, sha in self.imports])
        return ours == (other.sha256, [sha for _, sha in other.imports])

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "diploma": self.diploma,
            "imports": [{"path": path, "sha256": sha} for path, sha in self.imports],
        }


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the two regulations, in the regulation's own words.

    `aspect` is 'condition', 'exceptions', 'outcome', 'resit' or 'order' for a
    rule, 'expression' for a figure, 'definition' for a unit, or 'added' /
    'removed' for any item; `old`/`new` are None where there is nothing.
    """

    kind: str
    name: str
    aspect: str
    old: str | None
    new: str | None
    regimes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "aspect": self.aspect,
            "old": self.old,
            "new": self.new,
            "regimes": list(self.regimes),
        }


@dataclass(frozen=True, slots=True)
class Step:
    """Where a decision came from: the deciding rule, its phase, the outcome."""

    rule: str
    phase: str  # INITIAL or AFTER_RESIT
    outcome: str
    label: str

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "phase": self.phase,
            "outcome": self.outcome,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """One version's decision, without its trace."""

    step: Step
    initial_rule: str  # the deciding rule before the resit (the rule itself if none)
    file: str | None  # None: the jury decided, no rule of the file
    line: int | None

    @classmethod
    def of(cls, decision: t.Decision) -> Verdict:
        phase = decision.resit_phase
        step = Step(
            rule=decision.deciding_rule,
            phase=AFTER_RESIT if phase else INITIAL,
            outcome=decision.decision,
            label=decision.label,
        )
        source = decision.deciding_rule_source
        initial = phase.initial_rule if phase else decision.deciding_rule
        if source is None:
            return cls(step, initial, None, None)
        return cls(step, initial, source.file, source.line)

    @property
    def path(self) -> _Path:
        after = self.step.rule if self.step.phase == AFTER_RESIT else None
        return (self.initial_rule, after)

    def as_json(self) -> dict[str, object]:
        return {
            **self.step.as_json(),
            "initial_rule": self.initial_rule,
            "source": {"file": self.file, "line": self.line},
        }


@dataclass(frozen=True, slots=True)
class FigureChange:
    """A key figure of a changed candidate under each version (display text, or None)."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class CandidateChange:
    """A candidate whose outcome differs between the two versions."""

    row: int
    id: str
    regime: str
    old: Verdict
    new: Verdict
    figures: tuple[FigureChange, ...]  # those the rules involved read

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "id": self.id,
            "regime": self.regime,
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "figures": {f.name: {"old": f.old, "new": f.new} for f in self.figures},
        }


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """A row in error under at least one version; the other side may have decided."""

    row: int
    id: str | None
    old: Verdict | RowError
    new: Verdict | RowError

    def as_json(self) -> dict[str, object]:
        return {"row": self.row, "id": self.id, "old": _side(self.old), "new": _side(self.new)}


def _side(result: Verdict | RowError) -> dict[str, object]:
    if isinstance(result, Verdict):
        return result.as_json()
    return {"error": {"code": result.code, "field": result.field, "message": result.message}}


@dataclass(slots=True)
class DiffGroup:
    """Candidates going from one deciding rule (and outcome) to another."""

    old: Step
    new: Step
    count: int = 0
    regimes: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)  # in the rules involved
    _diffs: dict[_Diff, None] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "count": self.count,
            "regimes": dict(sorted(self.regimes.items())),
            "changes": [c.as_json() for c in self.changes],
        }


@dataclass(slots=True)
class DiffReport:
    """What changes for a cohort when `old` is replaced by `new`."""

    old: Identity
    new: Identity
    regimes: list[str]  # the regimes both versions define
    rows: int
    unchanged: int  # same outcome, same deciding rule
    changed: list[CandidateChange]  # outcome changed, in input order
    groups: list[DiffGroup]  # of `changed`, largest first
    rule_only: list[DiffGroup]  # same outcome, another deciding rule; largest first
    errors: list[ErrorRow]  # in input order
    changes: list[Change]  # every difference between the regulations, cohort or not

    @property
    def rule_only_count(self) -> int:
        return sum(g.count for g in self.rule_only)

    @property
    def decided(self) -> int:
        """Rows decided by both versions."""
        return self.unchanged + len(self.changed) + self.rule_only_count

    @property
    def same_regulation(self) -> bool:
        return self.old.same_content(self.new)

    def as_json(self) -> dict[str, object]:
        return {
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "regimes": self.regimes,
            "summary": {
                "rows": self.rows,
                "decided": self.decided,
                "unchanged": self.unchanged,
                "changed": len(self.changed),
                "rule_only": self.rule_only_count,
                "errors": len(self.errors),
            },
            "groups": [g.as_json() for g in self.groups],
            "rule_only": [g.as_json() for g in self.rule_only],
            "changed": [c.as_json() for c in self.changed],
            "errors": [e.as_json() for e in self.errors],
            "changes": [c.as_json() for c in self.changes],
        }


# --- reading ---------------------------------------------------------------------------
def read_both(
    old: Regulation,
    new: Regulation,
    path: str | Path,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Iterator[Candidate | RowError]:
    """Stream a candidates file once, with every column either version knows."""
    known = old.columns | new.columns
    keep = lambda column: fold(column) in known  # noqa: E731
    return read_candidates(path, encoding=encoding, keep=keep, sheet=sheet)


def _project(candidate: Candidate, columns: set[str]) -> Candidate:
    """The candidate as one version reads it: the columns it does not know set aside."""
    unknown = [column for column in candidate.grades if fold(column) not in columns]
    if not unknown:
        return candidate
    grades = {c: g for c, g in candidate.grades.items() if fold(c) in columns}
    return candidate.model_copy(
        update={"grades": grades, "ignored": (*candidate.ignored, *unknown)}
    )


# --- comparing ---------------------------------------------------------------------------
def compare(old: Regulation, new: Regulation, rows: Iterable[Candidate | RowError]) -> DiffReport:
    """Decide every row under both versions and report what differs (see the module doc).

    `rows` should be read with `read_both`; rows read by one version's `read`
    lack the columns only the other version knows."""
    _same_diploma(old.program, new.program)
    tally = _Tally(old, new)
    for row in rows:
        tally.add(row)
    return tally.report()


def _same_diploma(old: m.Program, new: m.Program) -> None:
    """Versions of one diploma only: under another diploma every row would be an error
    (its units are not the same), and nothing would compare."""
    if fold(old.diploma.code) != fold(new.diploma.code):
        args = {"old": old.path, "old_code": old.diploma.code, "new": new.path}
        raise UsageError("F020", {**args, "new_code": new.diploma.code})


class _Tally:
    """The running comparison: counts, changed candidates, groups, errors."""

    def __init__(self, old: Regulation, new: Regulation) -> None:
        self.old, self.new = old, new
        self.old_columns, self.new_columns = old.columns, new.columns
        self.versions = _Versions(old.program, new.program)
        self.rows = 0
        self.unchanged = 0
        self.changed: list[CandidateChange] = []
        self.errors: list[ErrorRow] = []
        self.groups: dict[tuple[Step, Step], DiffGroup] = {}
        self.rule_only: dict[tuple[Step, Step], DiffGroup] = {}

    def add(self, row: Candidate | RowError) -> None:
        self.rows += 1
        if isinstance(row, RowError):
            self.errors.append(ErrorRow(row=row.row, id=row.id, old=row, new=row))
            return
        before = _decided(self.old.try_decide(_project(row, self.old_columns)))
        after = _decided(self.new.try_decide(_project(row, self.new_columns)))
        if isinstance(before, RowError) or isinstance(after, RowError):
            self.errors.append(ErrorRow(row.row, row.id, _plain(before), _plain(after)))
        elif before.step.outcome != after.step.outcome:
            self._changed(row, before, after)
        elif before.path != after.path:
            self._count(self.rule_only, row.regime, before, after)
        else:
            self.unchanged += 1

    def _changed(self, row: Candidate, before: _Decided, after: _Decided) -> None:
        involved = self._count(self.groups, row.regime, before, after)
        figures = tuple(
            FigureChange(name, before.figures.get(name), after.figures.get(name))
            for name in involved.figures
        )
        self.changed.append(
            CandidateChange(row.row, row.id, after.regime, before.verdict, after.verdict, figures)
        )

    def _count(
        self,
        groups: dict[tuple[Step, Step], DiffGroup],
        regime: str,
        before: _Decided,
        after: _Decided,
    ) -> _Involved:
        key = (before.step, after.step)
        group = groups.get(key) or groups.setdefault(key, DiffGroup(*key))
        group.count += 1
        group.regimes[after.regime] += 1
        involved = self.versions.involved(regime, before.path, after.path)
        group._diffs.update(dict.fromkeys(involved.diffs))
        return involved

    def report(self) -> DiffReport:
        return DiffReport(
            old=Identity.of(self.old.program),
            new=Identity.of(self.new.program),
            regimes=self.versions.common(),
            rows=self.rows,
            unchanged=self.unchanged,
            changed=self.changed,
            groups=self._finished(self.groups),
            rule_only=self._finished(self.rule_only),
            errors=self.errors,
            changes=self.versions.all_changes(),
        )

    def _finished(self, groups: dict[tuple[Step, Step], DiffGroup]) -> list[DiffGroup]:
        """Each group with its changes, largest group first."""
        for group in groups.values():
            group.changes = self.versions.merged(group._diffs)
        return sorted(groups.values(), key=lambda g: -g.count)


@dataclass(frozen=True, slots=True)
class _Decided:
    """A decision reduced to what the comparison needs (the trace is dropped here)."""

    verdict: Verdict
    regime: str
    figures: dict[str, str]

    @property
    def step(self) -> Step:
        return self.verdict.step

    @property
    def path(self) -> _Path:
        return self.verdict.path


def _decided(result: t.Decision | RowError) -> _Decided | RowError:
    if isinstance(result, RowError):
        return result
    return _Decided(Verdict.of(result), result.regime, result.figures)


def _plain(result: _Decided | RowError) -> Verdict | RowError:
    return result if isinstance(result, RowError) else result.verdict


# --- the two regulations side by side ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Involved:
    """For one regime and one pair of decision paths: the differences that may explain
    the move, and the figures the rules involved read."""

    diffs: tuple[_Diff, ...]
    figures: tuple[str, ...]


class _Versions:
    """Every difference between two programs, regime by regime, and which of them can
    explain a candidate's move from one deciding rule to another."""

    def __init__(self, old: m.Program, new: m.Program) -> None:
        self.old = {fold(r.name): r for r in old.regimes}
        self.new = {fold(r.name): r for r in new.regimes}
        self.diffs = {
            key: _regime_diffs(self.old[key], self.new[key]) for key in self.old if key in self.new
        }
        self.regimes: dict[_Diff, list[str]] = {}  # where each difference is found
        for key, diffs in self.diffs.items():
            for diff in diffs:
                self.regimes.setdefault(diff, []).append(self.new[key].name)
        self._involved: dict[tuple[str, _Path, _Path], _Involved] = {}

    def common(self) -> list[str]:
        return [self.new[key].name for key in self.diffs]

    def all_changes(self) -> list[Change]:
        """Regimes removed or added, then every difference within the regimes kept."""
        removed = [
            Change("regime", r.name, REMOVED, r.title or r.name, None, (r.name,))
            for key, r in self.old.items()
            if key not in self.new
        ]
        added = [
            Change("regime", r.name, ADDED, None, r.title or r.name, (r.name,))
            for key, r in self.new.items()
            if key not in self.old
        ]
        return removed + added + self.merged(self.regimes)

    def merged(self, diffs: Iterable[_Diff]) -> list[Change]:
        """Each difference once, with every regime it is found in."""
        return [Change(*diff, regimes=tuple(self.regimes[diff])) for diff in diffs]

    def involved(self, regime: str, old: _Path, new: _Path) -> _Involved:
        key = (fold(regime), old, new)
        if key not in self._involved:
            self._involved[key] = self._compute(*key)
        return self._involved[key]

    def _compute(self, regime: str, old: _Path, new: _Path) -> _Involved:
        read = [*_deciding(self.old[regime], old), *_deciding(self.new[regime], new)]
        subjects = {subject for subject, _ in read}
        direct = (name for (kind, name), is_direct in read if is_direct and "figure" in kind)
        return _Involved(
            diffs=tuple(d for d in self.diffs[regime] if (d[0], d[1]) in subjects),
            figures=tuple(dict.fromkeys(direct)),
        )


def _deciding(regime: m.RegimeDef, path: _Path) -> list[tuple[Subject, bool]]:
    """The deciding rules of a decision path and what they read: (subject, whether a
    rule reads it directly), in reading order."""
    initial, after = path
    found = _phase_deciding(INITIAL, m.PhaseDef(regime.figures, regime.rules), initial)
    if after is not None and regime.resit is not None:
        found += _phase_deciding(AFTER_RESIT, regime.resit, after)
    return found


def _phase_deciding(phase: str, rules_of: m.PhaseDef, deciding: str) -> list[tuple[Subject, bool]]:
    rule_kind, figure_kind = _PHASE_KINDS[phase]
    rules = [r for r in rules_of.rules if r.name == deciding]
    found: list[tuple[Subject, bool]] = [((rule_kind, r.name), False) for r in rules]
    direct = [s for rule in rules for s in _rule_reads(rule, figure_kind)]
    found += [(subject, True) for subject in direct]
    found += [(subject, False) for subject in _through_figures(rules_of, direct, figure_kind)]
    return found


def _rule_reads(rule: m.RuleDef, figure_kind: str) -> list[Subject]:
    conditions = (rule.condition, *(e.condition for e in rule.exceptions))
    return [s for c in conditions if c is not None for s in _reads(c, figure_kind)]


def _through_figures(phase: m.PhaseDef, start: list[Subject], figure_kind: str) -> set[Subject]:
    """Everything read, figure after figure, from `start`."""
    figures = {f.name: f for f in phase.figures}
    found: set[Subject] = set()
    pending = list(start)
    while pending:
        subject = pending.pop()
        if subject in found:
            continue
        found.add(subject)
        kind, name = subject
        if kind == figure_kind and name in figures:
            pending += _reads(figures[name].expr, figure_kind)
    return found


def _reads(node: m.Expr | m.Cond, figure_kind: str) -> list[Subject]:
    """What an expression or condition reads, in reading order (repeats kept)."""
    found: list[Subject] = []
    for item in m.walk(node):
        match item:
            case m.FigureRef(name=name):
                found.append((figure_kind, name))
            case m.UnitGrade(code=code):
                found.append(("unit", code))
            case m.Aggregate(units=units) | m.AnyAbsent(units=units):
                found += [("unit", code) for code in units]
    return found


# --- differences within one regime -------------------------------------------------------------
def _regime_diffs(old: m.RegimeDef, new: m.RegimeDef) -> list[_Diff]:
    after_old = old.resit or m.PhaseDef((), ())
    after_new = new.resit or m.PhaseDef((), ())
    return [
        *_phase_diffs(
            INITIAL, m.PhaseDef(old.figures, old.rules), m.PhaseDef(new.figures, new.rules)
        ),
        *_named_diffs("unit", old.units, new.units, _unit_text, _unit_aspects),
        *_phase_diffs(AFTER_RESIT, after_old, after_new),
    ]


def _phase_diffs(phase: str, old: m.PhaseDef, new: m.PhaseDef) -> list[_Diff]:
    rule_kind, figure_kind = _PHASE_KINDS[phase]
    return [
        *_named_diffs(rule_kind, old.rules, new.rules, _rule_text, _rule_aspects),
        *_order_diffs(rule_kind, old.rules, new.rules),
        *_named_diffs(figure_kind, old.figures, new.figures, _figure_text, _figure_aspects),
    ]


def _named_diffs(
    kind: str,
    old: Sequence[_Item],
    new: Sequence[_Item],
    whole: Callable[[_Item], str],
    aspects: Callable[[_Item], dict[str, str | None]],
) -> list[_Diff]:
    """Removed or changed (aspect by aspect) items, then added ones, matched by name."""
    old_by, new_by = {_name(o): o for o in old}, {_name(n): n for n in new}
    diffs: list[_Diff] = []
    for name, item in old_by.items():
        if name not in new_by:
            diffs.append((kind, name, REMOVED, whole(item), None))
            continue
        before, after = aspects(item), aspects(new_by[name])
        diffs += [(kind, name, a, before[a], after[a]) for a in before if before[a] != after[a]]
    diffs += [(kind, n, ADDED, None, whole(i)) for n, i in new_by.items() if n not in old_by]
    return diffs


def _name(item: m.RuleDef | m.FigureDef | m.UnitDef) -> str:
    return item.code if isinstance(item, m.UnitDef) else item.name


def _order_diffs(kind: str, old: Sequence[m.RuleDef], new: Sequence[m.RuleDef]) -> list[_Diff]:
    """Rules kept by both versions but examined in another order: their ranks (from 1)."""
    old_names, new_names = [r.name for r in old], [r.name for r in new]
    old_kept = [n for n in old_names if n in new_names]
    new_kept = [n for n in new_names if n in old_names]
    return [
        (kind, name, "order", str(old_names.index(name) + 1), str(new_names.index(name) + 1))
        for position, name in enumerate(old_kept)
        if new_kept[position] != name
    ]


# --- the regulation's own words -------------------------------------------------------------------
def _rule_aspects(rule: m.RuleDef) -> dict[str, str | None]:
    exceptions = " ; ".join(describe_condition(e.condition) for e in rule.exceptions)
    return {
        "condition": describe_condition(rule.condition) if rule.condition else None,
        "exceptions": exceptions or None,
        "outcome": rule.outcome.name,
        "resit": _resit(rule.resit),
    }


def _rule_text(rule: m.RuleDef) -> str:
    if rule.condition is None:
        head = f"sinon {rule.outcome.name}"
    else:
        resit = f" ({_resit(rule.resit)})" if rule.resit else ""
        head = f"si {describe_condition(rule.condition)} alors {rule.outcome.name}{resit}"
    return head + "".join(f" sauf si {describe_condition(e.condition)}" for e in rule.exceptions)


def _resit(resit: m.ResitDef | None) -> str | None:
    return f"choix de {resit.count} unites parmi {', '.join(resit.sets)}" if resit else None


def _figure_aspects(figure: m.FigureDef) -> dict[str, str | None]:
    return {"expression": _figure_text(figure)}


def _figure_text(figure: m.FigureDef) -> str:
    rounding = figure.rounding
    suffix = f" {rounding.mode} {rounding.decimals} decimales" if rounding else ""
    return describe(figure.expr) + suffix


def _unit_aspects(unit: m.UnitDef) -> dict[str, str | None]:
    return {"definition": _unit_text(unit)}


def _unit_text(unit: m.UnitDef) -> str:
    weight = "facultative" if unit.coefficient is None else f"coefficient {short(unit.coefficient)}"
    words = [f"groupe {unit.group}", weight]
    if unit.exemptable:
        words.append("dispensable")
    if unit.parts:
        words.append(
            "parties " + ", ".join(f"{p.name} poids {short(p.weight)}" for p in unit.parts)
        )
    return ", ".join(words)
