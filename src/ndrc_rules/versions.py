"""Several versions of one diploma's regulation, each deciding its own sessions.

A candidate's `session` column selects the version that decides them; which
sessions each version covers, and that they follow each other, is `sessions`'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ndrc_rules.api import Regulation, RegulationError, load
from ndrc_rules.audit.records import result_line
from ndrc_rules.engine import trace as t
from ndrc_rules.io.candidates import (
    SESSION,
    Candidate,
    RowError,
    candidate_from_mapping,
    read_candidates,
    row_error,
)
from ndrc_rules.language.analysis.sessions import in_order, session_range, version_diagnostics
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import SourceFile


class Versions:
    """The versions of one diploma's regulation, checked to cover sessions once each."""

    def __init__(self, regulations: list[Regulation]) -> None:
        self.regulations = {id(r.program): r for r in regulations}
        self.ranges = in_order([session_range(r.program) for r in regulations])
        self.diagnostics = version_diagnostics([r.program for r in regulations])

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> Versions:
        versions = cls([load(path) for path in paths])
        if versions.diagnostics:
            latest = SourceFile.read(versions.latest.program.path)
            raise RegulationError(latest, versions.diagnostics)
        return versions

    @property
    def latest(self) -> Regulation:
        return self.regulations[id(self.ranges[-1].program)]

    def read(
        self, path: str | Path, encoding: str | None = None, sheet: str | None = None
    ) -> Iterator[Candidate | RowError]:
        known = {column for r in self.regulations.values() for column in r.columns}
        keep = lambda column: fold(column) in known  # noqa: E731
        return read_candidates(path, encoding=encoding, keep=keep, sheet=sheet)

    def try_decide(
        self, candidate: Candidate, *, trace: bool = True, near_miss: bool = False
    ) -> t.Decision | RowError:
        chosen = self.version_of(candidate)
        if isinstance(chosen, RowError):
            return chosen
        regulation, candidate = chosen
        return regulation.try_decide(candidate, trace=trace, near_miss=near_miss)

    def version_of(self, candidate: Candidate) -> tuple[Regulation, Candidate] | RowError:
        """The version that decides the candidate, and the candidate's row read again
        with that version's columns only (what a replay under it will read)."""
        regulation = self.regulation_for(candidate)
        if isinstance(regulation, RowError) or len(self.ranges) == 1:
            return regulation if isinstance(regulation, RowError) else (regulation, candidate)
        if candidate.columns is None:  # built in Python: nothing to read again
            return regulation, candidate
        known = regulation.columns
        again = candidate_from_mapping(
            candidate.row, candidate.columns, keep=lambda column: fold(column) in known
        )
        return again if isinstance(again, RowError) else (regulation, again)

    def regulation_for(self, candidate: Candidate) -> Regulation | RowError:
        """The version that decides the candidate's session, or why there is none."""
        if len(self.ranges) == 1:
            return self.latest
        if candidate.session is None:
            return row_error(candidate.row, candidate.id, SESSION, "C031")
        chosen = next((v for v in self.ranges if v.covers(candidate.session)), None)
        if chosen is None:
            versions = ", ".join(str(v) for v in self.ranges)
            return row_error(
                candidate.row,
                candidate.id,
                SESSION,
                "C030",
                session=candidate.session,
                versions=versions,
            )
        return self.regulations[id(chosen.program)]

    def decide_all(
        self, rows: Iterable[Candidate | RowError], *, trace: bool = True
    ) -> Iterator[t.Decision | RowError]:
        for row in rows:
            yield row if isinstance(row, RowError) else self.try_decide(row, trace=trace)

    def record_lines(self, rows: Iterable[Candidate | RowError]) -> Iterator[tuple[str, str]]:
        """Every row's record as a line of JSON, with its outcome (see `record_line`)."""
        for row in rows:
            chosen = row if isinstance(row, RowError) else self.version_of(row)
            if isinstance(chosen, RowError):
                yield result_line(chosen)
            else:
                yield chosen[0].record_line(chosen[1])
