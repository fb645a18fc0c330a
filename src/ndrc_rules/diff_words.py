"""`diff`'s report in words, for the terminal and the web page alike: the headline,
each group's step and the changes it goes through, the versions' identities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import readable

if TYPE_CHECKING:
    from ndrc_rules import diffing as df
    from ndrc_rules.io.candidates import RowError


def diff_headline(report: df.DiffReport) -> list[str]:
    """The headline as plain lines: how many candidates change, and through what."""
    if report.changed:
        lines = [text("diff.headline", changed=len(report.changed), decided=report.decided)]
        lines += [f"  • {group_line(g, report.regimes)}" for g in report.groups]
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


def group_line(group: df.DiffGroup, regimes: list[str]) -> str:
    return text(
        "diff.headline_group",
        count=group.count,
        old=step_text(group.old),
        new=step_text(group.new),
        via=via_text(group.changes, regimes),
    )


def step_text(step: df.Step) -> str:
    from ndrc_rules.diffing import AFTER_RESIT

    key = "diff.verdict_resit" if step.phase == AFTER_RESIT else "diff.verdict"
    return text(key, label=step.label, rule=step.rule)


def via_text(changes: list[df.Change], regimes: list[str]) -> str:
    phrases = [change_text(change, regimes) for change in changes]
    return f" {text('diff.and')} ".join(phrases) or text("diff.unexplained")


def change_text(change: df.Change, regimes: list[str]) -> str:
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


def figure_text(figure: df.FigureChange | None) -> str:
    if figure is None:
        return ""
    if figure.old == figure.new:
        return readable(figure.old or "—")
    return readable(f"{figure.old or '—'} → {figure.new or '—'}")


def side_text(side: df.Verdict | RowError) -> tuple[str, str | None]:
    """A version's verdict on an erroneous row: (words, outcome); the error's outcome is None."""
    from ndrc_rules.io.candidates import RowError

    if isinstance(side, RowError):
        return text("diff.error", code=side.code, field=side.field or "—"), None
    return step_text(side.step), side.step.outcome
