"""The Python facade: `load(path)` → `Regulation`; `regulation.decide(candidate)`.

Runs the pipeline once per file (text → tree → AST → model → compiled
regimes) and then decides any number of candidates with no re-parsing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from ndrc_rules.audit.records import envelope, input_record, now, result_line
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import (
    RESIT_SUFFIX,
    BindingError,
    ResitOffer,
    ResitUnit,
    bind,
    resit_grades,
    resit_offer,
    resit_units,
)
from ndrc_rules.engine.evaluator import CompiledRegime, Evaluation
from ndrc_rules.engine.explain import (
    build_trace,
    figure_displays,
    resit_terms,
    resit_trace,
    stamp,
    verdict,
)
from ndrc_rules.engine.fasttrace import WriteRecord, compile_writer
from ndrc_rules.io.candidates import (
    JURY,
    JURY_REASON,
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
        self._writers: dict[str, WriteRecord | None] = {}  # compiled on first use
        self.stamp = stamp(program)
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
        if not self.covers(candidate):
            return _row_error(
                candidate, "C030", SESSION, session=candidate.session, versions=str(self.sessions)
            )
        compiled = self.regimes.get(fold(candidate.regime))
        if compiled is None:
            known = ", ".join(r.name for r in self.program.regimes)
            return _row_error(candidate, "C005", "regime", value=candidate.regime, known=known)
        try:
            evaluation = compiled.evaluate(bind(candidate, compiled.regime))
            rule = evaluation.rule
            offer = resit_offer(rule.resit, evaluation.units, rule.name) if rule.resit else None
            after = _after_resit(candidate, compiled, evaluation, offer)
            jury = self._jury(candidate)
        except BindingError as error:
            return _row_error(candidate, error.code, error.field, key=error.key, **error.args_)
        final = after[0] if after else evaluation
        fields = verdict(final.rule)
        if offer and not after:  # the terms as this candidate can meet them
            fields["resit"] = resit_terms(offer)
        decision = t.Decision(
            row=candidate.row,
            id=candidate.id,
            regime=compiled.regime.name,
            **fields,
            figures=figure_displays(final),
            ignored_columns=list(candidate.ignored),
            trace=build_trace(evaluation, compiled, self.program) if trace else None,
            resit_phase=after and resit_trace(evaluation, *after, compiled, self.program, trace),
            regulation=self.stamp,  # the replay stamps, with the trace that replays compare
            input=input_record(candidate) if trace else None,
            decided_at=(decided_at or now()) if trace else None,
        )
        return _overruled(decision, jury) if jury else decision

    def covers(self, candidate: Candidate) -> bool:
        """Whether this text may decide the candidate's session: a candidate with no
        `session` is decided (the caller vouches for it), one outside the sessions
        the file states (`session`, `derniere session`) never is (C030)."""
        return candidate.session is None or self.sessions.covers(candidate.session)

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
        if compiled and compiled.fast and self._plain(candidate):
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

    def _plain(self, candidate: Candidate) -> bool:
        """Whether the generated fast paths may take the candidate: nothing they
        leave to the general path (kept grades, a jury, a session outside the text)."""
        return not (candidate.kept or candidate.jury) and self.covers(candidate)

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
        if writer and self._plain(candidate):
            written = writer(candidate.grades, envelope(candidate, decided_at))
            if written is not None:
                return self.regimes[regime].regime.rules[written[0]].outcome.name, written[1]
        return result_line(self.try_decide(candidate, decided_at=decided_at))


class Verdict(NamedTuple):
    decision: str
    deciding_rule: str


class CandidateError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _overruled(decision: t.Decision, jury: t.JuryDecision) -> t.Decision:
    """The jury's decision replaces the proposal, which the record keeps with the rule
    that proposed it: the jury, not that rule, decided."""
    source = decision.deciding_rule_source
    assert source is not None, "a rule of the file made the proposal the jury overrules"
    proposal = t.Proposal(
        decision=decision.decision,
        label=decision.label,
        deciding_rule=decision.deciding_rule,
        deciding_rule_source=source,
        citation=decision.citation,
        resit=decision.resit,
    )
    return decision.model_copy(
        update={
            "decision": jury.outcome,
            "label": jury.label,
            "deciding_rule": JURY,
            "deciding_rule_source": None,
            "citation": None,
            "resit": None,
            "jury": jury,
            "proposal": proposal,
        }
    )


def _after_resit(
    candidate: Candidate,
    compiled: CompiledRegime,
    evaluation: Evaluation,
    offer: ResitOffer | None,
) -> tuple[Evaluation, tuple[ResitUnit, ...]] | None:
    """The decision after the resit, when the candidate has resit grades."""
    grades = resit_grades(candidate, compiled.regime)
    if not grades:
        return None
    column = next(iter(grades.values()))[0]
    if offer is None:
        raise BindingError("C020", column, outcome=evaluation.rule.outcome.name)
    if compiled.resit is None:
        raise BindingError("C021", column, regime=compiled.regime.name)
    units, chosen = resit_units(evaluation.units, grades, offer)
    return compiled.evaluate(units, resit=True), chosen


def _row_error(
    candidate: Candidate, code: str, field: str | None, *, key: str | None = None, **args: object
) -> RowError:
    return row_error(candidate.row, candidate.id, field, code, key=key, **args)
