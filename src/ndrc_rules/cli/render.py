"""Decisions, traces and row errors → text for people (rich) and records for machines.

The last stage of the pipeline: it reads trace models and writes; it decides
nothing. Every user-written text goes through `Text`, never through rich markup.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from itertools import islice
from pathlib import PurePath
from types import MappingProxyType
from typing import IO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ndrc_rules import diffing as df
from ndrc_rules.audit.store import Problem
from ndrc_rules.common.messages import text
from ndrc_rules.common.status import ERROR, OutcomeTone, RuleStatus, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.examples import ExampleReport, ExampleResult, RegimeCoverage
from ndrc_rules.io.candidates import RowError
from ndrc_rules.replay import Replayed

Result = t.Decision | RowError

Tones = Mapping[str, OutcomeTone]  # each declared outcome's tone (`core.outcome_tones`)
NO_TONES: Tones = MappingProxyType({})
_TONE_STYLE = {
    OutcomeTone.PASSED: "bold green",
    OutcomeTone.RESIT: "bold yellow",
    OutcomeTone.FAILED: "bold red",
}
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


# --- machine records ---------------------------------------------------------------
def write_lines(lines: Iterable[tuple[str, str]], out: IO[str]) -> Counter[str]:
    """JSON Lines: one record per row, counted by outcome."""
    counts: Counter[str] = Counter()
    for outcome, line in lines:
        counts[outcome] += 1
        out.write(line + "\n")
    return counts


def write_csv(results: Iterable[Result], figures: list[str], out: IO[str]) -> Counter[str]:
    """';'-separated with decimal commas, as French spreadsheets read it."""
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "row",
            "id",
            "regime",
            "decision",
            "label",
            "deciding_rule",
            "deciding_rule_line",
            *figures,
            "proposal_decision",
            "proposal_rule",
            "proposal_rule_line",
            "error_code",
            "error_field",
            "error_message",
        ]
    )
    counts: Counter[str] = Counter()
    for result in results:
        counts[_outcome(result)] += 1
        if isinstance(result, RowError):
            writer.writerow(
                [
                    result.row,
                    result.id or "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    *([""] * (len(figures) + 3)),
                    result.code,
                    result.field or "",
                    result.message,
                ]
            )
        else:
            shown = [result.figures.get(name, "").replace(".", ",") for name in figures]
            writer.writerow(
                [
                    result.row,
                    result.id,
                    result.regime,
                    result.decision,
                    result.label,
                    result.deciding_rule,
                    _line(result.deciding_rule_source),
                    *shown,
                    *_proposal_columns(result.proposal),
                    "",
                    "",
                    "",
                ]
            )
    return counts


def _line(source: t.SourceRef | None) -> int | str:
    return source.line if source else ""  # no line when the jury decided


def _proposal_columns(proposal: t.Proposal | None) -> list[object]:
    """The engine's proposal when the jury decided: outcome, rule, line."""
    if proposal is None:
        return ["", "", ""]
    return [proposal.decision, proposal.deciding_rule, proposal.deciding_rule_source.line]


def _outcome(result: Result) -> str:
    return ERROR if isinstance(result, RowError) else result.decision


# --- tables for people ---------------------------------------------------------------
CHUNK = 500  # rows per printed table: a cohort of any size is shown in bounded memory


def decision_tables(
    results: Iterable[Result],
    figures: list[str],
    title: str,
    console: Console,
    tones: Tones = NO_TONES,
) -> Iterator[Table]:
    """Decisions and row errors, in input order, as tables of `CHUNK` rows printed one
    after the other as the rows are decided: nothing but a chunk is held. The first
    chunk chooses the layout (one line per candidate if it fits the console, else a
    compact one: candidate, decision and figures each in a cell of a few lines) and
    the column widths, kept for the rest so that the chunks read as one table."""
    chunks = _chunks(results)
    first = next(chunks, [])
    wide = (_wide_columns, partial(_wide_cells, tones=tones))
    compact = (_compact_columns, partial(_compact_cells, tones=tones))
    layout, widths = wide, _widths(wide, first, figures, console, shrink=False)
    if widths is None:
        layout, widths = compact, _widths(compact, first, figures, console, shrink=True)
    yield _table(layout, first, figures, title, widths)
    for chunk in chunks:
        yield _table(layout, chunk, figures, None, widths)


