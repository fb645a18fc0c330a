"""`ndrc-rules explain`: one candidate's decision, as a tree an auditor reads."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_ROW_ERRORS,
    EXIT_USAGE,
    NO_TONES,
    Tones,
    outcome_style,
    stderr,
    stdout,
    where,
)
from ndrc_rules.common.messages import text
from ndrc_rules.common.status import RuleStatus, UnitStatus
from ndrc_rules.language.core import outcome_tones

if TYPE_CHECKING:
    from ndrc_rules.engine import trace as t


def arguments(command: argparse.ArgumentParser) -> None:
    options.inputs(command)
    command.add_argument("--id", required=True, help=text("cli.id"))
    options.output_format(command, "tree", "json")


def run(args: argparse.Namespace) -> int:
    from ndrc_rules.io.candidates import RowError
    from ndrc_rules.versions import Versions

    regulation = Versions.load(args.regulation)
    rows = regulation.read(args.candidates, encoding=args.encoding, sheet=args.sheet)
    wanted = args.id.strip()
    for row in rows:
        if row.id != wanted:
            continue
        result = row if isinstance(row, RowError) else regulation.try_decide(row)
        if isinstance(result, RowError):
            stderr().print(
                text(
                    "cli.row_error",
                    row=result.row,
                    id=result.id,
                    field=result.field or "—",
                    message=result.message,
                ),
                markup=False,
                style="red",
            )
            return EXIT_ROW_ERRORS
        if args.format == "json":
            print(result.model_dump_json(indent=2))
        else:
            versions = regulation.regulations.values()
            tones = {k: v for r in versions for k, v in outcome_tones(r.program).items()}
            stdout().print(trace_tree(result, tones))
        return EXIT_OK
    stderr().print(text("F008", id=wanted, path=args.candidates), markup=False, style="red")
    return EXIT_USAGE


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
    RuleStatus.DEFAULT: "trace.default",
    RuleStatus.FAILED: "trace.rule_failed",
    RuleStatus.EXCEPTED: "trace.rule_excepted",
    RuleStatus.NOT_REACHED: "trace.rule_skipped",
}


def trace_tree(decision: t.Decision, tones: Tones = NO_TONES) -> RenderableType:
    trace = decision.trace
    assert trace is not None, "decided with trace=False"
    root = Tree(Text(text("trace.candidate", id=decision.id, regime=decision.regime), "bold"))
    root.add(
        Text(
            text("trace.decision", label=decision.label, outcome=decision.decision),
            outcome_style(decision.decision, tones),
        )
    )
    _decider(root, decision)
    if decision.resit:
        _resit_terms(root, decision.resit)
    phase = decision.resit_phase
    first = root.add(Text(text("trace.first_phase"), "bold")) if phase else root
    _phase(first, trace)
    if phase:
        second = root.add(
            Text(
                text("trace.resit_phase", label=phase.initial_label, rule=phase.initial_rule),
                "bold",
            )
        )
        chosen = second.add(Text(text("trace.resit_units"), "bold"))
        for unit in phase.units:
            chosen.add(Text(_resit_unit(unit)))
        if phase.trace:
            _phase(second, phase.trace)
    if decision.ignored_columns:
        root.add(
            Text(
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
    return Group(root, *(Text(line, "dim") for line in lines))


def _resit_terms(root: Tree, terms: t.ResitTerms) -> None:
    """The units the candidate can choose; those exempted, and the rule's count if fewer remain."""
    units = ", ".join(terms.units)
    node = root.add(Text(text("trace.resit", count=terms.count, units=units), "yellow"))
    if terms.exempted:
        node.add(Text(text("trace.resit_exempted", units=", ".join(terms.exempted))))
    if terms.required is not None:
        node.add(Text(text("trace.resit_remaining", required=terms.required, count=terms.count)))


def _decider(root: Tree, decision: t.Decision) -> None:
    """The deciding rule with its line; or the jury, then the proposal with the rule's line."""
    source, jury, proposal = decision.deciding_rule_source, decision.jury, decision.proposal
    if source is not None:
        position = {"file": source.file, "line": source.line}
        root.add(Text(text("trace.deciding_rule", rule=decision.deciding_rule, **position)))
        return
    assert jury is not None and proposal is not None, "only the jury decides outside the file"
    root.add(Text(text("trace.jury", reason=jury.reason), "bold magenta"))
    source = proposal.deciding_rule_source
    position = {"file": source.file, "line": source.line}
    root.add(
        Text(text("trace.proposal", label=proposal.label, rule=proposal.deciding_rule, **position))
    )


