"""`ndrc-rules diff`: decide a cohort under two versions; who changes, and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    PLAIN,
    Tones,
    Vocabulary,
    outcome_style,
    print_json,
    stderr,
    stdout,
)
from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import readable
from ndrc_rules.language.source import SourceFile

if TYPE_CHECKING:
    from ndrc_rules import diffing as df
    from ndrc_rules.io.candidates import RowError


def arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("old", type=Path, metavar="ANCIEN", help=text("cli.diff_old"))
    command.add_argument("new", type=Path, metavar="NOUVEAU", help=text("cli.diff_new"))
    options.candidates(command)
    options.output_format(command, "table", "json")


def run(args: argparse.Namespace) -> int:
    """Decide the cohort under both versions; show who changes and through which rules."""
    from ndrc_rules.api import Regulation
    from ndrc_rules.diffing import compare, read_both

    old = Regulation.from_source(SourceFile.read(args.old))
    new = Regulation.from_source(SourceFile.read(args.new))
    rows = read_both(old, new, args.candidates, encoding=args.encoding, sheet=args.sheet)
    report = compare(old, new, rows)
    if args.format == "json":
        print_json(report.as_json())
        for line in diff_headline(report):
            stderr().print(line, markup=False, soft_wrap=True)
    else:
        stdout().print(diff_report(report, Vocabulary.of([old.program, new.program])))
    return EXIT_OK


# --- the report, for people ----------------------------------------------------------
def diff_report(report: df.DiffReport, vocabulary: Vocabulary = PLAIN) -> RenderableType:
    """The headline, the groups with the rule changes, the changed candidates (figures
    by their titles, numbers as people read them), the errors, then the identities of
    both versions."""
    shown: list[RenderableType] = [_diff_headline(report)]
    if report.groups:
        title = text("diff.groups_title")
        shown.append(_diff_groups_table(report.groups, title, report))
    if report.rule_only:
        title = text("diff.rule_only_title")
        shown.append(_diff_groups_table(report.rule_only, title, report))
    if report.changed:
        shown.append(_diff_candidates_table(report.changed, report.tones, vocabulary))
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
    from ndrc_rules.diffing import AFTER_RESIT

    key = "diff.verdict_resit" if step.phase == AFTER_RESIT else "diff.verdict"
    return text(key, label=step.label, rule=step.rule)


def _diff_step(step: df.Step, tones: Tones) -> Text:
    return Text(_diff_step_text(step), outcome_style(step.outcome, tones))


def _diff_via(changes: list[df.Change], regimes: list[str]) -> str:
    phrases = [_diff_change(change, regimes) for change in changes]
    return f" {text('diff.and')} ".join(phrases) or text("diff.unexplained")


def _diff_change(change: df.Change, regimes: list[str]) -> str:
    """One change in a sentence: the subject, then the old and new texts of the regulation."""
    from ndrc_rules.diffing import ADDED, REMOVED

    subject = text(f"diff.kind.{change.kind}", name=change.name)
    if change.kind != "regime" and set(change.regimes) != set(regimes):
        subject = text("diff.only_in", subject=subject, regimes=", ".join(change.regimes))
    if change.aspect == ADDED:
        return text("diff.added", subject=subject, new=change.new)
    if change.aspect == REMOVED:
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


def _diff_candidates_table(
    changed: list[df.CandidateChange], tones: Tones, vocabulary: Vocabulary
) -> Table:
    figures = list(dict.fromkeys(f.name for c in changed for f in c.figures))
    table = Table(title=text("diff.candidates_title"), title_justify="left")
    for key in ("col.row", "col.id", "col.regime", "diff.col.old", "diff.col.new"):
        table.add_column(text(key), no_wrap=key in {"col.row", "col.id"})
    for name in figures:
        table.add_column(vocabulary.figure(name), justify="right")
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
        return readable(figure.old or "—")
    return readable(f"{figure.old or '—'} → {figure.new or '—'}")


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
    from ndrc_rules.io.candidates import RowError

    if isinstance(side, RowError):
        return Text(text("diff.error", code=side.code, field=side.field or "—"), "red")
    return _diff_step(side.step, tones)