def _chunks(results: Iterable[Result]) -> Iterator[list[Result]]:
    iterator = iter(results)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _widths(
    layout: _LayoutPair, rows: list[Result], figures: list[str], console: Console, shrink: bool
) -> list[int] | None:
    """Each column as wide as its text; if the table is then wider than the console,
    None, or (`shrink`) the widest columns that wrap narrowed down to their longest
    word. Columns that do not wrap (numbers, ids, figures) keep their width."""
    columns, cells = layout
    headings = [heading for heading, _, _ in columns(figures)]
    lines = [[heading] for heading in headings]
    for row in rows:
        for index, cell in enumerate(cells(row, figures)):
            lines[index] += (cell.plain if isinstance(cell, Text) else str(cell)).split("\n")
    widths = [max(len(line) for line in column) for column in lines]
    floors = [
        max(len(word) for line in column for word in line.split() or [""]) for column in lines
    ]
    empty = _table(layout, [], figures, None, [1] * len(headings))
    frame = Measurement.get(console, console.options, empty).maximum - len(widths)
    excess = sum(widths) + frame - console.width
    if excess > 0 and not shrink:
        return None
    wraps = [index for index, (_, _, wrapping) in enumerate(columns(figures)) if wrapping]
    while excess > 0:
        index = max(wraps, key=lambda i: widths[i] - floors[i])
        given = min(excess, widths[index] - floors[index])
        if given <= 0:
            break  # too narrow even so: rich folds what remains
        widths[index] -= given
        excess -= given
    return widths


_Columns = list[tuple[str, str, bool]]  # (heading, justification, wraps)
_Layout = Callable[[Result, list[str]], list[RenderableType]]
_LayoutPair = tuple[Callable[[list[str]], _Columns], _Layout]


def _table(
    layout: _LayoutPair,
    rows: list[Result],
    figures: list[str],
    title: str | None,
    widths: list[int] | None = None,
) -> Table:
    columns, cells = layout
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        show_header=title is not None,
    )
    for index, (heading, justify, wraps) in enumerate(columns(figures)):
        table.add_column(
            heading,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=not wraps,
            width=widths[index] if widths else None,
            overflow="fold",
        )
    for result in rows:
        table.add_row(*cells(result, figures))
    return table


def _wide_columns(figures: list[str]) -> _Columns:
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),
        (text("col.regime"), "left", True),
        (text("col.decision"), "left", True),
        (text("col.rule"), "left", True),
        *((name, "right", False) for name in figures),
    ]


def _wide_cells(
    result: Result, figures: list[str], tones: Tones = NO_TONES
) -> list[RenderableType]:
    if isinstance(result, RowError):
        return [
            str(result.row),
            Text(result.id or "—"),
            "",
            _row_error(result),
            "",
            *[""] * len(figures),
        ]
    return [
        str(result.row or ""),
        Text(result.id),
        Text(result.regime),
        Text(result.label, style=outcome_style(result.decision, tones)),
        Text(_deciding(result)),
        *(result.figures.get(name, "") for name in figures),
    ]


def _compact_columns(figures: list[str]) -> _Columns:
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),  # the id, the regime under it
        (text("col.decision"), "left", True),  # the outcome, its rule, where it is written
        (text("col.figures"), "left", False),  # one figure a line, values aligned
    ]


def _compact_cells(
    result: Result, figures: list[str], tones: Tones = NO_TONES
) -> list[RenderableType]:
    if isinstance(result, RowError):
        return [str(result.row), Text(result.id or "—"), _row_error(result), ""]
    decision = Text(result.label, style=outcome_style(result.decision, tones))
    decision.append(f"\n{_deciding(result, compact=True)}", "dim")
    candidate = Text(result.id)
    candidate.append(f"\n{result.regime}", "dim")
    named = [(name, result.figures[name]) for name in figures if name in result.figures]
    names = max((len(name) for name, _ in named), default=0)
    values = max((len(value) for _, value in named), default=0)
    shown = "\n".join(f"{name.ljust(names)} {value.rjust(values)}" for name, value in named)
    return [str(result.row or ""), candidate, decision, Text(shown)]


def _row_error(error: RowError) -> Text:
    said = text("eval.row_error", code=error.code, field=error.field or "—", message=error.message)
    return Text(said, style="red")


