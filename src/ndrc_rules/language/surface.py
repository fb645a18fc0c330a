"""The surface AST: what a .reg file says, as typed immutable nodes.

Produced by `builder` from the Lark tree; consumed by `checker`. Every node
keeps the span of the text it came from. Names are kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ndrc_rules.language.constructs import AggregateKind
from ndrc_rules.language.source import Span


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Citation:
    text: str
    source: str | None
    span: Span


# ------------------------------------------------------------ declarations
@dataclass(frozen=True, slots=True)
class Diploma:
    code: Name
    title: str
    rncp: Number | None
    level: Number | None
    source: str | None
    session: Number | None
    span: Span
    last_session: Number | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    name: Name
    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class Duration:
    minutes: int
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Ccf:
    situations: Number
    span: Span


@dataclass(frozen=True, slots=True)
class Epff:
    modes: tuple[Name, ...]  # `ecrite`, `orale`, `pratique`; several: `orale et pratique`
    duration: Duration
    preparation: Duration | None
    span: Span


Form = Ccf | Epff


@dataclass(frozen=True, slots=True)
class Part:
    name: Name
    title: str | None
    coefficient: Number
    forms: tuple[Form, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Unit:
    code: Name
    title: str | None
    coefficient: Number | None
    forms: tuple[Form, ...]
    parts: tuple[Part, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Group:
    name: Name
    title: str | None
    optional: bool
    exemptable: bool
    units: tuple[Unit, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class KeptGrades:
    """`benefice des notes >= 10 pendant 5 ans`."""

    op: str
    threshold: Number
    years: Number
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class FormOverride:
    unit: Name
    forms: tuple[Form, ...]
    span: Span


# ------------------------------------------------------------- expressions
@dataclass(frozen=True, slots=True)
class Literal:
    value: Number
    span: Span


@dataclass(frozen=True, slots=True)
class Reference:
    name: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate over units (`constructs.AGGREGATES` says what each kind means)."""

    kind: AggregateKind
    units: tuple[Name, ...]
    threshold: Number | None
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of + - * /
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    span: Span


Expr = Literal | Reference | Aggregate | Binary | Negate


# -------------------------------------------------------------- conditions
@dataclass(frozen=True, slots=True)
class Comparison:
    op: str  # one of >= <= > < = !=
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Between:
    value: Expr
    low: Expr
    low_inclusive: bool
    high: Expr
    high_inclusive: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Absence:
    units: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # 'et' or 'ou'
    left: Condition
    right: Condition
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    span: Span


Condition = Comparison | Between | Absence | Logical | Not


# ------------------------------------------------------------------- rules
@dataclass(frozen=True, slots=True)
class ResitTerms:
    count: Number
    among: tuple[Name, ...]
    span: Span
    remaining: bool = False  # `ou toutes les restantes`: fewer units left, all of them


@dataclass(frozen=True, slots=True)
class Conclusion:
    outcome: Name
    resit: ResitTerms | None
    span: Span


@dataclass(frozen=True, slots=True)
class Exception_:
    condition: Condition
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    name: Name
    title: str | None
    condition: Condition | None
    conclusion: Conclusion | None
    exceptions: tuple[Exception_, ...]
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class Default:
    conclusion: Conclusion
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class Rounding:
    mode: str  # 'arrondi' (nearest, halves up) or 'tronque' (towards zero)
    decimals: Number
    span: Span


@dataclass(frozen=True, slots=True)
class Figure:
    name: Name
    title: str | None
    expr: Expr
    rounding: Rounding | None
    citation: Citation | None
    span: Span


RegimeItem = Group | FormOverride | KeptGrades | Figure | Rule | Default


@dataclass(frozen=True, slots=True)
class Regime:
    """A regime, or a model (`modele`) that regimes reuse and no candidate belongs to."""

    name: Name
    title: str | None
    base: Name | None
    items: tuple[RegimeItem, ...]
    span: Span
    model: bool = False
    resit: tuple[Figure | Rule | Default, ...] | None = None  # after `apres controle`
    resit_span: Span | None = None  # where `apres controle` stands


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class ExampleGrade:
    column: Name  # a candidate file's column: U1, U5.ecrit, U1.rattrapage, session, jury…
    value: str  # as written: a number, a marker, a name, or a quoted text's content
    span: Span
    quoted: bool = False  # the value was a quoted text (`jury_motif "…"`)


@dataclass(frozen=True, slots=True)
class AfterResit:
    """`apres controle` after an example's `attendu`: the rules after the resit decide."""

    span: Span


@dataclass(frozen=True, slots=True)
class Example:
    """An example candidate and the decision the regulation must give it."""

    name: Name
    title: str | None
    regime: Name
    grades: tuple[ExampleGrade, ...]
    outcome: Name
    rule: Name | None
    span: Span
    after_resit: AfterResit | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A whole .reg file."""

    diplomas: tuple[Diploma, ...]
    outcomes: tuple[Outcome, ...]
    regimes: tuple[Regime, ...]
    examples: tuple[Example, ...]
    span: Span
    imports: tuple[Import, ...] = ()
