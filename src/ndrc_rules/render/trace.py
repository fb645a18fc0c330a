"""A decision's trace as an auditor reads it, in the coordinator's words: a tree of
lines (`Node`, `Line`), each piece of text with a style ('bold green', 'dim'), that
the terminal (`explain`, rich) and the web pages (nested lists) lay out alike.

Also the regulation's own words for what records name by identifier (`Vocabulary`)
and the look of outcomes, shared by every command."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING

from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import plain, readable
from ndrc_rules.common.status import ERROR, OutcomeTone, RuleStatus, UnitStatus
from ndrc_rules.language.core import DEFAULT_RULE
from ndrc_rules.render.near_miss import needed_text, phase_heading

if TYPE_CHECKING:  # annotations only: explain's module loads without pydantic
    from ndrc_rules.engine import trace as t
    from ndrc_rules.engine.trace import SourceRef
    from ndrc_rules.language.core import Program


class Line:
    """A line of the tree: pieces of text, each with its style ('' for none)."""

    def __init__(self, first: str = "", style: str = "") -> None:
        self.pieces: list[tuple[str, str]] = [(first, style)]

    def append(self, more: str, style: str = "") -> None:
        self.pieces.append((more, style))

    @property
    def plain(self) -> str:
        return "".join(piece for piece, _ in self.pieces)


class Node:
    """A line and the lines under it."""

    def __init__(self, line: Line) -> None:
        self.line = line
        self.children: list[Node] = []

    def add(self, line: Line) -> Node:
        child = Node(line)
        self.children.append(child)
        return child


Tones = Mapping[str, OutcomeTone]  # each declared outcome's tone (`core.outcome_tones`)
NO_TONES: Tones = MappingProxyType({})  # no regulation at hand (the store's records)
_TONE_STYLE = {
    OutcomeTone.PASSED: "bold green",
    OutcomeTone.RESIT: "bold yellow",
    OutcomeTone.FAILED: "bold red",
}


def outcome_style(outcome: str, tones: Tones) -> str:
    """An outcome's style, from its tone in the regulation (row errors in red)."""
    if outcome == ERROR:
        return "red"
    tone = tones.get(outcome)
    return _TONE_STYLE[tone] if tone else "bold"


@dataclass(frozen=True)
class Vocabulary:
    """The regulation's own words for what records name by identifier: each outcome's
    label and tone (how it is styled), each figure's title, each rule's title in its
    regime and phase (before or after the resit)."""

    tones: Tones = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    figures: Mapping[str, str] = field(default_factory=dict)
    rules: Mapping[tuple[str, bool, str], str] = field(default_factory=dict)
    regimes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, programs: Iterable[Program]) -> Vocabulary:
        from ndrc_rules.language.core import outcome_tones

        tones: dict[str, OutcomeTone] = {}
        labels: dict[str, str] = {}
        figures: dict[str, str] = {}
        rules: dict[tuple[str, bool, str], str] = {}
        regimes: dict[str, str] = {}
        for program in programs:
            tones |= outcome_tones(program)
            labels |= {o.name: o.label for o in program.outcomes}
            regimes |= {r.name: r.title for r in program.regimes if r.title}
            for regime in program.regimes:
                phases = [(False, regime.figures, regime.rules)]
                if regime.resit:
                    phases.append((True, regime.resit.figures, regime.resit.rules))
                for after, figures_, rules_ in phases:
                    figures |= {
                        f.name: f.title for f in figures_ if f.title and f.name not in figures
                    }
                    rules |= {(regime.name, after, r.name): r.title for r in rules_ if r.title}
        return cls(tones, labels, figures, rules, regimes)

    def label(self, outcome: str) -> str:
        return self.labels.get(outcome, outcome)

    def regime(self, name: str) -> str:
        """A regime by its title, its identifier after it; untitled, « régime … »."""
        title = self.regimes.get(name)
        return text("trace.titled", title=title, name=name) if title else text("regime", name=name)

    def figure(self, name: str) -> str:
        return self.figures.get(name, name)

    def rule(self, regime: str, name: str, after_resit: bool = False) -> str:
        """A rule by its title; the default outcome in words; else its identifier."""
        from ndrc_rules.language.core import DEFAULT_RULE

        if name == DEFAULT_RULE:
            return text("table.default")
        return self.rules.get((regime, after_resit, name), name)