def _deciding(decision: t.Decision, compact: bool = False) -> str:
    """The deciding rule and its line (`compact`: under it), or the jury with the
    engine's proposal."""
    proposal = decision.proposal
    if decision.deciding_rule_source is not None:
        where = _where(decision.deciding_rule_source)
        return f"{decision.deciding_rule}" + (f"\n{where}" if compact else f" ({where})")
    assert proposal is not None, "only a jury decision has no deciding rule of the file"
    where = _where(proposal.deciding_rule_source)
    return text("table.jury_rule", label=proposal.label, rule=proposal.deciding_rule, where=where)


def outcome_style(outcome: str, tones: Tones) -> str:
    """An outcome's style, from its tone in the regulation (row errors in red)."""
    if outcome == ERROR:
        return "red"
    tone = tones.get(outcome)
    return _TONE_STYLE[tone] if tone else "bold"


def counts_table(counts: Counter[str], labels: dict[str, str], tones: Tones = NO_TONES) -> Table:
    table = Table(title=text("eval.counts_title"), title_justify="left")
    table.add_column(text("col.outcome"))
    table.add_column(text("col.count"), justify="right")
    for outcome, count in sorted(counts.items(), key=lambda item: (item[0] == ERROR, item[0])):
        label = labels.get(outcome, text("col.error"))
        table.add_row(Text(label, style=outcome_style(outcome, tones)), str(count))
    return table


# --- the trace, for an auditor ---------------------------------------------------------
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
        where = {"file": source.file, "line": source.line}
        root.add(Text(text("trace.deciding_rule", rule=decision.deciding_rule, **where)))
        return
    assert jury is not None and proposal is not None, "only the jury decides outside the file"
    root.add(Text(text("trace.jury", reason=jury.reason), "bold magenta"))
    source = proposal.deciding_rule_source
    where = {"file": source.file, "line": source.line}
    root.add(
        Text(text("trace.proposal", label=proposal.label, rule=proposal.deciding_rule, **where))
    )


def _where(source: t.SourceRef) -> str:
    """file:line, the file by its name: a rule may come from an imported file."""
    return f"{PurePath(source.file).name}:{source.line}"


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


_RESIT_ABSENCE = {
    UnitStatus.ABS: "trace.resit_absent",
    UnitStatus.ABJ: "trace.resit_absent_justified",
}


def _forms(node: Tree, forms: list[t.FormTrace]) -> None:
    """How the unit is assessed in the candidate's regime, and the line that says so."""
    if forms:
        shown = " ; ".join(form_text(form) for form in forms)
        node.add(Text(text("trace.forms", forms=shown, where=_where(forms[0].source)), "dim"))


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
    return {
        UnitStatus.GRADED: shown or "",
        UnitStatus.ABS: text("trace.absent_counted", value=shown)
        if shown
        else text("trace.absent"),
        UnitStatus.ABJ: text("trace.absent_justified"),
        UnitStatus.DISP: text("trace.exempted"),
        UnitStatus.NOT_TAKEN: text("trace.not_taken"),
    }.get(status, status)


