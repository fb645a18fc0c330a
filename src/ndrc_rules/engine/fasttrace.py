"""Core regime → generated function writing a whole decision record as JSON.

The traced counterpart of `fastpath`: for the same common candidates (plain
grades with at most two decimals), one generated function computes every
figure and every check in integers and writes the decision record, trace
included, as the very text `json.dumps(record, ensure_ascii=False)` gives for
the decision built by `explain` (the tests compare them byte for byte).

The writer decides nothing of what the record shows: `explain` builds the
trace, as for the general path, from the placeholders the writer supplies
(`_Holes`, an `explain.Fill`): markers where the candidate's values go, text
where the generator knows it in advance. What does not depend on the candidate
(titles, citations, sources, the rules in words) is thus serialised once: the
models are dumped and the JSON text is cut at the markers into static pieces.
The function only joins those pieces with values, most of them cached. No text of
a `.reg` file enters the generated source: the pieces are passed in the tuple
`S` and indexed; every identifier in the source is generated.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any, cast

from ndrc_rules.common.numbers import shown
from ndrc_rules.common.status import RuleStatus, UnitStatus
from ndrc_rules.engine import trace as t
from ndrc_rules.engine.binding import UnitValue
from ndrc_rules.engine.explain import (
    Model,
    Texts,
    compared_constants,
    grade_texts,
    quotient_sides,
    rule_trace,
    side_thresholds,
    stamp,
    trace,
    unit_input,
    unit_trace,
    verdict,
)
from ndrc_rules.engine.fastpath import CROSS, NotFast, _Generator
from ndrc_rules.language import core as m

# record(grades, envelope) -> (deciding rule index, JSON text) | None, where
# envelope holds the JSON texts of the fields the candidate gives.
WriteRecord = Callable[[Mapping[str, object], tuple[str, ...]], tuple[int, str] | None]
ENVELOPE = ("row", "id", "ignored_columns", "input", "decided_at")

# A marker stands for a whole JSON value ("\x01n\x01", quotes included once
# dumped) or for text inside a JSON string ("\x00n\x00"); n numbers a slot.
_MARKER = re.compile(r'"\\u0001(\d+)\\u0001"|\\u0000(\d+)\\u0000')
_LITERAL = re.compile(r"\(?(-?\d+)\)?")
_CACHE_LIMIT = 1 << 16

Json = Any  # a model dump, with markers


def compile_writer(regime: m.RegimeDef, program: m.Program) -> WriteRecord | None:
    """The generated record writer of a regime, or None if it has no fast path."""
    writer = _Writer(regime, program)
    try:
        source = writer.source()
    except NotFast:
        return None
    namespace = writer.namespace()
    exec(compile(source, f"<ndrc-rules:{regime.name}:record>", "exec"), namespace)
    return cast(WriteRecord, namespace["record"])  # the function the source defines


class _Writer(_Generator):
    """Writes `record(g, e)` for one regime (see `WriteRecord`)."""

    signature = "record(g, e)"

    def __init__(self, regime: m.RegimeDef, program: m.Program) -> None:
        super().__init__(regime)
        self.program = program
        self.static: list[str] = []
        self.values: list[str] = []  # marker number → Python expression of its text
        self.formatted: dict[str, str] = {}  # figure → the variable of its (exact, display)
        self.quotients: dict[str, tuple[str, str, bool]] = {}  # figure → its sides' variables
        self.known = compared_constants(regime.rules)  # what each name is compared with
        self.compared: list[frozenset[Fraction]] = [frozenset()]  # index → thresholds
        self.results: dict[int, str] = {}  # id(condition) → its boolean
        self.read: set[int] = set()  # the slots of the units figures read
        self.numbers: dict[int, tuple[str, str]] = {}  # id(expression) → its (n, d)
        self.evaluated: list[object] = []  # keeps the nodes alive, so that ids stay unique

    def namespace(self) -> dict[str, object]:
        units = self.regime.units
        unit_json: list[dict[int | None, str]] = [{} for _ in units]
        input_json: list[dict[int | None, str]] = [{} for _ in units]
        return {
            "Fraction": Fraction,
            "S": tuple(self.static),
            "B": ("false", "true"),
            "F": _formatter(tuple(self.compared)),
            "N": _sides(tuple(self.compared)),
            "U": _filler(unit_json, [_by_grade(partial(unit_trace, u)) for u in units]),
            "I": _filler(
                input_json,
                [_by_grade(partial(_unit_input, u)) for u in units],
            ),
            **{f"uj{i}": cache for i, cache in enumerate(unit_json)},
            **{f"ij{i}": cache for i, cache in enumerate(input_json)},
        }

    # --- values ----------------------------------------------------------------------
    def number(self, expr: m.Expr) -> tuple[str, str]:
        """Computed once, up front: the text of a check reuses the value, emits nothing."""
        if id(expr) not in self.numbers:
            self.numbers[id(expr)] = super().number(expr)
            self.evaluated.append(expr)
        return self.numbers[id(expr)]

    def figure(self, figure: m.FigureDef) -> None:
        super().figure(figure)
        pair = self.figures[figure.name]
        name = self.fresh("f")
        index = self.thresholds(self.known.get(figure.name, frozenset()))
        self.emit(f"    {name} = F({pair[0]}, {pair[1]}, {index})")
        self.formatted[figure.name] = name
        sides = quotient_sides(figure.expr)
        if sides is not None:  # its two sides' exact texts, computed with the figure
            texts = [self.fresh("q") for _ in range(2)]
            for text, side in zip(texts, sides[:2], strict=False):
                self.emit(f"    {text} = F(*{self.pair(side)})[0]")
            self.quotients[figure.name] = (texts[0], texts[1], sides[2])

    def pair(self, expr: m.Expr) -> str:
        """An expression's (n, d) as the source of a tuple."""
        numerator, denominator = self.number(expr)
        return f"({numerator}, {denominator})"

    def thresholds(self, compared: frozenset[Fraction]) -> int:
        """The index of a set of thresholds in the tuple the generated code reads."""
        if compared not in self.compared:
            self.compared.append(compared)
        return self.compared.index(compared)

    def side(self, expr: m.Expr, *others: m.Expr) -> str:
        """Display text of a compared value, as `explain` shows it (`numbers.shown`):
        static for constants, else a marker; at run time only where it must be."""
        known = side_thresholds(expr, self.known)
        pair, pairs = self.number(expr), [self.number(o) for o in others]
        value, values = _literal(pair), [_literal(p) for p in pairs]
        if value is not None and (all(v is not None for v in values) or value * 100 % 1 == 0):
            return shown(value, known | {v for v in values if v is not None})
        if all(isinstance(o, m.Const) for o in others):  # told apart from its constants
            if isinstance(expr, m.FigureRef):
                return self.inside(f"{self.formatted[expr.name]}[1]")
            return self.inside(f"F({pair[0]}, {pair[1]}, {self.thresholds(known)})[1]")
        flat = ", ".join(part for p in pairs for part in p)
        return self.inside(f"N({self.thresholds(known)}, {pair[0]}, {pair[1]}, {flat})")

    def whole(self, expression: str) -> str:
        self.values.append(expression)
        return f"\x01{len(self.values) - 1}\x01"

    def inside(self, expression: str) -> str:
        self.values.append(expression)
        return f"\x00{len(self.values) - 1}\x00"

    # --- conditions: every result computed up front, its text joined only if shown ----
    def decisions(self) -> None:
        start = len(self.lines)
        for rule in self.regime.rules:
            for cond in _conditions(rule):
                self.result(cond)
        for index, rule in enumerate(self.regime.rules):
            self.decision(index, rule)
        inputs = [f"    w{i} = ij{i}.get(v{i}) or I({i}, v{i})" for i in sorted(self.read)]
        self.lines[start:start] = inputs  # each unit the figures read, as they show it, once

    def result(self, cond: m.Cond) -> str:
        """The name of a variable holding the condition's outcome."""
        name = self.fresh("c")
        match cond:
            case m.Compare(op=op, left=left, right=right):
                test = self.compare(self.number(left), CROSS[op], self.number(right))
            case m.InRange():
                test = self.condition(cond)
            case m.AnyAbsent():
                test = "False"  # markers never reach the fast path
            case m.All(operands=operands) | m.Any_(operands=operands):
                word = " and " if isinstance(cond, m.All) else " or "
                test = word.join(self.result(o) for o in operands)
            case m.Negation(operand=operand):
                test = f"not {self.result(operand)}"
            case _:
                raise NotFast(cond)
        self.emit(f"    {name} = {test}")
        self.results[id(cond)] = name
        self.evaluated.append(cond)
        return name

    # --- the rules, in order: the first that holds returns the record ------------------
    def decision(self, index: int, rule: m.RuleDef) -> None:
        if rule.condition is None:
            self.emit(f"    return {index}, {self.record(index, RuleStatus.DEFAULT)}")
            return
        holds = self.results[id(rule.condition)]
        excepted = [self.results[id(e.condition)] for e in rule.exceptions]
        if excepted:
            self.emit(f"    if {holds} and not ({' or '.join(excepted)}):")
        else:
            self.emit(f"    if {holds}:")
        self.emit(f"        return {index}, {self.record(index, RuleStatus.HELD)}")
        failed = self.joined(_dump(rule_trace(rule, RuleStatus.FAILED, _Holes(self))))
        if not excepted:
            self.emit(f"    r{index} = {failed}")
            return
        self.emit(f"    if not {holds}:")
        self.emit(f"        r{index} = {failed}")
        for exception, name in zip(rule.exceptions, excepted, strict=True):
            self.emit(f"    elif {name}:")
            trace_ = rule_trace(rule, RuleStatus.EXCEPTED, _Holes(self, exception))
            self.emit(f"        r{index} = {self.joined(_dump(trace_))}")

    def record(self, index: int, status: RuleStatus) -> str:
        """The record when rule `index` decides: earlier rules failed or were excepted."""
        rules, holes = self.regime.rules, _Holes(self)
        examined: list[Any] = [  # markers stand for the earlier rules' traces
            *(self.whole(f"r{i}") for i in range(index)),
            rule_trace(rules[index], status, holes),
            *(rule_trace(r, RuleStatus.NOT_REACHED, holes) for r in rules[index + 1 :]),
        ]
        phase = m.PhaseDef(self.regime.figures, rules)
        decision = t.Decision.model_construct(
            None,
            regime=self.regime.name,
            **verdict(rules[index]),
            figures={f.name: holes.figure(f.name)[1] for f in self.regime.figures},
            trace=trace(self.regime, phase, examined, holes, self.program),
            regulation=stamp(self.program),
            **{field: self.whole(f"e[{i}]") for i, field in enumerate(ENVELOPE)},
        )
        return self.joined(_dump(decision))

    # --- JSON text -----------------------------------------------------------------
    def joined(self, dumped: Json) -> str:
        """A Python expression of the JSON text of `dumped`, its markers filled."""
        text = json.dumps(dumped, ensure_ascii=False)
        items: list[str] = []
        position = 0
        for marker in _MARKER.finditer(text):
            items += [self.constant(text[position : marker.start()])]
            items += [self.values[int(marker.group(1) or marker.group(2))]]
            position = marker.end()
        items += [self.constant(text[position:])]
        return f"''.join(({', '.join(i for i in items if i)},))"

    def constant(self, piece: str) -> str:
        if not piece:
            return ""
        self.static.append(piece)
        return f"S[{len(self.static) - 1}]"


