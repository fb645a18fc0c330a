"""Core expressions and conditions in the regulation's own words.

An auditor reads `moyenne_generale >= 10`, not Python: traces (`explain.py`)
and diagnostics (`reachability.py`) quote figures and conditions this way. An
aggregate's words are its entry's in `constructs.AGGREGATES`.
"""

from __future__ import annotations

from fractions import Fraction

from ndrc_rules.common.numbers import short
from ndrc_rules.language import core as m
from ndrc_rules.language.constructs import AGGREGATES

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def describe(expr: m.Expr, parent: int = 0) -> str:
    match expr:
        case m.Const(value=value):
            return short(value)
        case m.FigureRef(name=name) | m.UnitGrade(code=name):
            return name
        case m.Aggregate(kind=kind, threshold=threshold, sets=sets):
            return AGGREGATES[kind].say(", ".join(sets), short(threshold or Fraction(0)))
        case m.Arithmetic(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            text = f"{describe(left, level)} {op} {describe(right, level + 1)}"
            return f"({text})" if level < parent else text
        case m.Negative(operand=operand):
            return f"-{describe(operand, 3)}"
    raise AssertionError(expr)


def describe_condition(cond: m.Cond, nested: bool = False) -> str:
    match cond:
        case m.Compare(op=op, left=left, right=right):
            return f"{describe(left)} {op} {describe(right)}"
        case m.InRange():
            low = "inclus" if cond.low_inclusive else "exclu"
            high = "inclus" if cond.high_inclusive else "exclu"
            return (
                f"{describe(cond.value)} entre {describe(cond.low)} {low} "
                f"et {describe(cond.high)} {high}"
            )
        case m.AnyAbsent(sets=sets):
            return f"ABS dans {', '.join(sets)}"
        case m.All(operands=operands) | m.Any_(operands=operands):
            word = " et " if isinstance(cond, m.All) else " ou "
            text = word.join(describe_condition(o, True) for o in operands)
            return f"({text})" if nested else text
        case m.Negation(operand=operand):
            return f"non {describe_condition(operand, True)}"
    raise AssertionError(cond)
