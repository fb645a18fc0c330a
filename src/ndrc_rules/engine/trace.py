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


class FigureTrace(_Record):
    name: str
    title: str | None
    expression: str
    value: str
    display: str
    unrounded: str | None = None  # the exact value before a stated rounding
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
    """A grade of one input that alone would have given a better outcome."""

    outcome: str
    label: str
    rule: str | None
    threshold: str | None  # exact boundary ('173/15'); None: no grade of this input alone suffices
    inclusive: bool  # the boundary itself suffices (>=), not only grades above it (>)
    grade: str | None  # smallest sufficient grade in hundredths, exact text
    display: str | None  # '11.54'


class NearMissInput(_Record):
    input: str
    unit: str
    title: str
    current: str | None
    current_display: str | None
    needed: list[NeededGrade]


class NearMiss(_Record):
    """« Ce qu'il aurait fallu »: per input, the grade that alone would have sufficed."""

    phase: Literal["initial", "resit"]
    outcome: str
    inputs: list[NearMissInput]
    unavailable: str | None = None


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
    # « Ce qu'il aurait fallu », filled on request for papers; not part of the record.
    near_miss: list[NearMiss] | None = Field(default=None, exclude=True)


class RowErrorDetail(_Record):
    code: str
    field: str | None
    message: str


class ErrorRecord(_Record):
    """The JSON object of a row that could not be decided."""

    row: int
    id: str | None
    error: RowErrorDetail
