"""The Python facade: `load(path)` → `Regulation`; `regulation.decide(candidate)`.

Runs the pipeline once per file (text → tree → AST → model → compiled
regimes) and then decides any number of candidates with no re-parsing. The
decision logic is the engine's (`engine/phases`: main phase, épreuve de
contrôle, jury); the facade only chooses, in one place (`Regulation._fast`),
whether the generated fast paths or the general path take a candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from ndrc_rules.audit.records import envelope, input_record, now, result_line
from ndrc_rules.engine import nearmiss, phases
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import RESIT_SUFFIX, BindingError
from ndrc_rules.engine.evaluator import CompiledRegime
from ndrc_rules.engine.explain import stamp
from ndrc_rules.engine.fastpath import Decide, compile_fast
from ndrc_rules.engine.fasttrace import WriteRecord, compile_writer
from ndrc_rules.io.candidates import (
    SESSION,
    Candidate,
    RowError,
    candidate_from_mapping,
    read_candidates,
    row_error,
)
from ndrc_rules.language import core as m
from ndrc_rules.language.analysis.sessions import session_range
from ndrc_rules.language.diagnostics import Diagnostic, RegulationError, has_errors
from ndrc_rules.language.frontend import compile_source
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import SourceFile


def load(path: str | Path) -> Regulation:
    return Regulation.from_source(SourceFile.read(path))


def loads(text_: str, path: str = "<texte>") -> Regulation:
    return Regulation.from_source(SourceFile.from_text(text_, path))


class Regulation:
    """A checked regulation, compiled once, that decides candidates."""

    def __init__(self, program: m.Program, warnings: list[Diagnostic]) -> None:
        self.program = program
        self.warnings = warnings
        self.regimes = {fold(r.name): CompiledRegime(r) for r in program.regimes}
        self._fast_paths: dict[str, _FastPaths] = {}  # by regime, made on first use
        self.stamp = stamp(program)
        self._untraced = phases.Stamps(self.stamp)  # what a record without trace carries
        self.sessions = session_range(program)  # the sessions this text decides

    @classmethod
    def from_source(cls, source: SourceFile) -> Regulation:
        program, diagnostics = compile_source(source)
        if program is None or has_errors(diagnostics):
            raise RegulationError(source, diagnostics)
        return cls(program, diagnostics)

    @property
    def columns(self) -> set[str]:
        """Every unit and part column any regime accepts (folded)."""
        return {
            fold(name)
            for r in self.program.regimes
            for u in r.units
            for name in [
                u.code,
                f"{u.code}.{RESIT_SUFFIX}",
                *(f"{u.code}.{p.name}" for p in u.parts),
            ]
        }

    def read(
        self, path: str | Path, encoding: str | None = None, sheet: str | None = None
    ) -> Iterator[Candidate | RowError]:
        """Stream a candidates file (a workbook: its first sheet, or `sheet`); columns no
        regime knows are set aside, not read."""
        known = self.columns
        keep = lambda column: fold(column) in known  # noqa: E731
        return read_candidates(path, encoding=encoding, keep=keep, sheet=sheet)

    def decide(
        self, candidate: Candidate | Mapping[str, object], *, near_miss: bool = False
    ) -> t.Decision:
        """Decide one candidate; raises CandidateError when it cannot be decided.
        `near_miss`: also say what one grade alone would have needed for a better
        outcome (`Decision.near_miss`, `engine/nearmiss`)."""
        if not isinstance(candidate, Candidate):
            parsed = candidate_from_mapping(1, candidate)
            if isinstance(parsed, RowError):
                raise CandidateError(parsed)
            candidate = parsed
        result = self.try_decide(candidate, near_miss=near_miss)
        if isinstance(result, RowError):
            raise CandidateError(result)
        return result

    def try_decide(
        self,
        candidate: Candidate,
        *,
        trace: bool = True,
        decided_at: str | None = None,
        near_miss: bool = False,
    ) -> t.Decision | RowError:
        """Decide one candidate, or say why not; `trace=False` skips building the trace.
        `decided_at` (ISO 8601) stamps the record; now, by default. `near_miss`: the
        decision carries what one grade alone would have needed (never in records)."""
        compiled = self._compiled(candidate)
        if isinstance(compiled, RowError):
            return compiled
        try:
            found = phases.decide(candidate, compiled, self.program.outcomes)
        except BindingError as error:
            return _row_error(candidate, error.code, error.field, key=error.key, **error.args_)
        stamps = (
            phases.Stamps(self.stamp, input_record(candidate), decided_at or now())
            if trace
            else self._untraced
        )
        decision = found.decision(candidate, compiled, self.program, stamps, trace=trace)
        if not near_miss:
            return decision
        missed = nearmiss.near_miss(candidate, compiled, self.program, found)
        return decision.model_copy(update={"near_miss": missed})

    def _compiled(self, candidate: Candidate) -> CompiledRegime | RowError:
        """The compiled regime that decides the candidate, or why none may (C030, C005)."""
        if not self.covers(candidate):
            return _row_error(
                candidate, "C030", SESSION, session=candidate.session, versions=str(self.sessions)
            )
        compiled = self.regimes.get(fold(candidate.regime))
        if compiled is None:
            known = ", ".join(r.name for r in self.program.regimes)
            return _row_error(candidate, "C005", "regime", value=candidate.regime, known=known)
        return compiled

    def covers(self, candidate: Candidate) -> bool:
        """Whether this text may decide the candidate's session: a candidate with no
        `session` is decided (the caller vouches for it), one outside the sessions
        the file states (`session`, `derniere session`) never is (C030)."""
        return candidate.session is None or self.sessions.covers(candidate.session)

    def outcome(self, candidate: Candidate) -> Verdict | RowError:
        """Outcome and deciding rule only: the generated function when `_fast` allows
        it, the general path otherwise."""
        fast = self._fast(candidate)
        return (fast and fast.verdict(candidate)) or _verdict(
            self.try_decide(candidate, trace=False)
        )

    def decide_all(
        self, rows: Iterable[Candidate | RowError], *, trace: bool = True
    ) -> Iterator[t.Decision | RowError]:
        """Every row gets an answer: a decision or the row's error, in input order."""
        for row in rows:
            yield row if isinstance(row, RowError) else self.try_decide(row, trace=trace)

    def record_line(self, candidate: Candidate, decided_at: str | None = None) -> tuple[str, str]:
        """(outcome or ERROR, the JSON text of the candidate's record, trace included):
        the generated writer when `_fast` allows it, the general path (whose record is
        the same text) otherwise."""
        decided_at = decided_at or now()
        fast = self._fast(candidate)
        return (fast and fast.record_line(candidate, decided_at)) or result_line(
            self.try_decide(candidate, decided_at=decided_at)
        )

    def _fast(self, candidate: Candidate) -> _FastPaths | None:
        """The one place the path is chosen: the generated fast paths of the candidate's
        regime for plain grades (no kept grades, no jury, a session the text covers),
        which leave to the general evaluator (`try_decide`) what they do not handle;
        None: the general path. `decide` and `decide_all` build the decision models,
        which only the general path gives."""
        if candidate.kept or candidate.jury or not self.covers(candidate):
            return None
        regime = fold(candidate.regime)
        if regime not in self._fast_paths and regime in self.regimes:
            self._fast_paths[regime] = _FastPaths(self.regimes[regime].regime, self.program)
        return self._fast_paths.get(regime)


