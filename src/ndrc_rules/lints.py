"""Checked model → warnings: what is legal but probably not meant.

The last compile pass. Warnings never stop a regulation from deciding; `check
--strict` makes them fail. Each is reported once, even when a regime inherits it.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import model as m
from .diagnostics import Diagnostic, Hint, Severity, unique
from .numbers import short
from .source import SourceFile, Span


def lint(program: m.Program, source: SourceFile) -> list[Diagnostic]:
    found = [
        *_unused_figures(program),
        *_uncited_rules(program),
        *_thresholds_over_twenty(program),
        *_irregular_spaces(source),
    ]
    return unique(found)


def _warning(code: str, span: Span, hint: Hint | None = None, **args: object) -> Diagnostic:
    return Diagnostic(code, span, args, hint, Severity.WARNING)


def _unused_figures(program: m.Program) -> Iterator[Diagnostic]:
    """Figures no regime that has them reads (a base figure may serve a derived regime)."""
    used: set[Span] = set()
    for regime in program.regimes:
        names = {
            n.name
            for node in _expressions(regime)
            for n in m.walk(node)
            if isinstance(n, m.FigureRef)
        }
        used.update(f.span for f in regime.figures if f.name in names)
    for regime in program.regimes:
        for figure in regime.figures:
            if figure.span not in used:
                yield _warning("W001", figure.span.opening(), name=figure.name)


def _uncited_rules(program: m.Program) -> Iterator[Diagnostic]:
    for regime in program.regimes:
        for rule in regime.rules:
            if rule.condition is not None and rule.citation is None:
                yield _warning(
                    "W002", rule.span.opening(), Hint("hint.add_citation"), name=rule.name
                )


def _thresholds_over_twenty(program: m.Program) -> Iterator[Diagnostic]:
    """`>= 10/20` is 0.5, not a threshold of 10 out of 20 as the regulation writes it."""
    for regime in program.regimes:
        for node in _expressions(regime):
            for condition in m.walk(node):
                if not isinstance(condition, m.Compare | m.InRange):
                    continue
                sides = (
                    (condition.left, condition.right)
                    if isinstance(condition, m.Compare)
                    else (condition.value, condition.low, condition.high)
                )
                for side in sides:
                    match side:
                        case m.Arithmetic(op="/", left=m.Const(value=a), right=m.Const(value=20)):
                            shown = f"{short(a)}/20"
                            yield _warning(
                                "W005",
                                condition.span,
                                text=shown,
                                value=short(a / 20),
                                numerator=short(a),
                            )


def _irregular_spaces(source: SourceFile) -> Iterator[Diagnostic]:
    for spot in source.irregular:
        span = Span(source.path, spot.line, spot.column, spot.line, spot.column + 1)
        yield _warning("W003" if spot.kind == "tab" else "W004", span)


def _expressions(regime: m.RegimeDef) -> Iterator[m.Expr | m.Cond]:
    yield from (f.expr for f in regime.figures)
    for rule in regime.rules:
        if rule.condition is not None:
            yield rule.condition
        yield from (e.condition for e in rule.exceptions)
