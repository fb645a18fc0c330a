"""The Python facade: `load(path)` → `Regulation`; `regulation.decide(candidate)`.

Runs the pipeline once per file (text → tree → AST → model → compiled
regimes) and then decides any number of candidates with no re-parsing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from . import model as m
from . import trace as t
from .binding import RESIT_SUFFIX, BindingError, ResitUnit, bind, resit_grades, resit_units
from .candidates import (
    ID,
    JURY,
    JURY_REASON,
    KEPT_SUFFIX,
    REGIME,
    SESSION,
    Candidate,
    Grade,
    Marker,
    RowError,
    candidate_from_mapping,
    read_candidates,
    row_error,
)
from .diagnostics import Diagnostic, has_errors
from .errors import RegulationError
from .evaluator import CompiledRegime, Evaluation
from .explain import build_trace, resit_trace, stamp, verdict
from .fasttrace import WriteRecord, compile_writer
from .frontend import compile_source
from .numbers import display
from .parser import fold
from .source import SourceFile


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
        self._writers: dict[str, WriteRecord | None] = {}  # compiled on first use
        self.stamp = stamp(program)

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

    def read(self, path: str | Path, encoding: str | None = None) -> Iterator[Candidate | RowError]:
        """Stream a candidates file; columns no regime knows are set aside, not read."""
        known = self.columns
        return read_candidates(path, encoding=encoding, keep=lambda column: fold(column) in known)

    def decide(self, candidate: Candidate | Mapping[str, object]) -> t.Decision:
        """Decide one candidate; raises CandidateError when it cannot be decided."""
        if not isinstance(candidate, Candidate):
            parsed = candidate_from_mapping(1, candidate)
            if isinstance(parsed, RowError):
                raise CandidateError(parsed)
            candidate = parsed
        result = self.try_decide(candidate)
        if isinstance(result, RowError):
            raise CandidateError(result)
        return result

    def try_decide(
        self, candidate: Candidate, *, trace: bool = True, decided_at: str | None = None
    ) -> t.Decision | RowError:
        """Decide one candidate, or say why not; `trace=False` skips building the trace.
        `decided_at` (ISO 8601) stamps the record; now, by default."""
        compiled = self.regimes.get(fold(candidate.regime))
        if compiled is None:
            known = ", ".join(r.name for r in self.program.regimes)
            return _row_error(candidate, "C005", "regime", value=candidate.regime, known=known)
        try:
            evaluation = compiled.evaluate(bind(candidate, compiled.regime))
            after = _after_resit(candidate, compiled, evaluation)
            jury = self._jury(candidate)
        except BindingError as error:
            return _row_error(candidate, error.code, error.field, **error.args_)
        final = after[0] if after else evaluation
        decision = t.Decision(
            row=candidate.row,
            id=candidate.id,
            regime=compiled.regime.name,
            **verdict(final.rule),  # type: ignore[arg-type]
            figures={k: display(v) for k, v in final.figures.items()},
            ignored_columns=list(candidate.ignored),
            trace=build_trace(evaluation, compiled, self.program) if trace else None,
            resit_phase=after and resit_trace(evaluation, *after, compiled, self.program, trace),
            regulation=self.stamp,  # the replay stamps, with the trace that replays compare
            input=input_record(candidate) if trace else None,
            decided_at=(decided_at or now()) if trace else None,
        )
        return _overruled(decision, jury) if jury else decision

    def _jury(self, candidate: Candidate) -> t.JuryDecision | None:
        """The jury's decision recorded for the candidate, checked."""
        if candidate.jury is None:
            return None
        outcome = next(
            (o for o in self.program.outcomes if fold(o.name) == fold(candidate.jury)), None
        )
        if outcome is None:
            known = ", ".join(o.name for o in self.program.outcomes)
            raise BindingError("C028", JURY, value=candidate.jury, known=known)
        if not candidate.jury_reason:
            raise BindingError("C029", JURY_REASON)
        return t.JuryDecision(
            outcome=outcome.name, label=outcome.label, reason=candidate.jury_reason
        )

    def outcome(self, candidate: Candidate) -> Verdict | RowError:
        """Outcome and deciding rule only: the generated fast path for plain grades,
        the general evaluator for everything else."""
        compiled = self.regimes.get(fold(candidate.regime))
        if compiled and compiled.fast and not (candidate.kept or candidate.jury):
            index = compiled.fast(candidate.grades)
            if index is not None:
                rule = compiled.regime.rules[index]
                return Verdict(rule.outcome.name, rule.name)
        result = self.try_decide(candidate, trace=False)
        return (
            result
            if isinstance(result, RowError)
            else Verdict(result.decision, result.deciding_rule)
        )

    def decide_all(
        self, rows: Iterable[Candidate | RowError], *, trace: bool = True
    ) -> Iterator[t.Decision | RowError]:
        """Every row gets an answer: a decision or the row's error, in input order."""
        for row in rows:
            yield row if isinstance(row, RowError) else self.try_decide(row, trace=trace)

    def record_line(self, candidate: Candidate, decided_at: str | None = None) -> tuple[str, str]:
        """(outcome or ERROR, the JSON text of the candidate's record, trace included).

        The generated writer for plain grades; the general path, whose record is
        the same text, for everything else."""
        decided_at = decided_at or now()
        regime = fold(candidate.regime)
        if regime not in self._writers and regime in self.regimes:
            self._writers[regime] = compile_writer(self.regimes[regime].regime, self.program)
        writer = self._writers.get(regime)
        if writer and not (candidate.kept or candidate.jury):
            written = writer(candidate.grades, envelope(candidate, decided_at))
            if written is not None:
                return self.regimes[regime].regime.rules[written[0]].outcome.name, written[1]
        return result_line(self.try_decide(candidate, decided_at=decided_at))


