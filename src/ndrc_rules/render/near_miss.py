"""« Ce qu'il aurait fallu » in words: the one phrasing of a near miss (`engine/nearmiss`)
that every surface shows — explain's tree, the relevé, later the web pages."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ndrc_rules.common.messages import text
from ndrc_rules.common.numbers import display, readable

if TYPE_CHECKING:  # annotations only: explain's module loads without pydantic
    from ndrc_rules.engine import trace as t


def phase_heading(phase: t.NearMiss, phases: int) -> str:
    """What a phase's near miss is about: before or after the resit, or a resit not
    yet sat; the phase before the resit, shown after it, says so."""
    key = "near_miss.phase_prospective" if phase.prospective else f"near_miss.phase_{phase.phase}"
    if phase.phase == "initial" and phases > 1:
        key = "near_miss.phase_first"
    return text(key, label=phase.label)


def needed_grade(needed: t.NeededGrade) -> str:
    """The grade that would have sufficed, exactly: « 11,50 », « plus de 10,00 (10,01) »,
    « 11,54 (seuil exact 173/15) »; when none would, « aucune note ne suffisait »."""
    if needed.threshold is None:
        return text("near_miss.no_grade")
    boundary = Fraction(needed.threshold)
    if needed.display is None:
        return text("near_miss.only_exact", threshold=needed.threshold)
    if (boundary * 100).denominator != 1:
        return text(
            "near_miss.exact_threshold", grade=readable(needed.display), threshold=needed.threshold
        )
    if needed.inclusive:
        return readable(needed.display)
    key = "near_miss.more_than" if needed.upward else "near_miss.less_than"
    return text(key, boundary=readable(display(boundary)), grade=readable(needed.display))


def needed_text(item: t.NearMissInput, needed: t.NeededGrade, rule: str | None = None) -> str:
    """One line: the grade that would have sufficed instead of the candidate's, exactly;
    the rule by `rule` (its title) when given, else its identifier."""
    named = {"input": item.input, "title": item.title, "label": needed.label}
    if needed.threshold is None:
        return text("near_miss.none", **named)
    line = {**named, "grade": needed_grade(needed), "rule": rule or needed.rule}
    if item.current_display is not None:
        return text("near_miss.line", **line, current=readable(item.current_display))
    key = "near_miss.line_not_taken" if item.input == item.unit else "near_miss.line_resit"
    return text(key, **line)
