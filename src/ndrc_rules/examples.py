"""Example candidates replayed: the stage behind `ndrc-rules test`.

A regulation file may state `exemple` candidates with the decision it must
give them. Once `api` has compiled the file, `run_examples` decides each
example as a candidate (through `candidates` and `Regulation.try_decide`, as
any input row), compares the decision (outcome, deciding rule, phase) with
the expected one, and lists, per regime, the rules that no example reaches,
before and after the resit. `render.examples_report` shows the
report; a caller exits non-zero when `report.ok` is false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ndrc_rules.api import Regulation, RegulationError, load
from ndrc_rules.engine import trace as t
from ndrc_rules.io.candidates import ID, REGIME, Candidate, RowError, candidate_from_mapping
from ndrc_rules.language import core as m
from ndrc_rules.language.source import Span


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One example: what the file expects and what the engine decided (or why it could not)."""

    name: str
    title: str | None
    regime: str
    span: Span
    expected_outcome: str
    expected_rule: str | None  # None: any deciding rule will do
    result: t.Decision | RowError
    expected_after_resit: bool = False  # the rules after the resit must have decided

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def decision(self) -> t.Decision | None:
        return self.result if isinstance(self.result, t.Decision) else None

    @property
    def error(self) -> RowError | None:
        return self.result if isinstance(self.result, RowError) else None

    @property
    def actual_outcome(self) -> str | None:
        return self.decision.decision if self.decision else None

    @property
    def actual_rule(self) -> str | None:
        return self.decision.deciding_rule if self.decision else None

    @property
    def actual_after_resit(self) -> bool:
        """Whether the rules after the resit decided (the candidate had resit grades)."""
        return bool(self.decision and self.decision.resit_phase)

    @property
    def passed(self) -> bool:
        """Same outcome, in the same phase and, when the example names one, by the
        same deciding rule."""
        return (
            self.actual_outcome == self.expected_outcome
            and self.expected_rule in (None, self.actual_rule)
            and self.expected_after_resit == self.actual_after_resit
        )

    def reached(self) -> tuple[set[str], set[str]]:
        """The rules this example reached: (before the resit, after the resit).

        The rule that proposed the decision counts even when the jury decided; a
        candidate who took the resit reached the rule that sent them to it."""
        decision = self.decision
        if decision is None:
            return set(), set()
        rule = decision.proposal.deciding_rule if decision.proposal else decision.deciding_rule
        if decision.resit_phase is None:
            return {rule}, set()
        return {decision.resit_phase.initial_rule}, {rule}


@dataclass(frozen=True, slots=True)
class RegimeCoverage:
    """The rules of one regime, in order (default `sinon` last), and those no example
    reaches; the same for its rules after the resit (`apres controle`), if any."""

    regime: str
    rules: tuple[str, ...]
    unreached: tuple[str, ...]
    resit_rules: tuple[str, ...] = ()
    resit_unreached: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unreached and not self.resit_unreached


@dataclass(frozen=True, slots=True)
class ExampleReport:
    """Every example of one regulation file, in file order, and the rule coverage."""

    path: str
    results: tuple[ExampleResult, ...]
    coverage: tuple[RegimeCoverage, ...]

    @property
    def failures(self) -> tuple[ExampleResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    @property
    def passed_count(self) -> int:
        return len(self.results) - len(self.failures)

    @property
    def ok(self) -> bool:
        """No example failed (an unreached rule is reported, not a failure)."""
        return not self.failures

    @property
    def complete(self) -> bool:
        """Every rule of every regime, after the resit too, is the deciding rule of some
        example."""
        return all(c.complete for c in self.coverage)


def run_examples(regulation: Regulation) -> ExampleReport:
    """Decide every example of the regulation and compare with what it expects."""
    program = regulation.program
    results = tuple(_run(regulation, example) for example in program.examples)
    return ExampleReport(program.path, results, _coverage(program, results))


def run_files(
    paths: Iterable[str | Path],
) -> list[tuple[Path, ExampleReport | RegulationError]]:
    """Each file's report, or its diagnostics when it does not check.

    A file that cannot be read (missing, not UTF-8) raises, as `load` does.
    """
    reports: list[tuple[Path, ExampleReport | RegulationError]] = []
    for path in map(Path, paths):
        try:
            reports.append((path, run_examples(load(path))))
        except RegulationError as error:
            reports.append((path, error))
    return reports


def _run(regulation: Regulation, example: m.ExampleDef) -> ExampleResult:
    candidate = _candidate(example)
    result = candidate if isinstance(candidate, RowError) else regulation.try_decide(candidate)
    return ExampleResult(
        name=example.name,
        title=example.title,
        regime=example.regime,
        span=example.span,
        expected_outcome=example.outcome,
        expected_rule=example.rule,
        result=result,
        expected_after_resit=example.after_resit,
    )


def _candidate(example: m.ExampleDef) -> Candidate | RowError:
    """The example as an input row: id = its name; its row number is its line in the file."""
    row = {ID: example.name, REGIME: example.regime, **dict(example.grades)}
    return candidate_from_mapping(example.span.line, row)


def _coverage(program: m.Program, results: tuple[ExampleResult, ...]) -> tuple[RegimeCoverage, ...]:
    reached: dict[str, tuple[set[str], set[str]]] = {}
    for result in results:
        before, after = reached.setdefault(result.regime, (set(), set()))
        first, second = result.reached()
        before |= first
        after |= second
    coverage = []
    for regime in program.regimes:
        before, after = reached.get(regime.name, (set(), set()))
        rules = tuple(rule.name for rule in regime.rules)
        resit = tuple(rule.name for rule in regime.resit.rules) if regime.resit else ()
        coverage.append(
            RegimeCoverage(
                regime.name,
                rules,
                tuple(r for r in rules if r not in before),
                resit,
                tuple(r for r in resit if r not in after),
            )
        )
    return tuple(coverage)
