"""Candidate → unit values of one regime: the input side of evaluation.

Checks what only the regulation knows (which columns are units or parts,
which units may be exempted, which are compulsory) and turns markers and
parts into the value each unit contributes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from ndrc_rules.common.columns import KEPT_SUFFIX, RESIT_SUFFIX, SESSION, split_column
from ndrc_rules.common.numbers import short
from ndrc_rules.common.status import UnitStatus
from ndrc_rules.io.candidates import Candidate, Grade, Marker
from ndrc_rules.language.constructs import COMPARISONS
from ndrc_rules.language.core import RegimeDef, ResitDef, UnitDef
from ndrc_rules.language.names import fold


@dataclass(frozen=True, slots=True)
class PartValue:
    name: str
    status: UnitStatus
    value: Fraction | None


@dataclass(frozen=True, slots=True)
class UnitValue:
    status: UnitStatus
    value: Fraction | None  # what the unit contributes; None when it leaves averages
    parts: tuple[PartValue, ...] = ()
    kept_from: int | None = None  # session of a grade kept from an earlier session


class BindingError(Exception):
    """A candidate the regulation cannot decide: code, column and message args;
    `key` names the message when one code has several (C016: which value is zero)."""

    def __init__(
        self, code: str, field: str | None, /, *, key: str | None = None, **args: object
    ) -> None:
        super().__init__(code)
        self.code, self.field, self.args_ = code, field, args
        self.key = key or code


def bind(candidate: Candidate, regime: RegimeDef) -> dict[str, UnitValue]:
    """The value of every unit of `regime` for `candidate`, or BindingError."""
    whole, parts = _columns(candidate, regime)
    kept = kept_sessions(candidate, regime)
    try:
        values = {
            unit.code: _unit_value(unit, whole.get(unit.code), parts.get(unit.code, {}))
            for unit in regime.units
        }
    except BindingError as error:
        if error.code == "C008":
            groups = sorted({u.group for u in regime.units if u.exemptable})
            error.args_["groups"] = ", ".join(groups) or "—"
        raise
    for code, session in kept.items():  # rare: only for grades kept from earlier sessions
        values[code] = replace(values[code], kept_from=session)
    return values


def kept_sessions(candidate: Candidate, regime: RegimeDef) -> dict[str, int]:
    """Grades kept from earlier sessions, checked against the regime's terms: code → session."""
    if not candidate.kept:
        return {}
    first = next(iter(candidate.kept))
    policy = regime.kept
    if policy is None:
        raise BindingError("C027", first + KEPT_SUFFIX, regime=regime.name)
    session = candidate.session
    if session is None:
        raise BindingError("C025", SESSION, unit=first)
    units = {fold(u.code): u.code for u in regime.units}
    kept: dict[str, int] = {}
    for column, year in candidate.kept.items():
        code = units.get(fold(column))
        grade = candidate.grades.get(column)
        where = column + KEPT_SUFFIX
        if code is None:
            raise BindingError("C007", where, column=where, regime=regime.name)
        meets = COMPARISONS[policy.op].test
        if not isinstance(grade, Fraction) or not meets(grade, policy.threshold):
            required = f"{policy.op} {short(policy.threshold)}"
            raise BindingError("C022", column, unit=code, threshold=required, value=grade or "—")
        if year >= session:
            raise BindingError("C024", where, unit=code, year=year, session=session)
        if session - year > policy.years:
            raise BindingError(
                "C023", where, unit=code, year=year, session=session, sessions=policy.years
            )
        kept[code] = year
    return kept


def _columns(
    candidate: Candidate, regime: RegimeDef
) -> tuple[dict[str, tuple[str, Grade]], dict[str, dict[str, tuple[str, Grade]]]]:
    units = {fold(u.code): u for u in regime.units}
    whole: dict[str, tuple[str, Grade]] = {}
    parts: dict[str, dict[str, tuple[str, Grade]]] = {}
    for column, grade in candidate.grades.items():
        code, part = split_column(column)
        if fold(part) == RESIT_SUFFIX:
            continue  # read by `resit_units`
        unit = units.get(fold(code))
        if unit is None or (part and fold(part) not in {fold(p.name) for p in unit.parts}):
            raise BindingError("C007", column, column=column, regime=regime.name)
        if part:
            name = next(p.name for p in unit.parts if fold(p.name) == fold(part))
            parts.setdefault(unit.code, {})[name] = (column, grade)
        else:
            whole[unit.code] = (column, grade)
    return whole, parts


def _unit_value(
    unit: UnitDef, whole: tuple[str, Grade] | None, parts: dict[str, tuple[str, Grade]]
) -> UnitValue:
    if whole and parts:
        raise BindingError("C009", whole[0], unit=unit.code)
    if parts:
        return _from_parts(unit, parts)
    if whole is None:
        if unit.optional:
            return UnitValue(UnitStatus.NOT_TAKEN, None)
        raise BindingError("C006", unit.code, unit=unit.code)
    column, grade = whole
    if grade is Marker.DISP and not unit.exemptable:
        raise BindingError("C008", column, unit=unit.code)
    return _single(grade, optional=unit.optional)