ERROR = "erreur"  # the outcome counted for a row that could not be decided
# json.dumps(value, ensure_ascii=False), without building an encoder at each call.
to_json = json.JSONEncoder(ensure_ascii=False).encode


def record(result: t.Decision | RowError) -> dict[str, object]:
    """The JSON object of one row: a decision, or the row's error."""
    if isinstance(result, RowError):
        detail = t.RowErrorDetail(code=result.code, field=result.field, message=result.message)
        return t.ErrorRecord(row=result.row, id=result.id, error=detail).model_dump(mode="json")
    return result.model_dump(mode="json")


def result_line(result: t.Decision | RowError) -> tuple[str, str]:
    """(outcome or ERROR, the JSON text of the row's record)."""
    outcome = ERROR if isinstance(result, RowError) else result.decision
    return outcome, to_json(record(result))


def from_line(outcome: str, line: str) -> t.Decision | RowError:
    """A record's JSON text (`result_line`, `record_line`) read back as a result."""
    if outcome != ERROR:
        return t.Decision.model_validate_json(line)
    record = t.ErrorRecord.model_validate_json(line)
    error = record.error
    return RowError(
        row=record.row, id=record.id, field=error.field, code=error.code, message=error.message
    )


class Verdict(NamedTuple):
    decision: str
    deciding_rule: str


class CandidateError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _overruled(decision: t.Decision, jury: t.JuryDecision) -> t.Decision:
    """The jury's decision replaces the proposal, which the record keeps."""
    proposal = t.Proposal(
        decision=decision.decision, label=decision.label, deciding_rule=decision.deciding_rule
    )
    return decision.model_copy(
        update={
            "decision": jury.outcome,
            "label": jury.label,
            "deciding_rule": JURY,
            "jury": jury,
            "proposal": proposal,
        }
    )