@dataclass(frozen=True, slots=True)
class _Holes:
    """What `explain` fills a trace with in the writer's templates (`explain.Fill`):
    markers of the generated function's values, or their text where the generator
    settles it in advance. Markers are not values: models are built unvalidated."""

    writer: _Writer
    exception: m.ExceptionDef | None = None  # the one that held, in an excepted rule

    @staticmethod
    def build(model: type[Model], **fields: object) -> Model:
        return model.model_construct(None, **fields)

    def holds(self, cond: m.Cond) -> Any:
        return self.writer.whole(f"B[{self.writer.results[id(cond)]}]")

    def side(self, cond: m.Compare | m.InRange, expr: m.Expr, *others: m.Expr) -> str:
        return self.writer.side(expr, *others)

    @staticmethod
    def absent(units: tuple[str, ...]) -> list[str]:
        return []  # markers never reach the fast path

    def excepting(self, rule: m.RuleDef) -> m.ExceptionDef | None:
        return self.exception

    def figure(self, name: str) -> tuple[str, str]:
        formatted = self.writer.formatted[name]
        return self.writer.inside(f"{formatted}[0]"), self.writer.inside(f"{formatted}[1]")

    @staticmethod
    def unrounded(figure: m.FigureDef) -> str | None:
        return None  # a rounded figure has no fast path

    def quotient(self, figure: m.FigureDef) -> Any:
        found = self.writer.quotients.get(figure.name)
        if found is None:
            return None
        top, bottom, coefficients = found
        return t.Quotient.model_construct(
            None,
            numerator=self.writer.inside(top),
            denominator=self.writer.inside(bottom),
            coefficients=coefficients,
        )

    def unit(self, unit: m.UnitDef) -> Any:
        slot = self.writer.slots[unit.code]
        return self.writer.whole(f"(uj{slot}.get(v{slot}) or U({slot}, v{slot}))")

    def as_input(self, code: str) -> Any:
        slot = self.writer.slots[code]
        self.writer.read.add(slot)
        return self.writer.whole(f"w{slot}")


