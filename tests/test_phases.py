"""The exam's phases decided directly (`engine/phases`): main phase, épreuve de
contrôle with the units chosen and the better grade kept, the jury prevailing
with the proposal kept. Text in, phases and record out."""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import TWO_GROUPS

from ndrc_rules.api import loads
from ndrc_rules.engine import phases
from ndrc_rules.engine.binding import BindingError
from ndrc_rules.engine.evaluator import CompiledRegime
from ndrc_rules.io.candidates import Candidate, RowError, candidate_from_mapping
from ndrc_rules.language import core as m

TEXT = (
    TWO_GROUPS
    + """\
  chiffre moy "Moyenne" = moyenne de pro, gen
  regle admission "Admission"
    si moy >= 10 alors admis
  regle second_groupe "Second groupe"
    si moy >= 8 alors rattrapage (choix de 1 unites parmi gen)
  sinon ajourne
  apres controle
    chiffre moy "Moyenne" = moyenne de pro, gen
    regle admission "Admission"
      si moy >= 10 alors admis
    sinon ajourne
"""
)
REGULATION = loads(TEXT)
COMPILED: CompiledRegime = REGULATION.regimes["r"]
PROGRAM: m.Program = REGULATION.program
# moy = (2·10 + 6 + 6) / 4 = 8: sent to the resit.
RESIT = {"U4": "10", "U1": "6", "U2": "6"}


def candidate(**columns: str) -> Candidate:
    found = candidate_from_mapping(1, {"id": "c", "regime": "r", **columns})
    assert not isinstance(found, RowError), found
    return found


def decide(**columns: str) -> phases.Phases:
    return phases.decide(candidate(**columns), COMPILED, PROGRAM.outcomes)


def binding_error(**columns: str) -> tuple[str, str | None]:
    with pytest.raises(BindingError) as caught:
        decide(**columns)
    return caught.value.code, caught.value.field


def test_the_main_phase_alone_decides_without_resit_grades_or_jury() -> None:
    found = decide(U4="12", U1="10", U2="8")
    assert (found.main.rule.name, found.main.rule.outcome.name) == ("admission", "admis")
    assert (found.offer, found.resit, found.jury) == (None, None, None)
    assert found.proposing is found.main


def test_a_resit_offer_without_resit_grades_stays_the_decision() -> None:
    found = decide(**RESIT)
    assert found.main.rule.name == "second_groupe"
    assert found.offer is not None and (found.offer.count, found.offer.units) == (1, ("U1", "U2"))
    assert found.resit is None
    record = found.decision(candidate(**RESIT), COMPILED, PROGRAM, phases.Stamps(REGULATION.stamp))
    assert (record.decision, record.deciding_rule) == ("rattrapage", "second_groupe")
    assert record.resit is not None and record.resit.units == ["U1", "U2"]


def test_the_resit_keeps_the_better_grade_of_the_chosen_unit() -> None:
    found = decide(**RESIT, **{"U1.rattrapage": "14"})
    assert found.resit is not None
    [unit] = found.resit.chosen
    assert (unit.code, unit.initial.value, unit.kept.value) == ("U1", 6, 14)
    after = found.resit.evaluation
    assert after.figures["moy"] == Fraction(40, 4)  # (20 + 14 + 6) / 4
    assert (after.rule.name, after.phase is COMPILED.resit.phase) == ("admission", True)
    assert found.proposing is after


def test_a_lower_resit_grade_keeps_the_first_one() -> None:
    found = decide(**RESIT, **{"U2.rattrapage": "3"})
    assert found.resit is not None
    assert found.resit.chosen[0].kept.value == 6
    assert found.resit.evaluation.rule.name == "sinon"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"U4": "12", "U1": "10", "U2": "8", "U1.rattrapage": "14"}, ("C020", "U1.rattrapage")),
        ({**RESIT, "U4.rattrapage": "14"}, ("C019", "U4.rattrapage")),
        ({**RESIT, "U1.rattrapage": "14", "U2.rattrapage": "14"}, ("C018", "U1.rattrapage")),
        ({**RESIT, "jury": "recale", "jury_motif": "x"}, ("C028", "jury")),
        ({**RESIT, "jury": "admis"}, ("C029", "jury_motif")),
    ],
)
def test_phases_that_cannot_be_decided_say_why(
    columns: dict[str, str], expected: tuple[str, str | None]
) -> None:
    assert binding_error(**columns) == expected


def test_the_jury_prevails_and_the_record_keeps_the_proposal() -> None:
    columns = {**RESIT, "U1.rattrapage": "7", "jury": "ADMIS", "jury_motif": "Livret"}
    found = decide(**columns)
    assert found.jury is not None and (found.jury.outcome, found.jury.reason) == ("admis", "Livret")
    record = found.decision(
        candidate(**columns), COMPILED, PROGRAM, phases.Stamps(REGULATION.stamp)
    )
    assert (record.decision, record.deciding_rule, record.deciding_rule_source) == (
        "admis",
        "jury",
        None,
    )
    assert record.proposal is not None
    assert (record.proposal.decision, record.proposal.deciding_rule) == ("ajourne", "sinon")
    assert record.resit_phase is not None and record.resit_phase.initial_rule == "second_groupe"


def test_a_record_without_trace_carries_only_the_regulation_stamp() -> None:
    found = decide(**RESIT, **{"U1.rattrapage": "14"})
    stamps = phases.Stamps(REGULATION.stamp)
    record = found.decision(candidate(**RESIT), COMPILED, PROGRAM, stamps, trace=False)
    assert (record.trace, record.input, record.decided_at) == (None, None, None)
    assert record.resit_phase is not None and record.resit_phase.trace is None
    assert record.regulation == REGULATION.stamp


def test_the_facade_gives_the_record_the_phases_give() -> None:
    columns = {**RESIT, "U2.rattrapage": "15", "jury": "ajourne", "jury_motif": "Fraude"}
    at = "2026-07-01T10:00:00+00:00"
    facade = REGULATION.try_decide(candidate(**columns), decided_at=at)
    stamps = phases.Stamps(REGULATION.stamp, facade.input, at)  # type: ignore[union-attr]
    direct = decide(**columns).decision(candidate(**columns), COMPILED, PROGRAM, stamps)
    assert facade == direct
    assert (direct.decision, direct.proposal.decision) == ("ajourne", "admis")  # type: ignore[union-attr]


def test_the_facade_leaves_a_jury_to_the_general_path_on_every_way_out() -> None:
    """Plain grades the generated functions would decide, but a jury prevails: the
    facade's one choice of path sends the candidate to the phases."""
    columns = {"U4": "12", "U1": "10", "U2": "8", "jury": "ajourne", "jury_motif": "Fraude"}
    assert tuple(REGULATION.outcome(candidate(**columns))) == ("ajourne", "jury")
    outcome, line = REGULATION.record_line(candidate(**columns))
    assert outcome == "ajourne" and '"deciding_rule": "jury"' in line
    plain = candidate(U4="12", U1="10", U2="8")
    assert tuple(REGULATION.outcome(plain)) == ("admis", "admission")
