"""The core model: a checked, resolved regulation, ready to compile.

Produced by `checker` from the surface AST; each regime is complete (inherited
parts expanded, exceptions attached, figures in dependency order), so the
evaluator never looks anything up by name in the source. Every node keeps its
span (the text it was built from: what run-time errors and traces point at) and,
where the file gives one, the regulation sentence it implements. Only the
containers (`PhaseDef`, `Program`) have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from ndrc_rules.common.status import OutcomeTone
from ndrc_rules.language.constructs import AggregateKind
from ndrc_rules.language.source import Span


@dataclass(frozen=True, slots=True)
class Citation:
    text: str
    source: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Form:
    """An assessment form, described for people: 'CCF, 2 situations' …"""

    kind: str  # 'CCF' or 'EPFF'
    modes: tuple[str, ...]  # for EPFF: 'ecrite', 'orale', 'pratique' (several when combined)
    situations: int | None
    minutes: int | None
    preparation_minutes: int | None
    span: Span  # where it is written: the unit's line, or the regime's `forme` override


@dataclass(frozen=True, slots=True)
class PartDef:
    name: str
    title: str | None
    weight: Fraction
    forms: tuple[Form, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class UnitDef:
    code: str
    title: str
    group: str
    coefficient: Fraction | None  # None for optional units
    optional: bool
    exemptable: bool
    forms: tuple[Form, ...]
    parts: tuple[PartDef, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class GroupDef:
    name: str
    title: str | None
    units: tuple[str, ...]
    span: Span


# ------------------------------------------------------------- expressions
@dataclass(frozen=True, slots=True)
class Const:
    value: Fraction
    span: Span


@dataclass(frozen=True, slots=True)
class UnitGrade:
    code: str
    span: Span


@dataclass(frozen=True, slots=True)
class FigureRef:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Over units; what each kind means is in `constructs.AGGREGATES`."""

    kind: AggregateKind
    units: tuple[str, ...]
    sets: tuple[str, ...]  # the names as written (groups or units), for people
    threshold: Fraction | None
    span: Span

    def __post_init__(self) -> None:
        if not isinstance(self.kind, AggregateKind):
            raise TypeError(f"not an aggregate kind: {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: str  # + - * /
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Negative:
    operand: Expr
    span: Span


Expr = Const | UnitGrade | FigureRef | Aggregate | Arithmetic | Negative


# -------------------------------------------------------------- conditions
@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # >= <= > < = !=
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class InRange:
    value: Expr
    low: Expr
    low_inclusive: bool
    high: Expr
    high_inclusive: bool
    span: Span


@dataclass(frozen=True, slots=True)
class AnyAbsent:
    units: tuple[str, ...]
    sets: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple[Cond, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Any_:
    operands: tuple[Cond, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Negation:
    operand: Cond
    span: Span


Cond = Compare | InRange | AnyAbsent | All | Any_ | Negation


def walk(node: Expr | Cond) -> Iterator[Expr | Cond]:
    """The node and every expression or condition inside it, outermost first."""
    yield node
    match node:
        case Arithmetic(left=left, right=right) | Compare(left=left, right=right):
            children: tuple[Expr | Cond, ...] = (left, right)
        case InRange(value=value, low=low, high=high):
            children = (value, low, high)
        case All(operands=operands) | Any_(operands=operands):
            children = operands
        case Negative(operand=operand) | Negation(operand=operand):
            children = (operand,)
        case _:
            children = ()
    for child in children:
        yield from walk(child)


# ------------------------------------------------------------------- rules
@dataclass(frozen=True, slots=True)
class OutcomeDef:
    name: str
    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class ResitDef:
    count: int
    units: tuple[str, ...]
    sets: tuple[str, ...]
    span: Span
    remaining: bool = False  # fewer units left to choose (others exempted): all of them


@dataclass(frozen=True, slots=True)
class ExceptionDef:
    condition: Cond
    citation: Citation | None
    span: Span


DEFAULT_RULE = "sinon"  # the name of the default outcome among a phase's rules


@dataclass(frozen=True, slots=True)
class RuleDef:
    """A decision rule; the default outcome is a rule with no condition."""

    name: str
    title: str | None
    condition: Cond | None
    exceptions: tuple[ExceptionDef, ...]
    outcome: OutcomeDef
    resit: ResitDef | None
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class Rounding:
    mode: str  # 'arrondi' (nearest, halves up) or 'tronque' (towards zero)
    decimals: int
    span: Span


@dataclass(frozen=True, slots=True)
class FigureDef:
    name: str
    title: str | None
    expr: Expr
    rounding: Rounding | None  # None: exact, the default
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class KeptGradesDef:
    """Grades kept from an earlier session: which (op threshold) and for how long."""

    op: str
    threshold: Fraction
    years: int
    citation: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class PhaseDef:
    """The figures (in dependency order) and rules (default last) of one phase."""

    figures: tuple[FigureDef, ...]
    rules: tuple[RuleDef, ...]


@dataclass(frozen=True, slots=True)
class RegimeDef:
    name: str
    title: str | None
    base: str | None
    units: tuple[UnitDef, ...]
    groups: tuple[GroupDef, ...]
    figures: tuple[FigureDef, ...]  # in dependency order
    rules: tuple[RuleDef, ...]  # in order; the last is the default
    span: Span
    resit: PhaseDef | None = None  # after the resit (épreuves de contrôle), if stated
    kept: KeptGradesDef | None = None  # None: grades from earlier sessions are not kept


@dataclass(frozen=True, slots=True)
class DiplomaDef:
    code: str
    title: str
    rncp: str | None
    level: str | None
    source: str | None
    session: str | None  # the first session it applies to
    last_session: str | None = None  # the last one; None: until a new version
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ExampleDef:
    """An example candidate written in the file, with its expected decision."""

    name: str
    title: str | None
    regime: str
    grades: tuple[tuple[str, str], ...]  # column → value as written
    outcome: str
    rule: str | None
    span: Span
    after_resit: bool = False  # the rules after the resit must decide


@dataclass(frozen=True, slots=True)
class Program:
    """A whole checked regulation file."""

    path: str
    sha256: str
    diploma: DiplomaDef
    outcomes: tuple[OutcomeDef, ...]
    regimes: tuple[RegimeDef, ...]
    examples: tuple[ExampleDef, ...] = ()
    imports: tuple[tuple[str, str], ...] = ()  # (path, sha256) of every imported file


def outcome_tones(program: Program) -> dict[str, OutcomeTone]:
    """How each outcome the rules give reads: the default's (`sinon`) is a failure,
    one with resit terms a resit, any other a pass; given several ways, the later
    of these wins."""
    tones: dict[str, OutcomeTone] = {}
    for regime in program.regimes:
        for rule in (*regime.rules, *(regime.resit.rules if regime.resit else ())):
            name, tone = rule.outcome.name, _tone(rule)
            tones[name] = max(tones.get(name, tone), tone, key=_TONES.index)
    return tones


_TONES = list(OutcomeTone)  # in the order they win


def _tone(rule: RuleDef) -> OutcomeTone:
    if rule.condition is None:
        return OutcomeTone.FAILED
    return OutcomeTone.RESIT if rule.resit else OutcomeTone.PASSED