PLAIN = Vocabulary()  # no regulation at hand: identifiers as they are


def where(source: SourceRef) -> str:
    """file:line, the file by its name: a rule may come from an imported file."""
    return f"{PurePath(source.file).name}:{source.line}"



# --- the trace, for an auditor ---------------------------------------------------------
_STATUS_STYLE = {
    RuleStatus.HELD: "green",
    RuleStatus.DEFAULT: "green",
    RuleStatus.FAILED: "dim",
    RuleStatus.EXCEPTED: "yellow",
    RuleStatus.NOT_REACHED: "dim italic",
}
_STATUS_LABEL = {
    RuleStatus.HELD: "trace.rule_held",
    RuleStatus.DEFAULT: "trace.rule_held",
    RuleStatus.FAILED: "trace.rule_failed",
    RuleStatus.EXCEPTED: "trace.rule_excepted",
    RuleStatus.NOT_REACHED: "trace.rule_skipped",
}


def trace_nodes(
    decision: t.Decision, vocabulary: Vocabulary = PLAIN, *, with_near_miss: bool = True
) -> tuple[Node, list[Line]]:
    """The decision, then each phase's grades, figures and rules, in the regulation's
    words: titles and labels first, identifiers after them, dim, for auditors; and
    the lines saying which files and input decided (the tree's footer).
    `with_near_miss`: « ce qu'il aurait fallu » in the tree (a page shows it apart)."""
    trace = decision.trace
    assert trace is not None, "decided with trace=False"
    regime = vocabulary.regime(decision.regime)
    root = Node(Line(text("trace.candidate", id=decision.id, regime=regime), "bold"))
    root.add(
        Line(
            text("trace.decision", label=decision.label, outcome=decision.decision),
            outcome_style(decision.decision, vocabulary.tones),
        )
    )
    phase = decision.resit_phase
    _decider(root, decision, phase.trace if phase and phase.trace else trace, vocabulary)
    if decision.resit:
        _resit_terms(root, decision.resit)
    first = root.add(Line(text("trace.first_phase"), "bold")) if phase else root
    _phase(first, trace, vocabulary)
    if phase:
        initial = rule_words(phase.initial_rule, trace)
        heading = text("trace.resit_phase", label=phase.initial_label, rule=initial)
        second = root.add(Line(heading, "bold"))
        chosen = second.add(Line(text("trace.resit_units"), "bold"))
        for unit in phase.units:
            chosen.add(Line(_resit_unit(unit)))
        if phase.trace:
            _phase(second, phase.trace, vocabulary)
    if with_near_miss:
        near_miss(root, decision, vocabulary)
    if decision.ignored_columns:
        root.add(
            Line(
                text("trace.ignored_columns", columns=", ".join(decision.ignored_columns)), "yellow"
            )
        )
    stamp = trace.regulation
    lines = [
        text("trace.regulation", path=stamp.path, sha256=stamp.sha256, engine=stamp.engine_version)
    ]
    lines += ["  " + text("trace.import", path=i.path, sha256=i.sha256) for i in stamp.imports]
    if decision.input and decision.decided_at:
        sha256, at = decision.input.sha256, decision.decided_at
        lines.append(text("trace.input", row=decision.row, sha256=sha256, decided_at=at))
    return root, [Line(line, "dim") for line in lines]


def _resit_terms(root: Node, terms: t.ResitTerms) -> None:
    """The units the candidate can choose; those exempted, and the rule's count if fewer remain."""
    units = ", ".join(terms.units)
    node = root.add(Line(text("trace.resit", count=terms.count, units=units), "yellow"))
    if terms.exempted:
        node.add(Line(text("trace.resit_exempted", units=", ".join(terms.exempted))))
    if terms.required is not None:
        node.add(Line(text("trace.resit_remaining", required=terms.required, count=terms.count)))


