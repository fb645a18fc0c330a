"""Lark parse tree → surface AST, keeping every node's span.

A pure transformation: keywords are dropped, texts joined, numbers made exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.tree import Meta

from ndrc_rules.common.columns import SESSION
from ndrc_rules.common.numbers import parse_decimal
from ndrc_rules.language import surface as s
from ndrc_rules.language.constructs import BY_KEYWORD
from ndrc_rules.language.source import SourceFile, Span

_DURATION = re.compile(r"(\d+) ?(?:(h)(\d\d)?|min)")


def build(tree: Tree, source: SourceFile) -> s.Document:
    document: s.Document = _Builder(source.path).transform(tree)
    return document


def _keyword(item: Any) -> bool:
    return isinstance(item, Token) and item.type not in {"NAME", "NUMBER", "STRING", "DURATION"}


@dataclass(frozen=True)
class _Phase:
    """The items after `apres controle`, until folded into their regime."""

    items: tuple[Any, ...]
    span: Span


@v_args(meta=True)
class _Builder(Transformer):
    """One method per grammar rule or alias; each returns a surface node."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    # --- helpers --------------------------------------------------------
    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.path, 1, 1, 1, 1)
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _token_span(self, token: Token) -> Span:
        return Span(
            self.path,
            token.line or 1,
            token.column or 1,
            token.end_line or token.line or 1,
            token.end_column or 1,
        )

    def _name(self, token: Token) -> s.Name:
        return s.Name(str(token), self._token_span(token))

    def _number(self, token: Token) -> s.Number:
        return s.Number(parse_decimal(str(token)), str(token), self._token_span(token))

    @staticmethod
    def _content(children: list[Any]) -> list[Any]:
        return [c for c in children if not _keyword(c)]

    @staticmethod
    def _title(children: list[Any]) -> str | None:
        """The optional quoted title: the first plain string (tokens are keywords)."""
        return next(
            (
                c
                for c in children
                if isinstance(c, str)
                and not isinstance(c, Token)
                and c not in {"optional", "exemptable"}
            ),
            None,
        )

    @staticmethod
    def _first(children: list[Any], kind: type) -> Any:
        return next((c for c in children if isinstance(c, kind)), None)

    # --- leaves -----------------------------------------------------------
    def text(self, meta: Meta, strings: list[Token]) -> str:
        return " ".join(str(t)[1:-1].strip() for t in strings)

    def name_list(self, meta: Meta, names: list[Token]) -> tuple[s.Name, ...]:
        return tuple(self._name(t) for t in names)

    # --- diploma and outcomes ---------------------------------------------
    def rncp(self, meta: Meta, children: list[Any]) -> tuple[str, s.Number]:
        return ("rncp", self._number(children[1]))

    def level(self, meta: Meta, children: list[Any]) -> tuple[str, s.Number]:
        return ("level", self._number(children[1]))

    def session(self, meta: Meta, children: list[Any]) -> tuple[str, s.Number]:
        return ("session", self._number(children[1]))

    def source(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("source", children[1])

    def diploma(self, meta: Meta, children: list[Any]) -> s.Diploma:
        _, code, title, *fields = children
        values = dict(fields)
        return s.Diploma(
            self._name(code),
            title,
            values.get("rncp"),
            values.get("level"),
            values.get("source"),
            values.get("session"),
            self._span(meta),
            values.get("last_session"),
        )

    def outcome(self, meta: Meta, children: list[Any]) -> s.Outcome:
        return s.Outcome(self._name(children[1]), children[2], self._span(meta))

    # --- units --------------------------------------------------------------
    def duration(self, token: Token) -> s.Duration:
        match = _DURATION.fullmatch(str(token))
        assert match, token  # guaranteed by the DURATION terminal
        amount, hours, extra = match.groups()
        minutes = int(amount) * 60 + int(extra or 0) if hours else int(amount)
        return s.Duration(minutes, str(token), self._token_span(token))

    def ccf(self, meta: Meta, children: list[Any]) -> s.Ccf:
        return s.Ccf(self._number(children[1]), self._span(meta))

    def epff(self, meta: Meta, children: list[Any]) -> s.Epff:
        modes = tuple(self._name(c) for c in children if isinstance(c, Token) and c.type == "NAME")
        duration = next(c for c in children if isinstance(c, Token) and c.type == "DURATION")
        preparation = self._first(children, s.Duration)
        return s.Epff(modes, self.duration(duration), preparation, self._span(meta))

    def preparation(self, meta: Meta, children: list[Any]) -> s.Duration:
        return self.duration(children[1])

    def assessment(self, meta: Meta, children: list[Any]) -> tuple[s.Form, ...]:
        return tuple(children)

    def coefficient(self, meta: Meta, children: list[Any]) -> s.Number:
        return self._number(children[1])

    def part(self, meta: Meta, children: list[Any]) -> s.Part:
        return s.Part(
            self._name(children[1]),
            self._title(children[2:]),
            self._first(children, s.Number),
            self._first(children, tuple) or (),
            self._span(meta),
        )

    def unit(self, meta: Meta, children: list[Any]) -> s.Unit:
        rest = children[2:]
        return s.Unit(
            self._name(children[1]),
            self._title(rest),
            self._first(rest, s.Number),
            self._first(rest, tuple) or (),
            tuple(c for c in rest if isinstance(c, s.Part)),
            self._span(meta),
        )

    def optional(self, meta: Meta, children: list[Any]) -> str:
        return "optional"

    def exemptable(self, meta: Meta, children: list[Any]) -> str:
        return "exemptable"

    def group(self, meta: Meta, children: list[Any]) -> s.Group:
        rest = children[2:]
        flags = {c for c in rest if c in {"optional", "exemptable"} and not isinstance(c, Token)}
        return s.Group(
            self._name(children[1]),
            self._title(rest),
            "optional" in flags,
            "exemptable" in flags,
            tuple(c for c in rest if isinstance(c, s.Unit)),
            self._span(meta),
        )

    def kept_grades(self, meta: Meta, children: list[Any]) -> s.KeptGrades:
        numbers = [self._number(c) for c in children if isinstance(c, Token) and c.type == "NUMBER"]
        return s.KeptGrades(
            children[3], numbers[0], numbers[1], self._first(children, s.Citation), self._span(meta)
        )

    def form_override(self, meta: Meta, children: list[Any]) -> s.FormOverride:
        return s.FormOverride(self._name(children[1]), children[2], self._span(meta))

    # --- expressions ------------------------------------------------------
    def number(self, meta: Meta, children: list[Token]) -> s.Literal:
        return s.Literal(self._number(children[0]), self._span(meta))

    def reference(self, meta: Meta, children: list[Token]) -> s.Reference:
        return s.Reference(self._name(children[0]), self._span(meta))

    def aggregate(self, meta: Meta, children: list[Any]) -> s.Aggregate:
        """Its kind is the one its opening keyword names in `constructs.AGGREGATES`."""
        threshold = next(
            (self._number(c) for c in children if isinstance(c, Token) and c.type == "NUMBER"), None
        )
        kind = BY_KEYWORD[children[0].type]
        return s.Aggregate(kind, children[-1], threshold, self._span(meta))

    def _binary(self, meta: Meta, children: list[Any]) -> s.Binary:
        left, op, right = children
        return s.Binary(str(op), left, right, self._span(meta))

    add = subtract = multiply = divide = _binary

    def negate(self, meta: Meta, children: list[Any]) -> s.Negate:
        return s.Negate(children[1], self._span(meta))

    # --- conditions -------------------------------------------------------
    def comparator(self, meta: Meta, children: list[Token]) -> str:
        return {"≥": ">=", "≤": "<=", "≠": "!="}.get(str(children[0]), str(children[0]))

    def comparison(self, meta: Meta, children: list[Any]) -> s.Comparison:
        left, op, right = children
        return s.Comparison(op, left, right, self._span(meta))

    def inclusive(self, meta: Meta, children: list[Any]) -> bool:
        return True

    def exclusive(self, meta: Meta, children: list[Any]) -> bool:
        return False

    def between(self, meta: Meta, children: list[Any]) -> s.Between:
        value, _, low, *rest = children
        low_inclusive = rest.pop(0) if isinstance(rest[0], bool) else True
        _, high, *bound = rest
        return s.Between(
            value, low, low_inclusive, high, bound[0] if bound else True, self._span(meta)
        )

    def absence(self, meta: Meta, children: list[Any]) -> s.Absence:
        return s.Absence(children[-1], self._span(meta))

    def either(self, meta: Meta, children: list[Any]) -> s.Logical:
        return s.Logical("ou", children[0], children[2], self._span(meta))

    def both(self, meta: Meta, children: list[Any]) -> s.Logical:
        return s.Logical("et", children[0], children[2], self._span(meta))

    def negation(self, meta: Meta, children: list[Any]) -> s.Not:
        return s.Not(children[1], self._span(meta))

    # --- rules and figures ------------------------------------------------
    def citation(self, meta: Meta, children: list[Any]) -> s.Citation:
        texts = self._content(children)
        return s.Citation(texts[0], texts[1] if len(texts) > 1 else None, self._span(meta))

    def resit_terms(self, meta: Meta, children: list[Any]) -> s.ResitTerms:
        count = next(c for c in children if isinstance(c, Token) and c.type == "NUMBER")
        remaining = children[-1] is True  # `ou toutes les restantes`
        among = children[-2] if remaining else children[-1]
        return s.ResitTerms(self._number(count), among, self._span(meta), remaining)

    def remaining(self, meta: Meta, children: list[Any]) -> bool:
        return True

    def conclusion(self, meta: Meta, children: list[Any]) -> s.Conclusion:
        resit = children[1] if len(children) > 1 else None
        return s.Conclusion(self._name(children[0]), resit, self._span(meta))

    def when(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Any]:
        return ("when", children[1], children[3])

    def unless(self, meta: Meta, children: list[Any]) -> s.Exception_:
        return s.Exception_(children[2], self._span(meta))

    def rule(self, meta: Meta, children: list[Any]) -> s.Rule:
        rest = children[2:]
        when = self._first(rest, tuple)
        return s.Rule(
            self._name(children[1]),
            self._title(rest),
            when[1] if when else None,
            when[2] if when else None,
            tuple(c for c in rest if isinstance(c, s.Exception_)),
            self._first(rest, s.Citation),
            self._span(meta),
        )

    def default_outcome(self, meta: Meta, children: list[Any]) -> s.Default:
        return s.Default(children[1], self._first(children, s.Citation), self._span(meta))

    def rounding(self, meta: Meta, children: list[Any]) -> s.Rounding:
        mode = "tronque" if children[0].type == "TRONQUE" else "arrondi"
        return s.Rounding(mode, self._number(children[1]), self._span(meta))

    def figure(self, meta: Meta, children: list[Any]) -> s.Figure:
        rest = children[2:]
        expr = next(c for c in rest if not isinstance(c, str | s.Citation | s.Rounding))
        return s.Figure(
            self._name(children[1]),
            self._title(rest),
            expr,
            self._first(rest, s.Rounding),
            self._first(rest, s.Citation),
            self._span(meta),
        )

    # --- regimes and document -------------------------------------------
    def base_regime(self, meta: Meta, children: list[Any]) -> s.Name:
        return self._name(children[1])

    def regime(self, meta: Meta, children: list[Any]) -> s.Regime:
        rest = children[2:]
        phase = next((c for c in rest if isinstance(c, _Phase)), None)
        items = tuple(
            c
            for c in rest
            if isinstance(
                c, s.Group | s.FormOverride | s.KeptGrades | s.Figure | s.Rule | s.Default
            )
        )
        return s.Regime(
            self._name(children[1]),
            self._title(rest),
            self._first(rest, s.Name),
            items,
            self._span(meta),
            model=children[0].type == "MODELE",
            resit=phase.items if phase else None,
            resit_span=phase.span if phase else None,
        )

    def resit_phase(self, meta: Meta, children: list[Any]) -> _Phase:
        opening = self._token_span(children[0])
        return _Phase(tuple(children[2:]), opening)

    def import_(self, meta: Meta, children: list[Any]) -> s.Import:
        return s.Import(children[1], self._span(meta))

    def last_session(self, meta: Meta, children: list[Any]) -> tuple[str, s.Number]:
        return ("last_session", self._number(children[2]))

    # --- examples -----------------------------------------------------------
    def column(self, meta: Meta, children: list[Token]) -> s.Name:
        # `session` is a keyword, written in lower case like every keyword
        words = (SESSION if t.type == "SESSION" else str(t) for t in children)
        return s.Name(".".join(words), self._span(meta))

    def grade(self, meta: Meta, children: list[Any]) -> s.ExampleGrade:
        value = children[1]
        quoted = not isinstance(value, Token)  # a `text`: the joined strings
        return s.ExampleGrade(children[0], str(value), self._span(meta), quoted)

    def grade_list(self, meta: Meta, grades: list[s.ExampleGrade]) -> tuple[s.ExampleGrade, ...]:
        return tuple(grades)

    def deciding_rule(self, meta: Meta, children: list[Token]) -> s.Name:
        return self._name(children[1])

    def after_resit(self, meta: Meta, children: list[Token]) -> s.AfterResit:
        return s.AfterResit(self._span(meta))

    def example(self, meta: Meta, children: list[Any]) -> s.Example:
        name, regime, outcome = (
            self._name(c) for c in children if isinstance(c, Token) and c.type == "NAME"
        )
        return s.Example(
            name,
            self._title(children[2:]),
            regime,
            self._first(children, tuple),
            outcome,
            self._first(children, s.Name),
            self._span(meta),
            self._first(children, s.AfterResit),
        )

    def start(self, meta: Meta, children: list[Any]) -> s.Document:
        return s.Document(
            tuple(c for c in children if isinstance(c, s.Diploma)),
            tuple(c for c in children if isinstance(c, s.Outcome)),
            tuple(c for c in children if isinstance(c, s.Regime)),
            tuple(c for c in children if isinstance(c, s.Example)),
            self._span(meta),
            tuple(c for c in children if isinstance(c, s.Import)),
        )
