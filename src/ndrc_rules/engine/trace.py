"""Decision and trace records: what the engine tells people and machines.

Pydantic models, serialised as JSON for machines and rendered by `render` for
people. Every exact value travels as text ('221/21'), never as a float, with a
display beside it (two truncated decimals, more where they would hide a
comparison: `numbers.shown`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class SourceRef(_Record):
    file: str
    line: int
    column: int


class CitationRecord(_Record):
    text: str
    source: str | None = None


class ImportStamp(_Record):
    path: str
    sha256: str


class RegulationStamp(_Record):
    """Which regulation text decided, and which engine: what a replay must find again."""

    path: str
    sha256: str
    diploma: str
    engine_version: str
    session: str | None = None  # the first session the regulation applies to
    last_session: str | None = None
    imports: list[ImportStamp] = []  # every imported file, with the SHA-256 of its text


class InputRecord(_Record):
    """The candidate's row as read, and the SHA-256 of its JSON text (`columns`
    written as json.dumps writes it, UTF-8): enough to decide it again."""

    sha256: str
    columns: dict[str, str | None]


class FormTrace(_Record):
    """An assessment form that applied to the candidate's regime, and where it is written
    (the unit's line, or the regime's `forme` override)."""

    kind: Literal["CCF", "EPFF"]
    part: str | None = None  # the part of the unit it assesses (`ecrit`), if not the whole
    modes: list[str] = []  # EPFF: 'ecrite', 'orale', 'pratique' (several when combined)
    situations: int | None = None  # CCF
    minutes: int | None = None  # EPFF: the duration of the épreuve
    preparation_minutes: int | None = None
    source: SourceRef


class PartTrace(_Record):
    name: str
    weight: str
    status: str
    value: str | None
    display: str | None


class UnitTrace(_Record):
    code: str
    title: str
    group: str
    coefficient: str | None
    status: Literal["note", "ABS", "ABJ", "DISP", "absente"]
    value: str | None
    display: str | None
    forms: list[FormTrace] = []  # how the unit (or each part) is assessed in the regime
    parts: list[PartTrace] = []
    kept_from: int | None = None  # a grade kept from this earlier session


class FigureInput(_Record):
    name: str
    value: str | None
    display: str | None
    note: str | None = None


class Quotient(_Record):
    """A figure that is a quotient, by its two sides before reduction, so that an
    auditor recomputes it by hand: 226 points over 21 coefficients, not only 226/21."""

    numerator: str  # exact
    denominator: str  # exact
    coefficients: bool  # the denominator is a sum of coefficients (a weighted mean)


class FigureTrace(_Record):
    name: str
    title: str | None
    expression: str
    value: str
    display: str
    unrounded: str | None = None  # the exact value before a stated rounding
    quotient: Quotient | None = None  # a mean or a division: its two sides
    inputs: list[FigureInput]
    source: SourceRef
    citation: CitationRecord | None = None


class Check(_Record):
    """One elementary test of a condition, with the values compared."""

    text: str
    left: str | None = None
    right: str | None = None
    result: bool


class ConditionTrace(_Record):
    text: str
    result: bool
    checks: list[Check]


class RuleTrace(_Record):
    name: str
    title: str | None
    outcome: str
    status: Literal["held", "failed", "excepted", "not_reached", "default"]
    source: SourceRef
    condition: ConditionTrace | None = None
    exceptions: list[ConditionTrace] = []
    citation: CitationRecord | None = None
    exception_citation: CitationRecord | None = None


class ResitTerms(_Record):
    """The resit the candidate can take: `count` units to choose among `units`."""

    count: int
    units: list[str]
    exempted: list[str] = []  # units of the rule's terms left out: the candidate is exempted
    required: int | None = None  # the rule's count, when fewer units remain and all are taken


class Trace(_Record):
    units: list[UnitTrace]
    figures: list[FigureTrace]
    rules: list[RuleTrace]
    regulation: RegulationStamp


class ResitUnitTrace(_Record):
    """A unit chosen for the resit: its grade before, at the resit, and the one kept."""

    code: str
    initial: str | None
    resit: str
    kept: str | None
    kept_status: str


class ResitPhaseTrace(_Record):
    """The second phase: what the candidate got before, the chosen units, the new trace."""

    initial_decision: str
    initial_label: str
    initial_rule: str
    units: list[ResitUnitTrace]
    trace: Trace | None = None  # None when decisions were asked for without traces


class Proposal(_Record):
    """What the engine proposed, when the jury decided: the rule that would have decided."""

    decision: str
    label: str
    deciding_rule: str
    deciding_rule_source: SourceRef
    citation: CitationRecord | None = None
    resit: ResitTerms | None = None


class JuryDecision(_Record):
    outcome: str
    label: str
    reason: str


class NeededGrade(_Record):
    """One better outcome reached by changing one input alone (`engine/nearmiss`)."""

    outcome: str  # 'admis'
    label: str  # 'Admis'
    rule: str | None  # the rule that would then decide; None when none can
    threshold: str | None  # exact boundary ('173/15'); None: no value of this input alone suffices
    inclusive: bool  # the boundary itself suffices (>=), not only values beyond it (>)
    grade: str | None  # the nearest grade in hundredths that suffices, exact ('577/50')
    display: str | None  # that grade with two decimals ('11.54')
    upward: bool = True  # the grade is above the current one (False: a lower grade would do)


class NearMissInput(_Record):
    """One input changed alone (a unit, a part or situation, a resit grade) and what
    each better outcome would have needed of it."""

    input: str  # the column changed: 'U2', 'U5.ecrit', 'U4.S1', 'U1.rattrapage'
    unit: str  # 'U2'
    title: str  # the unit's title (and the part's, for a part)
    current: str | None  # exact current value; None when absent (or not yet sat)
    current_display: str | None  # '9.00', or the marker 'ABS'
    needed: list[NeededGrade]  # one per better outcome, the next better first


class NearMiss(_Record):
    """What one phase would have needed for a better outcome, one input at a time."""

    phase: Literal["initial", "resit"]
    outcome: str  # the outcome this phase gave (for a resit not yet sat: with no better grade)
    label: str  # that outcome's label
    inputs: list[NearMissInput]
    unavailable: str | None = None  # why it could not be computed (catalogue text)
    # The resit not sat yet: each unit's resit grade alone, the other units chosen with
    # it (the first of the offer) keeping their initial grade.
    prospective: bool = False


class Decision(_Record):
    row: int | None
    id: str
    regime: str
    decision: str
    label: str
    deciding_rule: str  # `jury` when the jury decided: the rule is then in `proposal`
    deciding_rule_source: SourceRef | None  # None when the jury decided: no rule of the file
    citation: CitationRecord | None
    resit: ResitTerms | None
    figures: dict[str, str]
    ignored_columns: list[str] = []
    # The decision before the resit (the only one, without resit grades); None when
    # decisions were asked for without traces (they cost more than deciding).
    trace: Trace | None = None
    resit_phase: ResitPhaseTrace | None = None  # after the resit, when it took place
    jury: JuryDecision | None = None  # the jury's sovereign decision (D643-26), if recorded
    proposal: Proposal | None = None  # the engine's proposal, when the jury decided
    regulation: RegulationStamp | None = None
    input: InputRecord | None = None
    decided_at: str | None = None  # ISO 8601, UTC; the only field a replay may not find again
    # What a better outcome would have needed, per phase; only on request (explain, the
    # API's `near_miss=True`): eval's records and the store never carry it. Left out of
    # the model's own serialisation (no Python serializer runs while records are written:
    # one would turn a Ctrl-C into pydantic's error); `records.explained` adds it for
    # explain's JSON, which `replay` decides again with it.
    near_miss: list[NearMiss] | None = Field(
        default=None,
        exclude=True,
        description="What one input alone would have needed for each better outcome, per"
        " phase (the engine's proposal's); only in `explain` and the Python API's"
        " `decide(near_miss=True)`: eval's records and the store never carry it (replay"
        " decides it again in explain's JSON).",
    )


class RowErrorDetail(_Record):
    code: str
    field: str | None
    message: str


class ErrorRecord(_Record):
    """The JSON object of a row that could not be decided."""

    row: int
    id: str | None
    error: RowErrorDetail