def _conditions(rule: m.RuleDef) -> list[m.Cond]:
    return [c for c in (rule.condition, *(e.condition for e in rule.exceptions)) if c]


def _dump(record: t.BaseModel) -> Json:
    return record.model_dump(mode="json", warnings=False)  # placeholders are not values


def _dumps(record: t.BaseModel) -> str:
    return json.dumps(_dump(record), ensure_ascii=False)


def _unit_input(unit: m.UnitDef, value: UnitValue, texts: Texts) -> t.FigureInput:
    return unit_input(unit.code, value, unit.coefficient, texts)


def _by_grade(trace: Callable[[UnitValue, Texts], t.BaseModel]) -> Callable[[int | None], str]:
    """The JSON of a unit's trace (or input) for a grade in hundredths, or for the
    unit not taken: dumped once with markers for its texts, then filled per grade."""
    marked = _dumps(trace(UnitValue(UnitStatus.GRADED, Fraction(0)), ("\x00", "\x00")))
    before, between, after = marked.split('"\\u0000"')  # quoted: no escaped text matches
    not_taken = _dumps(trace(UnitValue(UnitStatus.NOT_TAKEN, None), grade_texts(None)))

    def write(hundredths: int | None) -> str:
        if hundredths is None:
            return not_taken
        value, shown = _texts(hundredths, 100)
        return f'{before}"{value}"{between}"{shown}"{after}'

    return write