def _phase(node: Tree, trace: t.Trace) -> None:
    _units(node.add(Text(text("trace.units"), "bold")), trace.units)
    _figures(node.add(Text(text("trace.figures"), "bold")), trace.figures)
    _rules(node.add(Text(text("trace.rules"), "bold")), trace.rules)


def _units(node: Tree, units: list[t.UnitTrace]) -> None:
    for unit in units:
        coefficient = f" ×{unit.coefficient}" if unit.coefficient else ""
        line = Text(f"{unit.code} {unit.title}{coefficient} : ")
        line.append(_unit_value(unit.status, unit.display), "bold")
        if unit.kept_from:
            line.append(" " + text("trace.kept", session=unit.kept_from), "cyan")
        branch = node.add(line)
        _forms(branch, unit.forms)
        for part in unit.parts:
            branch.add(
                Text(
                    f"{part.name} (poids {part.weight}) : {_unit_value(part.status, part.display)}"
                )
            )


def _resit_unit(unit: t.ResitUnitTrace) -> str:
    """A chosen unit: both grades and the one kept, or the absence at the resit said so."""
    key = _RESIT_ABSENCE.get(unit.resit, "trace.resit_unit")
    kept = unit.kept if key != "trace.resit_unit" else _unit_value(unit.kept_status, unit.kept)
    return text(key, code=unit.code, initial=unit.initial or "—", resit=unit.resit, kept=kept)


_RESIT_ABSENCE: dict[str, str] = {  # by the grade at the resit, a marker or a number
    UnitStatus.ABS: "trace.resit_absent",
    UnitStatus.ABJ: "trace.resit_absent_justified",
}


def _forms(node: Tree, forms: list[t.FormTrace]) -> None:
    """How the unit is assessed in the candidate's regime, and the line that says so."""
    if forms:
        shown = " ; ".join(form_text(form) for form in forms)
        node.add(Text(text("trace.forms", forms=shown, where=where(forms[0].source)), "dim"))


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
    absent = text("trace.absent_counted", value=shown) if shown else text("trace.absent")
    values: dict[str, str] = {
        UnitStatus.GRADED: shown or "",
        UnitStatus.ABS: absent,
        UnitStatus.ABJ: text("trace.absent_justified"),
        UnitStatus.DISP: text("trace.exempted"),
        UnitStatus.NOT_TAKEN: text("trace.not_taken"),
    }
    return values.get(status, status)


def _figures(node: Tree, figures: list[t.FigureTrace]) -> None:
    for figure in figures:
        line = Text(f"{figure.name} = ")
        line.append(figure.display, "bold")
        before = f" ; avant arrondi : {figure.unrounded}" if figure.unrounded else ""
        line.append(
            f"  (exact : {figure.value}{before} ; {figure.expression} ; {where(figure.source)})",
            "dim",
        )
        branch = node.add(line)
        for item in figure.inputs:
            note = f" ({item.note})" if item.note else ""
            branch.add(Text(f"{item.name} = {item.display or '—'}{note}"))
        _citation(branch, figure.citation)


def _rules(node: Tree, rules: list[t.RuleTrace]) -> None:
    for rule in rules:
        title = f" — {rule.title}" if rule.title else ""
        line = Text(f"{rule.name}{title} → {rule.outcome} ({where(rule.source)}) : ")
        status = RuleStatus(rule.status)
        line.append(text(_STATUS_LABEL[status]), _STATUS_STYLE[status])
        branch = node.add(line)
        if rule.condition:
            _condition(branch, text("trace.condition"), rule.condition)
        for exception in rule.exceptions:
            _condition(branch, text("trace.exception"), exception)
        if status.decides:
            _citation(branch, rule.citation)
        if status is RuleStatus.EXCEPTED:
            _citation(branch, rule.exception_citation)


def _condition(node: Tree, heading: str, condition: t.ConditionTrace) -> None:
    verdict = text("trace.true" if condition.result else "trace.false")
    branch = node.add(Text(f"{heading} {condition.text} : {verdict}"))
    if len(condition.checks) == 1 and condition.checks[0].text == condition.text:
        check = condition.checks[0]
        branch.add(Text(_compared(check), "dim"))
        return
    for check in condition.checks:
        mark = "✔" if check.result else "✘"
        branch.add(Text(f"{mark} {check.text}  [{_compared(check)}]"))


def _compared(check: t.Check) -> str:
    if check.right is None:
        return check.left or "—"
    return text("trace.values", left=check.left, right=check.right)


def _citation(node: Tree, citation: t.CitationRecord | None) -> None:
    if citation:
        node.add(Text(text("trace.citation", text=citation.text), "italic cyan"))
        if citation.source:
            node.add(Text(text("trace.citation_source", source=citation.source), "dim"))