def _single(grade: Grade, *, optional: bool) -> UnitValue:
    if isinstance(grade, Fraction):
        return UnitValue(UnitStatus.GRADED, grade)
    status = UnitStatus(grade)
    if not status.counts_zero:
        return UnitValue(status, None)
    # An absence counts 0 in averages; an absent optional unit simply adds nothing.
    return UnitValue(status, None if optional else Fraction(0))


def _from_parts(unit: UnitDef, given: dict[str, tuple[str, Grade]]) -> UnitValue:
    missing = [f"{unit.code}.{p.name}" for p in unit.parts if p.name not in given]
    if missing:
        raise BindingError("C010", missing[0], unit=unit.code, missing=", ".join(missing))
    values: list[PartValue] = []
    for part in unit.parts:
        column, grade = given[part.name]
        if grade is Marker.DISP:
            raise BindingError("C011", column, column=column)
        status = UnitStatus.GRADED if isinstance(grade, Fraction) else UnitStatus(grade)
        values.append(
            PartValue(part.name, status, grade if isinstance(grade, Fraction) else Fraction(0))
        )
    if any(v.status.absent for v in values):
        absent = None if unit.optional else Fraction(0)
        return UnitValue(UnitStatus.ABS, absent, tuple(values))
    total_weight = sum((p.weight for p in unit.parts), Fraction(0))
    mean = (
        sum(
            (
                p.weight * v.value
                for p, v in zip(unit.parts, values, strict=True)
                if v.value is not None
            ),
            Fraction(0),
        )
        / total_weight
    )
    return UnitValue(UnitStatus.GRADED, mean, tuple(values))


@dataclass(frozen=True, slots=True)
class ResitOffer:
    """The resit a candidate can really take: how many units, among which."""

    count: int
    units: tuple[str, ...]  # the units of the terms the candidate can choose
    exempted: tuple[str, ...]  # the units of the terms left out: the candidate is exempted
    required: int | None  # the count the rule states, when fewer units remain (all taken)


def resit_offer(terms: ResitDef, units: dict[str, UnitValue], rule: str) -> ResitOffer:
    """The terms of `rule` for this candidate: exempted units cannot be chosen. When
    fewer units remain than the rule requires, the regulation must say what then
    applies: `ou toutes les restantes` in the terms (C034); when none remain, a
    condition of the rule (C035). The engine never proposes a resit that cannot
    be taken."""
    choosable = tuple(c for c in terms.units if units[c].status.choosable)
    exempted = tuple(c for c in terms.units if c not in choosable)
    if len(choosable) >= terms.count:
        return ResitOffer(terms.count, choosable, exempted, None)
    args = {
        "rule": rule,
        "count": terms.count,
        "groups": ", ".join(terms.sets),
        "exempted": ", ".join(exempted),
    }
    # `key` given, so that mypy knows `args` holds only the message's arguments.
    if not choosable:
        raise BindingError("C035", None, key=None, **args)
    if not terms.remaining:
        raise BindingError("C034", None, key=None, units=", ".join(choosable), **args)
    return ResitOffer(len(choosable), choosable, exempted, terms.count)


@dataclass(frozen=True, slots=True)
class ResitUnit:
    """A unit chosen for the resit: its grade before, at the resit, and the one kept."""

    code: str
    initial: UnitValue
    resit: Grade
    kept: UnitValue


def resit_grades(candidate: Candidate, regime: RegimeDef) -> dict[str, tuple[str, Grade]]:
    """The `U1.rattrapage` columns, by unit code (C007 for a unit the regime lacks)."""
    units = {fold(u.code): u.code for u in regime.units}
    found: dict[str, tuple[str, Grade]] = {}
    for column, grade in candidate.grades.items():
        code, suffix = split_column(column)
        if fold(suffix) != RESIT_SUFFIX:
            continue
        if fold(code) not in units:
            raise BindingError("C007", column, column=column, regime=regime.name)
        found[units[fold(code)]] = (column, grade)
    return found


def resit_units(
    units: dict[str, UnitValue], grades: dict[str, tuple[str, Grade]], offer: ResitOffer
) -> tuple[dict[str, UnitValue], tuple[ResitUnit, ...]]:
    """The unit values after the resit, and what each chosen unit kept.

    Exactly as many units as the offer says, among its units. Each keeps the better of
    its initial and resit grades. An absence at the resit is no grade: the unit
    keeps its initial grade; an unjustified one (ABS) also marks the unit absent,
    for the rules after the resit (`ABS dans …`) to decide on.
    """
    allowed = ", ".join(offer.units)
    if len(grades) != offer.count:
        column = next(iter(grades.values()))[0] if grades else None
        raise BindingError("C018", column, count=len(grades), expected=offer.count, allowed=allowed)
    chosen = []
    for code, (column, grade) in grades.items():
        if code not in offer.units:
            raise BindingError("C019", column, unit=code, allowed=allowed)
        if grade is Marker.DISP:
            raise BindingError("C036", column, column=column)
        initial = units[code]
        chosen.append(ResitUnit(code, initial, grade, _better(initial, grade)))
    after = dict(units)
    after.update({unit.code: unit.kept for unit in chosen})
    return after, tuple(chosen)


def _better(initial: UnitValue, resit: Grade) -> UnitValue:
    if resit is Marker.ABS:
        return replace(initial, status=UnitStatus.ABS)
    if isinstance(resit, Fraction) and (initial.value is None or resit > initial.value):
        return UnitValue(UnitStatus.GRADED, resit)
    return initial