class _FastPaths:
    """A regime's generated functions for plain grades, each compiled on first use
    (a run that never asks for it never pays for it); each returns None for a
    candidate it leaves to the general path."""

    def __init__(self, regime: m.RegimeDef, program: m.Program) -> None:
        self.regime = regime
        self.program = program

    @cached_property
    def decide(self) -> Decide | None:
        """candidate's grades → index of the deciding rule (`fastpath`)."""
        return compile_fast(self.regime)

    @cached_property
    def writer(self) -> WriteRecord | None:
        """candidate's grades → index of the deciding rule, whole JSON record (`fasttrace`)."""
        return compile_writer(self.regime, self.program)

    def verdict(self, candidate: Candidate) -> Verdict | None:
        decide = self.decide
        index = decide(candidate.grades) if decide else None
        if index is None:
            return None
        rule = self.regime.rules[index]
        return Verdict(rule.outcome.name, rule.name)

    def record_line(self, candidate: Candidate, decided_at: str) -> tuple[str, str] | None:
        writer = self.writer
        written = writer and writer(candidate.grades, envelope(candidate, decided_at))
        return written and (self.regime.rules[written[0]].outcome.name, written[1])


class Verdict(NamedTuple):
    decision: str
    deciding_rule: str


class CandidateError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _verdict(result: t.Decision | RowError) -> Verdict | RowError:
    return (
        result if isinstance(result, RowError) else Verdict(result.decision, result.deciding_rule)
    )


def _row_error(
    candidate: Candidate, code: str, field: str | None, *, key: str | None = None, **args: object
) -> RowError:
    return row_error(candidate.row, candidate.id, field, code, key=key, **args)
