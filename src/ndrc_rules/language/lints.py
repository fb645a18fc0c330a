"""Checked model → warnings: what is legal but probably not meant.

The last compile pass. Warnings never stop a regulation from deciding; `check
--strict` makes them fail. Each is reported once, even when a regime inherits it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from ndrc_rules.common.messages import clip
from ndrc_rules.common.numbers import parse_decimal, short
from ndrc_rules.language import core as m
from ndrc_rules.language.diagnostics import Diagnostic, Hint, Severity, unique
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import SourceFile, Span


def lint(program: m.Program, source: SourceFile) -> list[Diagnostic]:
    found = [
        *_unused_figures(program),
        *_uncited_rules(program),
        *_thresholds_over_twenty(program),
        *_thresholds_not_cited(program),
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


# A number of a citation: digits with a decimal comma or point, not inside a word
# or a code (`U1`, `D643`); matched by value, so `10` is in "10,00" and "10/20".
_CITED_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w]|[.,]\d)")
# Whole numbers as French regulations may spell them ("un" is left out: it is
# mostly an article, and would hide a missing threshold of 1).
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "un",
            "deux",
            "trois",
            "quatre",
            "cinq",
            "six",
            "sept",
            "huit",
            "neuf",
            "dix",
            "onze",
            "douze",
            "treize",
            "quatorze",
            "quinze",
            "seize",
            "dix-sept",
            "dix-huit",
            "dix-neuf",
            "vingt",
        ]
    )
    if word != "un"
}
_WORD = re.compile(r"[^\W\d]+(?:-[^\W\d]+)*")


def _thresholds_not_cited(program: m.Program) -> Iterator[Diagnostic]:
    """A threshold of a rule's condition that its citation does not state: the rule
    or the quoted sentence changed without the other (`entre 8,5` cited "entre 8")."""
    for regime in program.regimes:
        for rule in regime.rules:
            checked = [(rule.condition, rule.citation)] + [
                (e.condition, e.citation or rule.citation) for e in rule.exceptions
            ]
            for condition, citation in checked:
                if condition is not None and citation is not None:
                    yield from _uncited_thresholds(rule.name, condition, citation)


def _uncited_thresholds(rule: str, condition: m.Cond, citation: m.Citation) -> Iterator[Diagnostic]:
    stated = cited_numbers(citation.text)
    for node in m.walk(condition):
        if isinstance(node, m.Compare | m.InRange):
            for value in _thresholds(node):
                if value not in stated:
                    args = {"quote": clip(citation.text, 80), "value": short(value)}
                    hint = Hint("hint.cite_threshold", args)
                    yield _warning("W007", node.span, hint, name=rule, value=short(value))


def _thresholds(node: m.Compare | m.InRange) -> list[Fraction]:
    """The numbers a comparison or an interval compares with."""
    sides = (node.left, node.right) if isinstance(node, m.Compare) else (node.low, node.high)
    return [side.value for side in sides if isinstance(side, m.Const)]


def cited_numbers(quote: str) -> set[Fraction]:
    """The values a citation states, in digits ("8,5", "8.5", "10/20") or in words ("dix")."""
    numbers = {parse_decimal(found) for found in _CITED_NUMBER.findall(quote)}
    words = (fold(word) for word in _WORD.findall(quote))
    return numbers | {Fraction(_NUMBER_WORDS[w]) for w in words if w in _NUMBER_WORDS}


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
