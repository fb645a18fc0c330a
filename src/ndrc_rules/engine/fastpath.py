"""Core regime → generated Python function deciding the common candidate fast.

A second compiler of the evaluation stage, for decisions without trace. Most
candidates have plain grades with at most two decimals: their values are exact
integers of hundredths, every figure is a pair of integers (numerator,
denominator), and comparisons cross-multiply. No Fraction is built, no gcd is
taken. The function is generated as Python source once per regime.

Anything else (markers, parts, kept or resit grades, a grade with more
decimals, a figure the generator does not handle) makes the function return
None, and the general evaluator decides: both must always agree, which the
tests check on random cohorts.

No text of a `.reg` file enters the generated source except through `repr()`
of a string (column names); every identifier in it is generated (`v0`, `n3`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fractions import Fraction

from ndrc_rules.language import core as m
from ndrc_rules.language.constructs import (
    AGGREGATES,
    COMPARISONS,
    AggregateKind,
    NoForm,
    NotFast,
    Quotient,
    weight,
)

Decide = Callable[[Mapping[str, object]], int | None]

CROSS = {symbol: c.python for symbol, c in COMPARISONS.items()}  # in generated source
_INTEGER = re.compile(r"\d+")


def compile_fast(regime: m.RegimeDef) -> Decide | None:
    """The generated decision function of a regime, or None if it has none."""
    try:
        source = _Generator(regime).source()
    except NotFast:
        return None
    namespace: dict[str, object] = {"Fraction": Fraction}
    exec(compile(source, f"<ndrc-rules:{regime.name}>", "exec"), namespace)
    return namespace["decide"]  # type: ignore[return-value]  # the function `exec` defined


def why_not_fast(regime: m.RegimeDef) -> str | None:
    """Why the regime has no fast path (the construct it leaves to the general
    evaluator), or None when it has one."""
    try:
        _Generator(regime).source()
    except NotFast as refusal:
        return str(refusal)
    return None


class _Generator:
    """Writes `decide(grades) -> rule index | None` for one regime."""

    def __init__(self, regime: m.RegimeDef) -> None:
        self.regime = regime
        self.lines: list[str] = []
        self.slots = {u.code: i for i, u in enumerate(regime.units)}
        self.figures: dict[str, tuple[str, str]] = {}
        self.count = 0

    signature = "decide(g)"

    def source(self) -> str:
        codes = sorted(u.code for u in self.regime.units)
        self.emit(f"UNITS = frozenset({codes!r})")
        self.emit(f"def {self.signature}:")
        self.emit("    if not g.keys() <= UNITS:")  # parts, resit grades, other columns
        self.emit("        return None")
        for unit in self.regime.units:
            self.unit(unit)
        for figure in self.regime.figures:
            if figure.rounding is not None:
                raise NotFast("rounding")
            self.figure(figure)
        self.decisions()
        return "\n".join(self.lines) + "\n"

    def figure(self, figure: m.FigureDef) -> None:
        self.figures[figure.name] = self.number(figure.expr)

    def decisions(self) -> None:
        for index, rule in enumerate(self.regime.rules):
            self.rule(index, rule)

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # --- units: integer hundredths --------------------------------------------------
    def unit(self, unit: m.UnitDef) -> None:
        slot = self.slots[unit.code]
        value = f"v{slot}"
        self.emit(f"    {value} = g.get({unit.code!r})")
        if unit.optional:  # not taken: no points; ABS or ABJ: none either
            self.emit(f"    if {value} is not None:")
            self.emit(f"        if type({value}) is not Fraction or 100 % {value}.denominator:")
            self.emit("            return None")
            self.emit(f"        {value} = {value}.numerator * (100 // {value}.denominator)")
            return
        self.emit(f"    if type({value}) is not Fraction or 100 % {value}.denominator:")
        self.emit("        return None")
        self.emit(f"    {value} = {value}.numerator * (100 // {value}.denominator)")

    # --- numbers: (numerator, denominator) pairs, denominator > 0 ---------------------
    def number(self, expr: m.Expr) -> tuple[str, str]:
        match expr:
            case m.Const(value=value):
                return str(value.numerator), str(value.denominator)
            case m.FigureRef(name=name):
                return self.figures[name]
            case m.UnitGrade(code=code):
                unit = self.regime.units[self.slots[code]]
                slot = f"v{self.slots[code]}"
                return (f"({slot} or 0)" if unit.optional else slot), "100"
            case m.Aggregate(kind=kind):
                return self.aggregate(kind, expr)
            case m.Negative(operand=operand):
                n, d = self.number(operand)
                return f"(-{n})", d
            case m.Arithmetic(op=op, left=left, right=right):
                return self.arithmetic(op, self.number(left), self.number(right))
        raise NotFast(expr)

    def aggregate(self, kind: AggregateKind, expr: m.Aggregate) -> tuple[str, str]:
        """The integer form of `kind` in `constructs.AGGREGATES`, over the units of `expr`;
        none there: the regime is refused, never computed otherwise."""
        form = AGGREGATES[kind].fast
        if form is None:
            raise NotFast(NoForm("fast path", kind))
        if isinstance(form, Quotient):
            return self.quotient(
                self.aggregate(form.numerator, expr), self.aggregate(form.denominator, expr)
            )
        units = [self.regime.units[self.slots[c]] for c in expr.units]
        variables = [(f"v{self.slots[u.code]}", weight(u.coefficient)) for u in units]
        numerator, denominator = form(variables, expr.threshold or Fraction(0))
        if _INTEGER.fullmatch(numerator):
            return numerator, denominator
        name = self.fresh("a")
        self.emit(f"    {name} = {numerator}")
        return name, denominator

    def quotient(self, a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
        """a / b; by a constant divisor (`coefficients de …`), divided here, once."""
        (an, ad), (bn, bd) = a, b
        if bd == "1" and _INTEGER.fullmatch(bn) and _INTEGER.fullmatch(ad):
            if not int(bn):
                raise NotFast("empty quotient")
            return an, str(int(ad) * int(bn))
        return self.arithmetic("/", a, b)

    def arithmetic(self, op: str, a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
        (an, ad), (bn, bd) = a, b
        n, d = self.fresh("n"), self.fresh("d")
        if op in {"+", "-"}:
            self.emit(f"    {n} = {an} * {bd} {op} {bn} * {ad}")
            self.emit(f"    {d} = {ad} * {bd}")
        elif op == "*":
            self.emit(f"    {n} = {an} * {bn}")
            self.emit(f"    {d} = {ad} * {bd}")
        else:  # a / b: keep the denominator positive; a zero divisor is the general path's
            self.emit(f"    {n} = {an} * {bd}")
            self.emit(f"    {d} = {ad} * {bn}")
            self.emit(f"    if {d} == 0:")
            self.emit("        return None")
            self.emit(f"    if {d} < 0:")
            self.emit(f"        {n}, {d} = -{n}, -{d}")
        return n, d

    # --- rules ---------------------------------------------------------------------
    def rule(self, index: int, rule: m.RuleDef) -> None:
        if rule.condition is None:
            self.emit(f"    return {index}")
            return
        exceptions = " or ".join(f"({self.condition(e.condition)})" for e in rule.exceptions)
        test = self.condition(rule.condition)
        self.emit(f"    if ({test}){f' and not ({exceptions})' if exceptions else ''}:")
        self.emit(f"        return {index}")

    def condition(self, cond: m.Cond) -> str:
        match cond:
            case m.Compare(op=op, left=left, right=right):
                return self.compare(self.number(left), CROSS[op], self.number(right))
            case m.InRange():
                value = self.number(cond.value)
                low = self.compare(
                    value, ">=" if cond.low_inclusive else ">", self.number(cond.low)
                )
                high = self.compare(
                    value, "<=" if cond.high_inclusive else "<", self.number(cond.high)
                )
                return f"{low} and {high}"
            case m.AnyAbsent():
                return "False"  # markers never reach the fast path
            case m.All(operands=operands):
                return " and ".join(f"({self.condition(o)})" for o in operands)
            case m.Any_(operands=operands):
                return " or ".join(f"({self.condition(o)})" for o in operands)
            case m.Negation(operand=operand):
                return f"not ({self.condition(operand)})"
        raise NotFast(cond)

    @staticmethod
    def compare(a: tuple[str, str], op: str, b: tuple[str, str]) -> str:
        return f"{a[0]} * {b[1]} {op} {b[0]} * {a[1]}"
