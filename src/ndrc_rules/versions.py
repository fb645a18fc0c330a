"""Several versions of one diploma's regulation: which applies to which session.

A regulation states the sessions it applies to (`session 2020`, optionally
`derniere session 2024`). Versions of the same diploma must follow each other
with no gap and no overlap; a candidate's `session` column selects the version
that decides them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import trace as t
from .api import Regulation, RegulationError, load, result_line
from .candidates import SESSION, Candidate, RowError, read_candidates
from .diagnostics import Diagnostic
from .messages import text
from .model import Program
from .parser import fold
from .source import SourceFile


@dataclass(frozen=True, slots=True)
class _Range:
    regulation: Regulation
    first: int | None
    last: int | None  # None: open-ended

    def covers(self, session: int) -> bool:
        return (self.first or 0) <= session and (self.last is None or session <= self.last)

    def __str__(self) -> str:
        return f"{self.first or '?'}–{self.last or '…'}"


class Versions:
    """The versions of one diploma's regulation, checked to cover sessions once each."""

    def __init__(self, regulations: list[Regulation]) -> None:
        self.ranges = _in_order(regulations)
        self.diagnostics = version_diagnostics(self.ranges)

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> Versions:
        versions = cls([load(path) for path in paths])
        if versions.diagnostics:
            latest = SourceFile.read(versions.latest.program.path)
            raise RegulationError(latest, versions.diagnostics)
        return versions

    @property
    def latest(self) -> Regulation:
        return self.ranges[-1].regulation

    def read(self, path: str | Path, encoding: str | None = None) -> Iterator[Candidate | RowError]:
        known = {column for v in self.ranges for column in v.regulation.columns}
        return read_candidates(path, encoding=encoding, keep=lambda column: fold(column) in known)

    def try_decide(self, candidate: Candidate, *, trace: bool = True) -> t.Decision | RowError:
        chosen = self.regulation_for(candidate)
        return chosen if isinstance(chosen, RowError) else chosen.try_decide(candidate, trace=trace)

    def regulation_for(self, candidate: Candidate) -> Regulation | RowError:
        """The version that decides the candidate's session, or why there is none."""
        if len(self.ranges) == 1:
            return self.ranges[0].regulation
        if candidate.session is None:
            return _error(candidate, "C031", SESSION)
        chosen = next((v for v in self.ranges if v.covers(candidate.session)), None)
        if chosen is None:
            versions = ", ".join(str(v) for v in self.ranges)
            return _error(candidate, "C030", SESSION, session=candidate.session, versions=versions)
        return chosen.regulation

    def decide_all(
        self, rows: Iterable[Candidate | RowError], *, trace: bool = True
    ) -> Iterator[t.Decision | RowError]:
        for row in rows:
            yield row if isinstance(row, RowError) else self.try_decide(row, trace=trace)

    def record_lines(self, rows: Iterable[Candidate | RowError]) -> Iterator[tuple[str, str]]:
        """Every row's record as a line of JSON, with its outcome (see `record_line`)."""
        for row in rows:
            chosen = row if isinstance(row, RowError) else self.regulation_for(row)
            if isinstance(chosen, RowError):
                yield result_line(chosen)
            else:
                yield chosen.record_line(row)  # type: ignore[arg-type]


def version_diagnostics_of(programs: list[Program]) -> list[Diagnostic]:
    """The same checks, for programs not yet made into regulations (by `check`)."""
    return version_diagnostics(_in_order([Regulation(p, []) for p in programs]))


def version_diagnostics(ranges: list[_Range]) -> list[Diagnostic]:
    """Versions of one diploma, sorted by first session: gaps, overlaps, strangers."""
    if len(ranges) < 2:
        return []
    found: list[Diagnostic] = []
    code = ranges[0].regulation.program.diploma.code
    for version in ranges:
        diploma = version.regulation.program.diploma
        if diploma.span and fold(diploma.code) != fold(code):
            found.append(Diagnostic("E140", diploma.span, {"code": diploma.code, "first": code}))
        elif diploma.span and version.first is None:
            found.append(Diagnostic("E141", diploma.span, {"code": diploma.code}))
    for before, after in itertools.pairwise(ranges):
        span = after.regulation.program.diploma.span
        if span is None or before.first is None or after.first is None:
            continue
        args = {"before": str(before), "after": str(after), "path": before.regulation.program.path}
        if before.last is None or before.last >= after.first:
            found.append(Diagnostic("E138", span, args))
        elif before.last + 1 < after.first:
            found.append(Diagnostic("E139", span, args))
    return found


def _in_order(regulations: list[Regulation]) -> list[_Range]:
    ranges = (_range(r) for r in regulations)
    return sorted(ranges, key=lambda v: (v.first or 0, v.last or 9999))


def _range(regulation: Regulation) -> _Range:
    diploma = regulation.program.diploma
    first = int(diploma.session) if diploma.session and diploma.session.isdigit() else None
    last = int(diploma.last_session) if diploma.last_session else None
    return _Range(regulation, first, last)


def _error(candidate: Candidate, code: str, field: str, **args: object) -> RowError:
    return RowError(
        row=candidate.row, id=candidate.id, field=field, code=code, message=text(code, **args)
    )