def _decider(root: Node, decision: t.Decision, deciding: t.Trace, vocabulary: Vocabulary) -> None:
    """The deciding rule by its title, with its line; the default outcome said in words
    (the rules it follows did not apply); or the jury, then the engine's proposal."""
    source, jury, proposal = decision.deciding_rule_source, decision.jury, decision.proposal
    if source is not None and decision.deciding_rule == DEFAULT_RULE:
        node = root.add(Line(text("trace.deciding_default", where=where(source))))
        node.add(Line(_named(decision.deciding_rule, deciding, vocabulary)))
        return
    if source is not None:
        rule = _named(decision.deciding_rule, deciding, vocabulary)
        root.add(Line(text("trace.deciding_rule", rule=rule, where=where(source))))
        return
    assert jury is not None and proposal is not None, "only the jury decides outside the file"
    root.add(Line(text("trace.jury", reason=jury.reason), "bold magenta"))
    rule = _named(proposal.deciding_rule, deciding, vocabulary)
    said = text("trace.proposal", label=proposal.label, rule=rule)
    root.add(Line(f"{said} — {where(proposal.deciding_rule_source)}"))


def _named(name: str, trace: t.Trace, vocabulary: Vocabulary) -> str:
    """A rule of the trace as people read it: its title (the default outcome: the
    sentence saying which rules did not apply), its identifier in parentheses."""
    for index, rule in enumerate(trace.rules):
        if rule.name == name and rule.status in {RuleStatus.HELD, RuleStatus.DEFAULT}:
            if rule.status == RuleStatus.DEFAULT:
                return default_words(trace.rules[:index], vocabulary.label(rule.outcome))
            return text("trace.titled", title=rule.title or rule.name, name=rule.name)
    return name


def default_words(examined: list[t.RuleTrace], outcome: str) -> str:
    """Why the default outcome decided: « aucune des règles « Admission » et
    « Éligibilité au rattrapage » ne s'applique : Ajourné », from the rules examined."""
    titles = [text("trace.quoted", title=rule.title or rule.name) for rule in examined]
    if not titles:
        return text("trace.default_none", outcome=outcome)
    if len(titles) == 1:
        return text("trace.default_one", rule=titles[0], outcome=outcome)
    listed = text("trace.listed", first=", ".join(titles[:-1]), last=titles[-1])
    return text("trace.default_many", rules=listed, outcome=outcome)


def rule_words(name: str, trace: t.Trace | None) -> str:
    """A rule as people read it: its title, else its name; the default said so."""
    rule = next((r for r in trace.rules if r.name == name), None) if trace else None
    if rule is not None and rule.status == RuleStatus.DEFAULT:
        return text("paper.default_rule")
    return rule.title if rule is not None and rule.title else name


def _phase(node: Node, trace: t.Trace, vocabulary: Vocabulary) -> None:
    titles = {figure.name: figure.title for figure in trace.figures}
    units = {unit.code: unit for unit in trace.units}
    _units(node.add(Line(text("trace.units"), "bold")), trace.units)
    _figures(node.add(Line(text("trace.figures"), "bold")), trace.figures, titles, units)
    _rules(node.add(Line(text("trace.rules"), "bold")), trace.rules, vocabulary)


def _units(node: Node, units: list[t.UnitTrace]) -> None:
    for unit in units:
        coefficient = f" ×{readable(plain_text(unit.coefficient))}" if unit.coefficient else ""
        line = Line(f"{unit.code} {unit.title}{coefficient} : ")
        line.append(_unit_value(unit.status, unit.display), "bold")
        if unit.kept_from:
            line.append(" " + text("trace.kept", session=unit.kept_from), "cyan")
        branch = node.add(line)
        _forms(branch, unit.forms)
        for part in unit.parts:
            value = _unit_value(part.status, part.display)
            weight = readable(plain_text(part.weight))
            branch.add(Line(text("trace.part", name=part.name, weight=weight, value=value)))


def plain_text(exact: str) -> str:
    """An exact value of a record ('287/2') as a person writes it by hand ('143.5')."""

    return plain(Fraction(exact))


