"""Which sessions each version of a diploma's regulation covers, checked.

A regulation states the sessions it applies to (`session 2020`, optionally
`derniere session 2024`). Versions of the same diploma must follow each other
with no gap and no overlap. Works on checked programs only, so that `check`
needs nothing of the evaluator.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ndrc_rules.language.core import Program
from ndrc_rules.language.diagnostics import Diagnostic, Hint
from ndrc_rules.language.names import fold


@dataclass(frozen=True, slots=True)
class SessionRange:
    program: Program
    first: int | None
    last: int | None  # None: open-ended

    def covers(self, session: int) -> bool:
        return (self.first or 0) <= session and (self.last is None or session <= self.last)

    def __str__(self) -> str:
        return f"{self.first or '?'}–{self.last or '…'}"


def session_range(program: Program) -> SessionRange:
    diploma = program.diploma
    first = int(diploma.session) if diploma.session and diploma.session.isdigit() else None
    last = int(diploma.last_session) if diploma.last_session else None
    return SessionRange(program, first, last)


def in_order(ranges: list[SessionRange]) -> list[SessionRange]:
    return sorted(ranges, key=lambda v: (v.first or 0, v.last or 9999))


def version_diagnostics(programs: list[Program]) -> list[Diagnostic]:
    """Versions of one diploma, sorted by first session: gaps, overlaps, strangers."""
    ranges = in_order([session_range(p) for p in programs])
    if len(ranges) < 2:
        return []
    found: list[Diagnostic] = []
    code = ranges[0].program.diploma.code
    for version in ranges:
        diploma = version.program.diploma
        if diploma.span and fold(diploma.code) != fold(code):
            found.append(Diagnostic("E140", diploma.span, {"code": diploma.code, "first": code}))
        elif diploma.span and version.first is None:
            found.append(Diagnostic("E141", diploma.span, {"code": diploma.code}))
    for before, after in itertools.pairwise(ranges):
        span = after.program.diploma.span
        if span is None or before.first is None or after.first is None:
            continue
        args = {"before": str(before), "after": str(after), "path": before.program.path}
        if before.last is None or before.last >= after.first:
            found.append(Diagnostic("E138", span, args, _overlap_fix(before, after)))
        elif before.last + 1 < after.first:
            found.append(Diagnostic("E139", span, args))
    return found


def _overlap_fix(before: SessionRange, after: SessionRange) -> Hint:
    """How two overlapping versions stop overlapping: the earlier one ends the year
    before the later one begins, or (when that leaves it a session) the later one
    begins the year after the earlier one ends."""
    assert after.first is not None
    args = {"last": after.first - 1, "path": before.program.path}
    later = None if before.last is None else before.last + 1
    if later is not None and (after.last is None or later <= after.last):
        return Hint("hint.overlap_either", {**args, "next": later})
    return Hint("hint.overlap", args)
