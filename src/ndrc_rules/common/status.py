"""The statuses every stage speaks of: a unit's, a rule's, an outcome's, an undecided row's.

One vocabulary, read by binding, the evaluator, the prover, the trace and its
rendering. Each is a `StrEnum`: the text written in records and JSON is the
member's value, byte for byte. A unit's properties (whether it counts in
averages, counts 0, is what `ABS dans …` finds, may be chosen for the resit)
are stated here once; kept and resit grades are not statuses but annotations
of a unit's value (the session it was kept from, the resit phase).
"""

from __future__ import annotations

from enum import StrEnum

ERROR = "erreur"  # the outcome counted for a row that could not be decided


class UnitStatus(StrEnum):
    """What a candidate's unit is, once bound: graded, a marker, or not taken."""

    GRADED = "note"
    ABS = "ABS"  # unjustified absence
    ABJ = "ABJ"  # justified absence
    DISP = "DISP"  # exempted
    NOT_TAKEN = "absente"  # an optional unit the candidate did not take

    @property
    def counts(self) -> bool:
        """Whether a compulsory unit with this status enters averages."""
        return self not in {UnitStatus.DISP, UnitStatus.NOT_TAKEN}

    @property
    def counts_zero(self) -> bool:
        """Whether a compulsory unit with this status enters averages as 0 (an
        optional one adds nothing)."""
        return self in {UnitStatus.ABS, UnitStatus.ABJ}

    @property
    def absent(self) -> bool:
        """Whether `ABS dans …` finds the unit: the regulation's rules decide what an
        unjustified absence does to the diploma."""
        return self is UnitStatus.ABS

    @property
    def choosable(self) -> bool:
        """Whether the unit may be chosen for the resit (an exempted one may not)."""
        return self is not UnitStatus.DISP


MARKERS = frozenset({UnitStatus.ABS, UnitStatus.ABJ, UnitStatus.DISP})  # written in a grade's place


class RuleStatus(StrEnum):
    """What examining a rule found, in the order rules are examined."""

    HELD = "held"
    FAILED = "failed"
    EXCEPTED = "excepted"
    DEFAULT = "default"
    NOT_REACHED = "not_reached"

    @property
    def decides(self) -> bool:
        """Whether the rule decided: it held, or it is the default."""
        return self in {RuleStatus.HELD, RuleStatus.DEFAULT}


class OutcomeTone(StrEnum):
    """How an outcome a regulation declares reads: read from the rules that give it
    (`core.outcome_tones`), never from its name."""

    PASSED = "passed"
    RESIT = "resit"
    FAILED = "failed"
