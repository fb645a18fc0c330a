"""Decisions, traces and row errors → text for people (rich) and records for machines.

The last stage of the pipeline: it reads trace models and writes; it decides
nothing. Every user-written text goes through `Text`, never through rich markup.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from typing import IO

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from . import trace as t
from .candidates import RowError
from .examples import ExampleReport, ExampleResult, RegimeCoverage
from .messages import text

Result = t.Decision | RowError

_OUTCOME_STYLE = {"admis": "bold green", "rattrapage": "bold yellow", "ajourne": "bold red"}
_STATUS_STYLE = {
    "held": "green",
    "default": "green",
    "failed": "dim",
    "excepted": "yellow",
    "not_reached": "dim italic",
}
_STATUS_LABEL = {
    "held": "trace.rule_held",
    "default": "trace.default",
    "failed": "trace.rule_failed",
    "excepted": "trace.rule_excepted",
    "not_reached": "trace.rule_skipped",
}


# --- machine records ---------------------------------------------------------------
def record(result: Result) -> dict[str, object]:
    """The JSON object of one row: a decision, or the row's error."""
    if isinstance(result, RowError):
        return {
            "row": result.row,
            "id": result.id,
            "error": {"code": result.code, "field": result.field, "message": result.message},
        }
    return result.model_dump(mode="json")


def write_jsonl(results: Iterable[Result], out: IO[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for result in results:
        counts[_outcome(result)] += 1
        out.write(json.dumps(record(result), ensure_ascii=False) + "\n")
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
                    *([""] * len(figures)),
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
                    result.deciding_rule_source.line,
                    *shown,
                    "",
                    "",
                    "",
                ]
            )
    return counts


def _outcome(result: Result) -> str:
    return "erreur" if isinstance(result, RowError) else result.decision


# --- tables for people ---------------------------------------------------------------
def decisions_table(decisions: list[t.Decision], figures: list[str], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for key in ("col.row", "col.id", "col.regime", "col.decision", "col.rule"):
        table.add_column(text(key), no_wrap=key != "col.rule")
    for name in figures:
        table.add_column(name, justify="right")
    for d in decisions:
        rule = f"{d.deciding_rule} (l. {d.deciding_rule_source.line})"
        table.add_row(
            str(d.row or ""),
            Text(d.id),
            Text(d.regime),
            Text(d.label, style=_OUTCOME_STYLE.get(d.decision, "bold")),
            Text(rule),
            *(d.figures.get(name, "") for name in figures),
        )
    return table


def errors_table(errors: list[RowError]) -> Table:
    table = Table(title=text("eval.errors_title"), title_justify="left", title_style="bold red")
    for key in ("col.row", "col.id", "col.field", "col.error"):
        table.add_column(text(key))
    for e in errors:
        table.add_row(
            str(e.row), Text(e.id or "—"), Text(e.field or "—"), Text(f"[{e.code}] {e.message}")
        )
    return table


def counts_table(counts: Counter[str], labels: dict[str, str]) -> Table:
    table = Table(title=text("eval.counts_title"), title_justify="left")
    table.add_column(text("col.outcome"))
    table.add_column(text("col.count"), justify="right")
    for outcome, count in sorted(counts.items(), key=lambda item: (item[0] == "erreur", item[0])):
        label = labels.get(outcome, text("col.error"))
        table.add_row(Text(label, style=_OUTCOME_STYLE.get(outcome, "red")), str(count))
    return table


# --- the trace, for an auditor ---------------------------------------------------------
def trace_tree(decision: t.Decision) -> RenderableType:
    trace = decision.trace
    root = Tree(Text(text("trace.candidate", id=decision.id, regime=decision.regime), "bold"))
    root.add(
        Text(
            text("trace.decision", label=decision.label, outcome=decision.decision),
            _OUTCOME_STYLE.get(decision.decision, "bold"),
        )
    )
    source = decision.deciding_rule_source
    root.add(
        Text(
            text(
                "trace.deciding_rule",
                rule=decision.deciding_rule,
                file=source.file,
                line=source.line,
            )
        )
    )
    if decision.resit:
        root.add(
            Text(
                text(
                    "trace.resit", count=decision.resit.count, units=", ".join(decision.resit.units)
                ),
                "yellow",
            )
        )
    _units(root.add(Text(text("trace.units"), "bold")), trace.units)
    _figures(root.add(Text(text("trace.figures"), "bold")), trace.figures)
    _rules(root.add(Text(text("trace.rules"), "bold")), trace.rules)
    if decision.ignored_columns:
        root.add(
            Text(
                text("trace.ignored_columns", columns=", ".join(decision.ignored_columns)), "yellow"
            )
        )
    stamp = trace.regulation
    footer = Text(
        text("trace.regulation", path=stamp.path, sha256=stamp.sha256, engine=stamp.engine_version),
        "dim",
    )
    return Group(root, footer)


def _units(node: Tree, units: list[t.UnitTrace]) -> None:
    for unit in units:
        coefficient = f" ×{unit.coefficient}" if unit.coefficient else ""
        line = Text(f"{unit.code} {unit.title}{coefficient} : ")
        line.append(_unit_value(unit.status, unit.display), "bold")
        branch = node.add(line)
        for part in unit.parts:
            branch.add(
                Text(
                    f"{part.name} (poids {part.weight}) : {_unit_value(part.status, part.display)}"
                )
            )


def _unit_value(status: str, shown: str | None) -> str:
    return {
        "note": shown or "",
        "ABS": text("trace.absent"),
        "ABJ": text("trace.absent_justified"),
        "DISP": text("trace.exempted"),
        "absente": text("trace.not_taken"),
    }.get(status, status)


def _figures(node: Tree, figures: list[t.FigureTrace]) -> None:
    for figure in figures:
        line = Text(f"{figure.name} = ")
        line.append(figure.display, "bold")
        before = f" ; avant arrondi : {figure.unrounded}" if figure.unrounded else ""
        line.append(
            f"  (exact : {figure.value}{before} ; {figure.expression} ; l. {figure.source.line})",
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
        line = Text(f"{rule.name}{title} → {rule.outcome} (l. {rule.source.line}) : ")
        line.append(text(_STATUS_LABEL[rule.status]), _STATUS_STYLE[rule.status])
        branch = node.add(line)
        if rule.condition:
            _condition(branch, text("trace.condition"), rule.condition)
        for exception in rule.exceptions:
            _condition(branch, text("trace.exception"), exception)
        if rule.status in {"held", "default"}:
            _citation(branch, rule.citation)
        if rule.status == "excepted":
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
    return text("test.decided", outcome=result.actual_outcome, rule=result.actual_rule)


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
    rules = ", ".join(coverage.unreached)
    return Text(text("test.uncovered", regime=coverage.regime, rules=rules), "yellow")
