"""Every node of the core model keeps the span of the text it was built from:
inside its file, an expression inside the one that holds it, a name or number
spanning exactly what is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from ndrc_rules.api import load
from ndrc_rules.language import core as m
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import Span, split_lines

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "regulations").glob("*.reg"))
PROGRAMS = {path.name: load(path).program for path in SHIPPED}
DECIDING = [name for name, program in PROGRAMS.items() if program.regimes]  # not the base
CONTAINERS = {m.Program, m.PhaseDef}  # the only nodes with no text of their own
EXPRESSIONS = (
    m.Const,
    m.UnitGrade,
    m.FigureRef,
    m.Aggregate,
    m.Arithmetic,
    m.Negative,
    m.Compare,
    m.InRange,
    m.AnyAbsent,
    m.All,
    m.Any_,
    m.Negation,
)


def nodes(value: object, parent: object = None) -> Iterator[tuple[object, object]]:
    """Every core node under `value`, with the node that holds it."""
    if is_dataclass(value):
        yield value, parent
        for f in fields(value):
            if f.name != "span":
                yield from nodes(getattr(value, f.name), value)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from nodes(item, parent)


def start(span: Span) -> tuple[int, int]:
    return span.line, span.column


def end(span: Span) -> tuple[int, int]:
    return span.end_line, span.end_column


def written(span: Span, lines: list[str]) -> str:
    assert span.line == span.end_line, span  # names and numbers stand on one line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


@pytest.fixture(params=DECIDING)
def program(request: pytest.FixtureRequest) -> m.Program:
    return PROGRAMS[request.param]


def lines_of(program: m.Program) -> dict[str, list[str]]:
    """The lines of the program's file and of every file it imports, by path."""
    paths = [program.path, *(path for path, _ in program.imports)]
    return {path: split_lines(Path(path).read_text("utf-8")) for path in paths}


def test_the_walk_reaches_every_shipped_file() -> None:
    """The national base decides no candidate itself: its nodes are walked in the
    diplomas that import it."""
    spanned = {
        Path(node.span.file).name  # type: ignore[attr-defined]
        for name in DECIDING
        for node, _ in nodes(PROGRAMS[name])
        if type(node) not in CONTAINERS
    }
    assert spanned == set(PROGRAMS)


def test_every_core_node_has_a_span_inside_its_file(program: m.Program) -> None:
    files = lines_of(program)
    found = list(nodes(program))
    assert sum(isinstance(n, EXPRESSIONS) for n, _ in found) > 20  # the walk sees the rules
    for node, _ in found:
        if type(node) in CONTAINERS:
            continue
        span = node.span  # type: ignore[attr-defined]
        assert isinstance(span, Span), node
        lines = files[span.file]
        assert 1 <= span.line <= span.end_line <= len(lines), node
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, node
        assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, node
        assert start(span) < end(span), node


def test_an_expression_lies_inside_the_one_that_holds_it(program: m.Program) -> None:
    checked = 0
    for node, parent in nodes(program):
        if isinstance(node, EXPRESSIONS) and isinstance(parent, (*EXPRESSIONS, m.FigureDef)):
            inner, outer = node.span, parent.span  # type: ignore[attr-defined]
            assert inner.file == outer.file, (node, parent)
            assert start(outer) <= start(inner) and end(inner) <= end(outer), (node, parent)
            checked += 1
    assert checked > 20


def test_names_and_numbers_span_exactly_what_is_written(program: m.Program) -> None:
    files = lines_of(program)
    leaves = [n for n, _ in nodes(program) if isinstance(n, m.UnitGrade | m.FigureRef | m.Const)]
    assert leaves
    for leaf in leaves:
        text = written(leaf.span, files[leaf.span.file])
        if isinstance(leaf, m.Const):
            assert Fraction(text.replace(",", ".").replace(" ", "")) == leaf.value, leaf
        else:
            name = leaf.code if isinstance(leaf, m.UnitGrade) else leaf.name
            assert fold(text) == fold(name), leaf