def _resit_unit(unit: t.ResitUnitTrace) -> str:
    """A chosen unit: both grades and the one kept, or the absence at the resit said so."""
    key = _RESIT_ABSENCE.get(unit.resit, "trace.resit_unit")
    kept = unit.kept if key != "trace.resit_unit" else _unit_value(unit.kept_status, unit.kept)
    initial, resit = readable(unit.initial or "—"), readable(unit.resit)
    return text(key, code=unit.code, initial=initial, resit=resit, kept=readable(kept or "—"))


_RESIT_ABSENCE: dict[str, str] = {  # by the grade at the resit, a marker or a number
    UnitStatus.ABS: "trace.resit_absent",
    UnitStatus.ABJ: "trace.resit_absent_justified",
}


def _forms(node: Node, forms: list[t.FormTrace]) -> None:
    """How the unit is assessed in the candidate's regime, and the line that says so."""
    if forms:
        shown = " ; ".join(form_text(form) for form in forms)
        node.add(Line(text("trace.forms", forms=shown, where=where(forms[0].source)), "dim"))


def form_text(form: t.FormTrace) -> str:
    """`CCF, 2 situations`, `épreuve ponctuelle orale et pratique, 30 min`, in words,
    after the name of the part it assesses."""
    if form.kind == "CCF":
        count = form.situations or 0
        shown = text("form.ccf_one" if count == 1 else "form.ccf", count=count)
    else:
        modes = f" {text('form.and')} ".join(text(f"form.{mode}") for mode in form.modes)
        shown = text("form.epff", modes=modes, duration=_duration(form.minutes or 0))
    if form.preparation_minutes:
        duration = _duration(form.preparation_minutes)
        shown = text("form.preparation", form=shown, duration=duration)
    return text("form.of_part", part=form.part, form=shown) if form.part else shown


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return text("duration.minutes", minutes=rest)
    if not rest:
        return text("duration.hours", hours=hours)
    return text("duration.hours_minutes", hours=hours, minutes=f"{rest:02d}")


def _unit_value(status: str, shown: str | None) -> str:
    """A unit's (or part's) value in words, its number as a person reads it."""
    shown = shown and readable(shown)
    absent = text("trace.absent_counted", value=shown) if shown else text("trace.absent")
    values: dict[str, str] = {
        UnitStatus.GRADED: shown or "",
        UnitStatus.ABS: absent,
        UnitStatus.ABJ: text("trace.absent_justified"),
        UnitStatus.DISP: text("trace.exempted"),
        UnitStatus.NOT_TAKEN: text("trace.not_taken"),
    }
    return values.get(status, status)


def _figures(
    node: Node,
    figures: list[t.FigureTrace],
    titles: Mapping[str, str | None],
    units: Mapping[str, t.UnitTrace],
) -> None:
    """Each figure by its title and value, then how to recompute it by hand: its two
    sides when it is a quotient, its exact value, its computation and its line; then
    what it reads, and the sentence it transcribes."""
    for figure in figures:
        branch = node.add(_titled(figure.title, figure.name, readable(figure.display)))
        exact = readable(plain_text(figure.value))
        if figure.quotient:
            exact = text("trace.quotient_exact", quotient=_quotient(figure.quotient), exact=exact)
        else:
            exact = text("trace.exact", exact=exact)
        if figure.unrounded:
            unrounded = readable(plain_text(figure.unrounded))
            exact = text("trace.unrounded", shown=exact, value=unrounded)
        branch.add(Line(exact))
        computed = text("trace.computed", expression=figure.expression, where=where(figure.source))
        branch.add(Line(computed, "dim"))
        for item in figure.inputs:
            if item.name in units:
                branch.add(Line(_unit_input(units[item.name])))
            else:
                shown = readable(item.display or "—")
                branch.add(_titled(titles.get(item.name), item.name, shown, bold=False))
        _citation(branch, figure.citation)


def _titled(title: str | None, name: str, value: str, bold: bool = True) -> Line:
    """`Title = value (identifier)`, the identifier dim; the identifier alone if untitled."""
    line = Line(f"{title or name} = ")
    line.append(value, "bold" if bold else "")
    if title:
        line.append(" " + text("trace.identifier", name=name), "dim")
    return line