def _figures(node: Tree, figures: list[t.FigureTrace]) -> None:
    for figure in figures:
        line = Text(f"{figure.name} = ")
        line.append(figure.display, "bold")
        before = f" ; avant arrondi : {figure.unrounded}" if figure.unrounded else ""
        line.append(
            f"  (exact : {figure.value}{before} ; {figure.expression} ; {_where(figure.source)})",
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
        line = Text(f"{rule.name}{title} → {rule.outcome} ({_where(rule.source)}) : ")
        line.append(text(_STATUS_LABEL[rule.status]), _STATUS_STYLE[rule.status])
        branch = node.add(line)
        if rule.condition:
            _condition(branch, text("trace.condition"), rule.condition)
        for exception in rule.exceptions:
            _condition(branch, text("trace.exception"), exception)
        if RuleStatus(rule.status).decides:
            _citation(branch, rule.citation)
        if rule.status == RuleStatus.EXCEPTED:
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


# --- examples, for `ndrc-rules test` ------------------------------------------------------


def examples_report(report: ExampleReport) -> RenderableType:
    """One line per example, then each failure's trace or input error, coverage, a summary."""
    lines: list[RenderableType] = [Text(text("test.title", path=report.path), "bold")]
    lines += [_example_line(result) for result in report.results]
    for result in report.failures:
        lines += _example_failure(result)
    lines += [_coverage_line(coverage) for coverage in report.coverage]
    summary = text(
        "test.summary",
        total=len(report.results),
        passed=report.passed_count,
        failed=len(report.failures),
    )
    lines.append(Text(summary, "bold green" if report.ok else "bold red"))
    return Group(*lines)


def _example_line(result: ExampleResult) -> Text:
    key, style = ("test.passed", "green") if result.passed else ("test.failed", "bold red")
    expected = (
        text("test.decided", outcome=result.expected_outcome, rule=result.expected_rule)
        if result.expected_rule
        else result.expected_outcome
    )
    expected = _in_phase(expected, result.expected_after_resit)
    return Text(
        text(
            key,
            name=result.name,
            regime=result.regime,
            expected=expected,
            obtained=_obtained(result),
            location=f"l. {result.line}",
        ),
        style,
    )


def _obtained(result: ExampleResult) -> str:
    if result.error:
        return text("test.error", code=result.error.code, field=result.error.field or "—")
    decided = text("test.decided", outcome=result.actual_outcome, rule=result.actual_rule)
    return _in_phase(decided, result.actual_after_resit)


def _in_phase(decided: str, after_resit: bool) -> str:
    return text("test.after_resit", decided=decided) if after_resit else decided


def _example_failure(result: ExampleResult) -> list[RenderableType]:
    location = f"{result.span.file}:{result.line}"
    heading = Text(text("test.failure", name=result.name, location=location), "bold red")
    shown: list[RenderableType] = [Text(""), heading]
    if result.title:
        shown.append(Text(result.title, "italic"))
    if result.decision:
        shown.append(trace_tree(result.decision))
    elif result.error:
        error = result.error
        shown.append(
            Text(
                text(
                    "test.input_error",
                    code=error.code,
                    field=error.field or "—",
                    message=error.message,
                ),
                "red",
            )
        )
    return shown


def _coverage_line(coverage: RegimeCoverage) -> Text:
    if coverage.complete:
        return Text(text("test.covered", regime=coverage.regime), "green")
    unreached = [
        *coverage.unreached,
        *(text("test.after_resit", decided=r) for r in coverage.resit_unreached),
    ]
    rules = ", ".join(unreached)
    return Text(text("test.uncovered", regime=coverage.regime, rules=rules), "yellow")


# --- diff, for `ndrc-rules diff` --------------------------------------------------------


def diff_report(report: df.DiffReport) -> RenderableType:
    """The headline, the groups with the rule changes, the changed candidates, the errors,
    then the identities of both versions."""
    shown: list[RenderableType] = [_diff_headline(report)]
    if report.groups:
        title = text("diff.groups_title")
        shown.append(_diff_groups_table(report.groups, title, report))
    if report.rule_only:
        title = text("diff.rule_only_title")
        shown.append(_diff_groups_table(report.rule_only, title, report))
    if report.changed:
        shown.append(_diff_candidates_table(report.changed, report.tones))
    if report.errors:
        shown.append(_diff_errors_table(report.errors, report.tones))
    shown += [Text(line, "dim") for line in diff_identities(report)]
    return Group(*shown)


def diff_headline(report: df.DiffReport) -> list[str]:
    """The headline as plain lines: how many candidates change, and through what."""
    if report.changed:
        lines = [text("diff.headline", changed=len(report.changed), decided=report.decided)]
        lines += [f"  • {_diff_group_line(g, report.regimes)}" for g in report.groups]
    else:
        lines = [text("diff.headline_none", decided=report.decided)]
    if report.rule_only:
        lines.append(text("diff.rule_only", count=report.rule_only_count))
    lines.append(text("diff.unchanged", count=report.unchanged))
    if report.errors:
        lines.append(text("diff.errors", count=len(report.errors)))
    return lines


def diff_identities(report: df.DiffReport) -> list[str]:
    """Which files were compared: path and SHA-256 of each version."""
    lines: list[str] = []
    for key, identity in (("diff.old_version", report.old), ("diff.new_version", report.new)):
        lines.append(text(key, path=identity.path, sha256=identity.sha256))
        lines += [f"  {text('diff.import', path=p, sha256=sha)}" for p, sha in identity.imports]
    return [*lines, text("diff.same_content")] if report.same_regulation else lines


def _diff_headline(report: df.DiffReport) -> RenderableType:
    first, *rest = diff_headline(report)
    style = "bold yellow" if report.changed else "bold green"
    return Group(Text(first, style), *(Text(line) for line in rest))


def _diff_group_line(group: df.DiffGroup, regimes: list[str]) -> str:
    return text(
        "diff.headline_group",
        count=group.count,
        old=_diff_step_text(group.old),
        new=_diff_step_text(group.new),
        via=_diff_via(group.changes, regimes),
    )


def _diff_step_text(step: df.Step) -> str:
    key = "diff.verdict_resit" if step.phase == df.AFTER_RESIT else "diff.verdict"
    return text(key, label=step.label, rule=step.rule)


def _diff_step(step: df.Step, tones: Tones) -> Text:
    return Text(_diff_step_text(step), outcome_style(step.outcome, tones))


def _diff_via(changes: list[df.Change], regimes: list[str]) -> str:
    phrases = [_diff_change(change, regimes) for change in changes]
    return f" {text('diff.and')} ".join(phrases) or text("diff.unexplained")


def _diff_change(change: df.Change, regimes: list[str]) -> str:
    """One change in a sentence: the subject, then the old and new texts of the regulation."""
    subject = text(f"diff.kind.{change.kind}", name=change.name)
    if change.kind != "regime" and set(change.regimes) != set(regimes):
        subject = text("diff.only_in", subject=subject, regimes=", ".join(change.regimes))
    if change.aspect == df.ADDED:
        return text("diff.added", subject=subject, new=change.new)
    if change.aspect == df.REMOVED:
        return text("diff.removed", subject=subject, old=change.old)
    aspect = text(f"diff.aspect.{change.aspect}")
    return text(
        "diff.changed", subject=subject, aspect=aspect, old=change.old or "—", new=change.new or "—"
    )


def _diff_groups_table(groups: list[df.DiffGroup], title: str, report: df.DiffReport) -> Table:
    regimes = report.regimes
    table = Table(title=title, title_justify="left")
    table.add_column(text("col.count"), justify="right")
    for key in ("diff.col.old", "diff.col.new", "diff.col.regimes", "diff.col.changes"):
        table.add_column(text(key))
    for group in groups:
        table.add_row(
            str(group.count),
            _diff_step(group.old, report.tones),
            _diff_step(group.new, report.tones),
            Text("\n".join(f"{name} ({count})" for name, count in sorted(group.regimes.items()))),
            Text("\n".join(_diff_change(c, regimes) for c in group.changes) or "—"),
        )
    return table


def _diff_candidates_table(changed: list[df.CandidateChange], tones: Tones) -> Table:
    figures = list(dict.fromkeys(f.name for c in changed for f in c.figures))
    table = Table(title=text("diff.candidates_title"), title_justify="left")
    for key in ("col.row", "col.id", "col.regime", "diff.col.old", "diff.col.new"):
        table.add_column(text(key), no_wrap=key in {"col.row", "col.id"})
    for name in figures:
        table.add_column(name, justify="right")
    for change in changed:
        values = {f.name: f for f in change.figures}
        table.add_row(
            str(change.row),
            Text(change.id),
            Text(change.regime),
            _diff_step(change.old.step, tones),
            _diff_step(change.new.step, tones),
            *(_diff_figure(values.get(name)) for name in figures),
        )
    return table


def _diff_figure(figure: df.FigureChange | None) -> str:
    if figure is None:
        return ""
    if figure.old == figure.new:
        return figure.old or "—"
    return f"{figure.old or '—'} → {figure.new or '—'}"


def _diff_errors_table(errors: list[df.ErrorRow], tones: Tones) -> Table:
    table = Table(title=text("diff.errors_title"), title_justify="left", title_style="bold red")
    for key in ("col.row", "col.id", "diff.col.old", "diff.col.new"):
        table.add_column(text(key))
    for error in errors:
        table.add_row(
            str(error.row),
            Text(error.id or "—"),
            _diff_side(error.old, tones),
            _diff_side(error.new, tones),
        )
    return table


def _diff_side(side: df.Verdict | RowError, tones: Tones) -> Text:
    if isinstance(side, RowError):
        return Text(text("diff.error", code=side.code, field=side.field or "—"), "red")
    return _diff_step(side.step, tones)


# --- the decision store and replays ---------------------------------------------------
def audit_summary(batches: list[dict[str, object]], counts: list[dict[str, object]]) -> Group:
    """The batches of a store, and its records counted per regulation, outcome and rule."""
    table = Table(title=text("audit.batches_title"), title_justify="left")
    for key in (
        "col.batch",
        "col.started",
        "col.regulation",
        "col.sha256",
        "col.rows",
        "col.error",
    ):
        table.add_column(text(key))
    for batch in batches:
        table.add_row(
            str(batch["id"]),
            str(batch["started_at"]),
            Text(str(batch["regulation_path"])),
            _short_hash(batch["regulation_sha256"]),
            str(batch["rows"]),
            str(batch["errors"]),
        )
    by_rule = Table(title=text("audit.counts_title"), title_justify="left")
    for key in ("col.sha256", "col.outcome", "col.rule", "col.count"):
        by_rule.add_column(text(key))
    for count in counts:
        by_rule.add_row(
            _short_hash(count["regulation_sha256"]),
            Text(str(count["outcome"]), style=outcome_style(str(count["outcome"]), NO_TONES)),
            Text(str(count["deciding_rule"] or "—")),
            str(count["count"]),
        )
    return Group(table, by_rule)


def audit_records(records: list[dict[str, object]]) -> Table:
    table = Table(title=text("audit.records_title", count=len(records)), title_justify="left")
    for key in ("col.seq", "col.batch", "col.row", "col.id", "col.outcome", "col.rule"):
        table.add_column(text(key))
    for key in ("col.sha256", "col.decided_at"):
        table.add_column(text(key))
    for record in records:
        outcome = str(record["outcome"])
        table.add_row(
            str(record["seq"]),
            str(record["batch"]),
            str(record["row"]),
            Text(str(record["candidate_id"] or "—")),
            Text(outcome, style=outcome_style(outcome, NO_TONES)),
            Text(str(record["deciding_rule"] or record["error_code"] or "—")),
            _short_hash(record["regulation_sha256"]),
            str(record["decided_at"] or "—"),
        )
    return table


def verification(problems: list[Problem], head: str, count: int) -> Group:
    """What `audit --verify` found: nothing (and the head to keep), or each problem."""
    lines: list[RenderableType] = [Text(text("audit.head", count=count, head=head))]
    if not problems:
        lines.append(Text(text("audit.intact"), style="bold green"))
    for problem in problems:
        where = text(f"audit.where_{problem.table}", key=problem.key)
        lines.append(Text(f"✘ {where} : {text(problem.code)}", style="red"))
    if problems:
        lines.append(Text(text("audit.altered", count=len(problems)), style="bold red"))
    return Group(*lines)


def replay_lines(result: Replayed) -> list[Text]:
    """One replayed record: the same, or where and (when it can tell) why it differs."""
    who = text("replay.who", key=result.key, id=result.id or "—")
    if result.skipped:
        style = "dim" if result.same else "red"
        why = text(result.skipped, path=result.regulation)
        return [Text(f"{'·' if result.same else '✘'} {who} : {why}", style)]
    if result.same:
        return [Text(f"✔ {who} : {text('replay.same')}", style="green")]
    lines = [Text(f"✘ {who} : {text('replay.differs')}", style="bold red")]
    for path, old, new in result.changed_files:
        lines.append(Text("    " + text("replay.file_changed", path=path, old=old, new=new)))
    if result.engine:
        old, new = result.engine
        lines.append(Text("    " + text("replay.engine_changed", old=old, new=new)))
    for difference in result.differences:
        shown = text(
            "replay.difference", path=difference.path, old=difference.old, new=difference.new
        )
        lines.append(Text("    " + shown))
    return lines


def replay_summary(count: int, same: int, skipped: int) -> Text:
    """The last line of a replay: records replayed, the same, differing, skipped."""
    summary = text(
        "replay.summary", count=count, same=same, differ=count - same - skipped, skipped=skipped
    )
    return Text(summary, style="bold")


def _short_hash(value: object) -> str:
    return ";".join(part[:12] for part in str(value or "—").split(";"))