def _literal(pair: tuple[str, str]) -> Fraction | None:
    """The value of a constant's (n, d) pair; None for a computed one."""
    literal = [_LITERAL.fullmatch(part) for part in pair]
    if all(literal):
        return Fraction(*(int(x.group(1)) for x in literal))  # type: ignore[union-attr]
    return None


def _texts(
    numerator: int, denominator: int, compared: frozenset[Fraction] = frozenset()
) -> tuple[str, str]:
    """`exact` and `shown` of numerator/denominator (denominator > 0), in integers
    unless more than two decimals must show."""
    divisor = math.gcd(numerator, denominator)
    reduced = numerator // divisor, denominator // divisor
    value = str(reduced[0]) if reduced[1] == 1 else f"{reduced[0]}/{reduced[1]}"
    hundredths = abs(numerator) * 100 // denominator  # truncated, never rounded up
    if compared and numerator * 100 % denominator:
        return value, shown(Fraction(numerator, denominator), compared)
    digits = str(hundredths).rjust(3, "0")
    sign = "-" if numerator < 0 and hundredths else ""
    return value, f"{sign}{digits[:-2]}.{digits[-2:]}"


def _formatter(compared: tuple[frozenset[Fraction], ...]) -> Callable[..., tuple[str, str]]:
    """(numerator, denominator[, thresholds index]) → (exact text, shown text), cached."""
    cache: dict[tuple[int, int, int], tuple[str, str]] = {}

    def formatted(numerator: int, denominator: int, known: int = 0) -> tuple[str, str]:
        key = (numerator, denominator, known)
        found = cache.get(key)
        if found is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            found = cache[key] = _texts(numerator, denominator, compared[known])
        return found

    return formatted


def _sides(compared: tuple[frozenset[Fraction], ...]) -> Callable[..., str]:
    """(thresholds index, n, d, then each other side's n, d) → the shown text of n/d
    compared with those, for what the generator could not settle in advance."""

    def side(known: int, numerator: int, denominator: int, *others: int) -> str:
        values = {Fraction(n, d) for n, d in zip(others[::2], others[1::2], strict=True)}
        return shown(Fraction(numerator, denominator), compared[known] | values)

    return side


def _filler(
    caches: list[dict[int | None, str]], writers: list[Callable[[int | None], str]]
) -> Callable[[int, int | None], str]:
    """Fills the per-unit caches the generated code reads first: a unit takes few
    distinct grades, so its JSON is written once per grade."""

    def fill(slot: int, hundredths: int | None) -> str:
        cache = caches[slot]
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        text = cache[hundredths] = writers[slot](hundredths)
        return text

    return fill