def _quotient(quotient: t.Quotient) -> str:
    top, bottom = (readable(plain_text(v)) for v in (quotient.numerator, quotient.denominator))
    key = "trace.quotient_coefficients" if quotient.coefficients else "trace.quotient"
    return text(key, numerator=top, denominator=bottom)


def _unit_input(unit: t.UnitTrace) -> str:
    """A unit a figure reads: its value as the figure counts it, with its coefficient."""
    value = _unit_value(unit.status, unit.display)
    if unit.coefficient is None:
        return text("trace.input_unit", code=unit.code, value=value)
    coefficient = readable(plain_text(unit.coefficient))
    return text("trace.input_weighted", code=unit.code, value=value, coefficient=coefficient)


def _rules(node: Node, rules: list[t.RuleTrace], vocabulary: Vocabulary) -> None:
    """Every rule in order, by its title and its outcome's label; each examined one
    with what it tested and the sentence it transcribes (the default outcome too)."""
    for index, rule in enumerate(rules):
        status = RuleStatus(rule.status)
        outcome = vocabulary.label(rule.outcome)
        if rule.name == DEFAULT_RULE:
            line = Line(text("trace.default_rule"))
        else:
            line = Line(rule.title or rule.name)
            if rule.title:
                line.append(" " + text("trace.identifier", name=rule.name), "dim")
        line.append(" " + text("trace.rule", outcome=outcome, where=where(rule.source)) + " : ")
        line.append(text(_STATUS_LABEL[status]), _STATUS_STYLE[status])
        branch = node.add(line)
        if status is RuleStatus.DEFAULT:
            branch.add(Line(default_words(rules[:index], outcome)))
        if rule.condition:
            _condition(branch, text("trace.condition"), rule.condition)
        for exception in rule.exceptions:
            _condition(branch, text("trace.exception"), exception)
        if status is not RuleStatus.NOT_REACHED:
            _citation(branch, rule.citation)
        if status is RuleStatus.EXCEPTED:
            _citation(branch, rule.exception_citation)


def _condition(node: Node, heading: str, condition: t.ConditionTrace) -> None:
    verdict = text("trace.true" if condition.result else "trace.false")
    branch = node.add(Line(f"{heading} {condition.text} : {verdict}"))
    if len(condition.checks) == 1 and condition.checks[0].text == condition.text:
        check = condition.checks[0]
        branch.add(Line(_compared(check), "dim"))
        return
    for check in condition.checks:
        mark = "✔" if check.result else "✘"
        branch.add(Line(f"{mark} {check.text}  [{_compared(check)}]"))


def _compared(check: t.Check) -> str:
    """The values a check compared; for `ABS dans …`, the absent units found."""
    from ndrc_rules.engine.explain import NO_ABSENCE

    if check.right is None:
        return text("trace.no_absence") if check.left == NO_ABSENCE else check.left or "—"
    return readable(text("trace.values", left=check.left, right=check.right))


def _citation(node: Node, citation: t.CitationRecord | None) -> None:
    if citation:
        node.add(Line(text("trace.citation", text=citation.text), "italic cyan"))
        if citation.source:
            node.add(Line(text("trace.citation_source", source=citation.source), "dim"))


# --- what would have sufficed --------------------------------------------------------------
def near_miss(root: Node, decision: t.Decision, vocabulary: Vocabulary = PLAIN) -> None:
    """« Ce qu'il aurait fallu »: per phase, each input alone, each better outcome."""
    if not decision.near_miss:
        return
    node = root.add(Line(text("near_miss.heading"), "bold"))
    if decision.jury:
        node.add(Line(text("near_miss.jury"), "dim"))
    for phase in decision.near_miss:
        heading = phase_heading(phase, len(decision.near_miss))
        branch = node.add(Line(heading, "bold"))
        if phase.unavailable:
            branch.add(Line(phase.unavailable, "yellow"))
        for item in phase.inputs:
            for needed in item.needed:
                rule = needed.rule and vocabulary.rule(
                    decision.regime, needed.rule, after_resit=phase.phase == "resit"
                )
                branch.add(Line(needed_text(item, needed, rule)))