def _after_resit(
    candidate: Candidate, compiled: CompiledRegime, evaluation: Evaluation
) -> tuple[Evaluation, tuple[ResitUnit, ...]] | None:
    """The decision after the resit, when the candidate has resit grades."""
    grades = resit_grades(candidate, compiled.regime)
    if not grades:
        return None
    column = next(iter(grades.values()))[0]
    terms = evaluation.rule.resit
    if terms is None:
        raise BindingError("C020", column, outcome=evaluation.rule.outcome.name)
    if compiled.resit is None:
        raise BindingError("C021", column, regime=compiled.regime.name)
    units, chosen = resit_units(evaluation.units, grades, terms.count, terms.units)
    return compiled.evaluate(units, resit=True), chosen


def envelope(candidate: Candidate, decided_at: str) -> tuple[str, ...]:
    """The JSON texts of the record fields the candidate gives (fasttrace.ENVELOPE)."""
    return (
        str(candidate.row),
        _json_text(candidate.id),
        _json_list(candidate.ignored),
        _input(candidate)[2],
        f'"{decided_at}"',
    )


def now() -> str:
    """The time a record is stamped with: UTC, to the second, ISO 8601 (the text
    is made once per second: a batch stamps many records each second)."""
    second = int(time.time())
    if _clock[0] != second:
        stamp_ = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
        _clock[:] = [second, stamp_]
    return _clock[1]  # type: ignore[return-value]


_clock: list[int | str] = [0, ""]


def input_record(candidate: Candidate) -> t.InputRecord:
    """The candidate's row as read (rebuilt from its fields when it was built in
    Python), with the SHA-256 of its JSON text."""
    digest, cells, _ = _input(candidate)
    return t.InputRecord(sha256=digest, columns=cells)


def _input(candidate: Candidate) -> tuple[str, Mapping[str, str | None], str]:
    """(SHA-256, cells, the JSON text of the input record)."""
    columns = candidate.columns if candidate.columns is not None else _rebuilt(candidate)
    cells = columns if all(type(v) is str for v in columns.values()) else _cells(columns)
    text_ = to_json(cells)
    digest = hashlib.sha256(text_.encode()).hexdigest()
    return digest, cells, f'{{"sha256": "{digest}", "columns": {text_}}}'  # type: ignore[return-value]


def _cells(columns: Mapping[str, object]) -> dict[str, str | None]:
    """JSON input cells as text: numbers as written, booleans as JSON spells them."""
    return {str(k): _cell(v) for k, v in columns.items()}


def _cell(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _rebuilt(candidate: Candidate) -> dict[str, object]:
    columns: dict[str, object] = {ID: candidate.id, REGIME: candidate.regime}
    columns |= {column: _grade_text(grade) for column, grade in candidate.grades.items()}
    columns |= {f"{unit}{KEPT_SUFFIX}": str(year) for unit, year in candidate.kept.items()}
    details = {SESSION: candidate.session, JURY: candidate.jury, JURY_REASON: candidate.jury_reason}
    return columns | {k: str(v) for k, v in details.items() if v is not None}


def _grade_text(grade: Grade) -> str:
    """A grade as a spreadsheet writes it: '12.5'; 'n/d' if it has no exact decimal."""
    if isinstance(grade, Marker):
        return str(grade)
    whole, rest = divmod(grade.numerator, grade.denominator)
    if rest == 0:
        return str(whole)
    scale = 10 ** len(str(grade.denominator))  # enough digits whenever there are finitely many
    if (grade * scale).denominator != 1:
        return str(grade)
    return format(Decimal(grade.numerator) / Decimal(grade.denominator), "f")


def _json_text(value: str) -> str:
    """A string as JSON text, as json.dumps writes it (quoted directly when plain)."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return to_json(value)


def _json_list(values: tuple[str, ...]) -> str:
    return to_json(list(values)) if values else "[]"


def _row_error(candidate: Candidate, code: str, field: str | None, **args: object) -> RowError:
    return row_error(candidate.row, candidate.id, field, code, **args)
