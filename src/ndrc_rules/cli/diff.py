"""`ndrc-rules diff`: decide a cohort under two versions; who changes, and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import EXIT_OK, print_json, stderr, stdout
from ndrc_rules.common.messages import text
from ndrc_rules.diff_words import (
    change_text,
    diff_headline,
    diff_identities,
    figure_text,
    side_text,
    step_text,
)
from ndrc_rules.language.source import SourceFile
from ndrc_rules.render.trace import PLAIN, Tones, Vocabulary, outcome_style

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
        shown.append(_diff_groups_table(report.groups, title, report, vocabulary))
    if report.rule_only:
        title = text("diff.rule_only_title")
        shown.append(_diff_groups_table(report.rule_only, title, report, vocabulary))
    if report.changed:
        shown.append(_diff_candidates_table(report.changed, vocabulary.tones, vocabulary))
    if report.errors:
        shown.append(_diff_errors_table(report.errors, vocabulary.tones))
    shown += [Text(line, "dim") for line in diff_identities(report)]
    return Group(*shown)


def _diff_headline(report: df.DiffReport) -> RenderableType:
    first, *rest = diff_headline(report)
    style = "bold yellow" if report.changed else "bold green"
    return Group(Text(first, style), *(Text(line) for line in rest))


def _diff_step(step: df.Step, tones: Tones) -> Text:
    return Text(step_text(step), outcome_style(step.outcome, tones))


def _diff_groups_table(
    groups: list[df.DiffGroup], title: str, report: df.DiffReport, vocabulary: Vocabulary
) -> Table:
    regimes = report.regimes
    table = Table(title=title, title_justify="left")
    table.add_column(text("col.count"), justify="right")
    for key in ("diff.col.old", "diff.col.new", "diff.col.regimes", "diff.col.changes"):
        table.add_column(text(key))
    for group in groups:
        table.add_row(
            str(group.count),
            _diff_step(group.old, vocabulary.tones),
            _diff_step(group.new, vocabulary.tones),
            Text("\n".join(f"{name} ({count})" for name, count in sorted(group.regimes.items()))),
            Text("\n".join(change_text(c, regimes) for c in group.changes) or "—"),
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
            *(figure_text(values.get(name)) for name in figures),
        )
    return table


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
    said, outcome = side_text(side)
    return Text(said, outcome_style(outcome, tones) if outcome else "red")
