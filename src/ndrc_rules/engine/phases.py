"""The exam's phases: main phase → épreuve de contrôle → jury.

Between binding and the record: a candidate and its compiled regime in, what
each phase found out (`Phases`, or `BindingError` when a phase cannot be
decided); then the decision record built from them (`Phases.decision`). The
main rules decide first; a candidate they send to the resit and who gives resit
grades for the units they chose keeps the better grade of each, and the rules
after the resit decide; a jury's decision, recorded with its reason, prevails,
the record keeping the engine's proposal (D643-26).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ndrc_rules.common.columns import JURY, JURY_REASON
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import (
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
    verdict,
)
from ndrc_rules.io.candidates import Candidate
from ndrc_rules.language import core as m
from ndrc_rules.language.names import fold


@dataclass(frozen=True, slots=True)
class Resit:
    """The épreuve de contrôle as sat: the units chosen, each with the grade it kept
    (the better of the two), and the decision of the rules after the resit."""

    evaluation: Evaluation
    chosen: tuple[ResitUnit, ...]


@dataclass(frozen=True, slots=True)
class Stamps:
    """What a traced record carries besides the decision: the regulation that
    decided, the input row as read and the time of the decision."""

    regulation: t.RegulationStamp
    input: t.InputRecord | None = None  # None: a decision without trace
    decided_at: str | None = None


@dataclass(frozen=True, slots=True)
class Phases:
    """What each phase found for one candidate."""

    main: Evaluation
    offer: ResitOffer | None  # the resit the main rule offers this candidate, if any
    resit: Resit | None  # None: no resit grades were given
    jury: t.JuryDecision | None  # None: no jury decision is recorded

    @property
    def proposing(self) -> Evaluation:
        """The evaluation whose rule proposes the decision: after the resit, if sat."""
        return self.resit.evaluation if self.resit else self.main

    def decision(
        self,
        candidate: Candidate,
        compiled: CompiledRegime,
        program: m.Program,
        stamps: Stamps,
        *,
        trace: bool = True,
    ) -> t.Decision:
        """The decision record; `trace=False` leaves the traces out."""
        final = self.proposing
        fields = verdict(final.rule)
        if self.offer and not self.resit:  # the terms as this candidate can meet them
            fields["resit"] = resit_terms(self.offer)
        resit = self.resit
        decision = t.Decision(
            row=candidate.row,
            id=candidate.id,
            regime=compiled.regime.name,
            **fields,
            figures=figure_displays(final),
            ignored_columns=list(candidate.ignored),
            trace=build_trace(self.main, compiled, program) if trace else None,
            resit_phase=(
                resit_trace(self.main, resit.evaluation, resit.chosen, compiled, program, trace)
                if resit
                else None
            ),
            regulation=stamps.regulation,  # the replay stamps, with the trace replays compare
            input=stamps.input,
            decided_at=stamps.decided_at,
        )
        return overruled(decision, self.jury) if self.jury else decision


def decide(
    candidate: Candidate, compiled: CompiledRegime, outcomes: Sequence[m.OutcomeDef]
) -> Phases:
    """Every phase of the candidate's exam, in order; BindingError when one cannot
    be decided. `outcomes`: the regulation's, among which a jury decides."""
    main = compiled.evaluate(bind(candidate, compiled.regime))
    rule = main.rule
    offer = resit_offer(rule.resit, main.units, rule.name) if rule.resit else None
    return Phases(
        main, offer, after_resit(candidate, compiled, main, offer), jury(candidate, outcomes)
    )


def after_resit(
    candidate: Candidate, compiled: CompiledRegime, main: Evaluation, offer: ResitOffer | None
) -> Resit | None:
    """The épreuve de contrôle, when the candidate has resit grades: the units they
    chose, each keeping its better grade, decided by the rules after the resit."""
    grades = resit_grades(candidate, compiled.regime)
    if not grades:
        return None
    column = next(iter(grades.values()))[0]
    if offer is None:
        raise BindingError("C020", column, outcome=main.rule.outcome.name)
    if compiled.resit is None:
        raise BindingError("C021", column, regime=compiled.regime.name)
    units, chosen = resit_units(main.units, grades, offer)
    return Resit(compiled.evaluate(units, resit=True), chosen)


def jury(candidate: Candidate, outcomes: Sequence[m.OutcomeDef]) -> t.JuryDecision | None:
    """The jury's decision recorded for the candidate: an outcome of the regulation,
    with its reason."""
    if candidate.jury is None:
        return None
    outcome = next((o for o in outcomes if fold(o.name) == fold(candidate.jury)), None)
    if outcome is None:
        known = ", ".join(o.name for o in outcomes)
        raise BindingError("C028", JURY, value=candidate.jury, known=known)
    if not candidate.jury_reason:
        raise BindingError("C029", JURY_REASON)
    return t.JuryDecision(outcome=outcome.name, label=outcome.label, reason=candidate.jury_reason)


def overruled(decision: t.Decision, jury: t.JuryDecision) -> t.Decision:
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
