"""The canonical layout of a .reg file, like gofmt: surface AST + comments → text.

A side branch of the pipeline's first stages: the text is parsed (`parser`),
built into the surface AST (`builder`) and printed back in the house style of
`regulations/bts_ndrc.reg`. It never reaches the checker: a file that does not
parse is never formatted, its syntax diagnostics are returned instead.

What the AST drops, the formatter takes from elsewhere: the comments, from the
parser, are woven back by source line; the strings a long text was written
in, from the parse tree, so that a citation keeps the author's line breaks.

Layout, in short: keywords lowercase and unaccented (`ABS`, `CCF`, `EPFF` in
capitals); names, numbers and texts as written; two spaces per level; a
statement's clauses (`si`, `sauf si`, `cite`, `source`, a unit's forms) on
continuation lines; code wrapped at 80 columns, citations at 100.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from lark import Token, Tree

from ndrc_rules.common.columns import JURY, JURY_REASON, RESIT_SUFFIX, split_column
from ndrc_rules.language import surface as s
from ndrc_rules.language.builder import build
from ndrc_rules.language.constructs import AGGREGATES
from ndrc_rules.language.diagnostics import Diagnostic
from ndrc_rules.language.names import fold
from ndrc_rules.language.parser import Comment, parse
from ndrc_rules.language.source import SourceFile, Span, split_lines

STEP = 2  # spaces per level
CODE_WIDTH = 80  # code lines are wrapped beyond this column where they can be
TEXT_WIDTH = 100  # citation strings are split beyond this one

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_NEGATED = 3  # binds tighter than any operator
_LOGIC = {"ou": 1, "et": 2}
_QUOTES = (('"', '"'), ("“", "”"), ("«", "»"))  # (opening, closing)
_BREAK = re.compile(r"(?<=\S) (?=\S)")  # a text splits only at a space between words


def format_source(source: SourceFile) -> tuple[str | None, list[Diagnostic]]:
    """The file in canonical layout, or None and the syntax errors that prevent it."""
    parsed = parse(source)
    if parsed.tree is None or parsed.diagnostics:
        return None, parsed.diagnostics
    document = build(parsed.tree, source)
    lines = _Printer(_Texts(parsed.tree)).document(document)
    return _weave(lines, parsed.comments, source), []


@dataclass(frozen=True, slots=True)
class _Line:
    indent: int
    text: str
    anchor: int  # source line of what the line begins with, where comments attach
    opens: bool = False  # a statement's first line: the author's blank line may precede it
    label: int = 0  # an outcome's: where its label starts, to align with its neighbours'


# --- texts -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Text:
    """A text as written: each string's stripped content and line."""

    line: int
    column: int
    pieces: tuple[tuple[str, int], ...]


class _Texts:
    """Every text of the parse tree, found by position inside a node's span."""

    def __init__(self, tree: Tree) -> None:
        found = [
            _Text(node.meta.line, node.meta.column, _pieces(node))
            for node in tree.find_data("text")
        ]
        self.items = sorted(found, key=lambda t: (t.line, t.column))
        self.keys = [(t.line, t.column) for t in self.items]

    def within(self, span: Span) -> list[_Text]:
        low = bisect_left(self.keys, (span.line, span.column))
        high = bisect_right(self.keys, (span.end_line, span.end_column))
        return self.items[low:high]


def _pieces(node: Tree) -> tuple[tuple[str, int], ...]:
    """Each string of a `text: STRING+` node: its stripped content and line."""
    pieces = []
    for token in node.children:
        assert isinstance(token, Token) and token.line is not None, "placed STRING tokens"
        pieces.append((str(token)[1:-1].strip(), token.line))
    return tuple(pieces)


def _quoted(text: str) -> str:
    opening, closing = next(q for q in _QUOTES if q[1] not in text)
    return f"{opening}{text}{closing}"


def _quotable(text: str) -> bool:
    return any(closing not in text for _, closing in _QUOTES)


def _wrap(text: str, room: int) -> list[str]:
    """`text` in strings of at most `room` columns each, split only between words."""
    words = _BREAK.split(text)
    pieces = [words[0]]
    for word in words[1:]:
        if len(pieces[-1]) + len(word) + 3 <= room:  # a space and two quotes
            pieces[-1] += " " + word
        else:
            pieces.append(word)
    return pieces


# --- expressions and conditions ----------------------------------------------------
def _names(names: tuple[s.Name, ...]) -> str:
    return ", ".join(n.value for n in names)


def _expr(expr: s.Expr, parent: int = 0) -> str:
    """An expression, parenthesised only where precedence or grouping needs it."""
    match expr:
        case s.Literal(value=number):
            return number.text
        case s.Reference(name=name):
            return name.value
        case s.Aggregate(kind=kind, units=units, threshold=threshold):
            return AGGREGATES[kind].say(_names(units), threshold.text if threshold else "")
        case s.Binary(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            text = f"{_expr(left, level)} {op} {_expr(right, level + 1)}"
            return f"({text})" if level < parent else text
        case s.Negate(operand=operand):
            text = _expr(operand, _NEGATED)
            return f"- {text}" if text.startswith("-") else f"-{text}"
    raise AssertionError(expr)


def _cond(cond: s.Condition, parent: int = 0) -> str:
    """A condition: `ou` inside `et`, and a grouped right operand, in parentheses."""
    match cond:
        case s.Comparison(op=op, left=left, right=right):
            return f"{_expr(left)} {op} {_expr(right)}"
        case s.Between():
            low = "inclus" if cond.low_inclusive else "exclu"
            high = "inclus" if cond.high_inclusive else "exclu"
            return f"{_expr(cond.value)} entre {_expr(cond.low)} {low} et {_expr(cond.high)} {high}"
        case s.Absence(units=units):
            return f"ABS dans {_names(units)}"
        case s.Logical(op=op, left=left, right=right):
            level = _LOGIC[op]
            text = f"{_cond(left, level)} {op} {_cond(right, level + 1)}"
            return f"({text})" if level < parent else text
        case s.Not(operand=operand):
            return f"non {_cond(operand, _NEGATED)}"
    raise AssertionError(cond)


_Chained = s.Binary | s.Logical


def _chain(node: _Chained, table: dict[str, int]) -> tuple[Any, list[Any]]:
    """`a + b - c` as its first operand and its links `+ b`, `- c` (as their nodes)."""
    level = table[node.op]
    links: list[Any] = []
    current: Any = node
    while isinstance(current, _Chained) and table.get(current.op) == level:
        links.insert(0, current)
        current = current.left
    return current, links


def _fits(indent: int, text: str) -> bool:
    return indent + len(text) <= CODE_WIDTH


def _expr_lines(indent: int, expr: s.Expr, suffix: str) -> list[_Line]:
    """An expression, broken before each top-level operator when it does not fit."""
    text = _expr(expr) + suffix
    if _fits(indent, text) or not isinstance(expr, s.Binary):
        return [_Line(indent, text, expr.span.line)]
    first, links = _chain(expr, _PRECEDENCE)
    level = _PRECEDENCE[expr.op]
    lines = [_Line(indent, _expr(first, level), first.span.line)]
    lines += [
        _Line(indent + STEP, f"{link.op} {_expr(link.right, level + 1)}", link.right.span.line)
        for link in links
    ]
    return [*lines[:-1], replace(lines[-1], text=lines[-1].text + suffix)]


def _condition_lines(
    indent: int, keyword: str, cond: s.Condition, broken: bool = False
) -> list[_Line]:
    """`si`/`sauf si` and a condition; broken, it has one top-level operand a line."""
    single = f"{keyword} {_cond(cond)}"
    if not isinstance(cond, s.Logical) or (not broken and _fits(indent, single)):
        return [_Line(indent, single, cond.span.line)]
    first, links = _chain(cond, _LOGIC)
    level = _LOGIC[cond.op]
    column = indent + len(keyword) + 1
    return [
        _Line(indent, f"{keyword} {_cond(first, level)}", first.span.line),
        *(
            _Line(column, f"{link.op} {_cond(link.right, level + 1)}", link.right.span.line)
            for link in links
        ),
    ]


def _conclusion(conclusion: s.Conclusion) -> str:
    resit = conclusion.resit
    if resit is None:
        return conclusion.outcome.value
    remaining = " ou toutes les restantes" if resit.remaining else ""
    terms = f"(choix de {resit.count.text} unites parmi {_names(resit.among)}{remaining})"
    return f"{conclusion.outcome.value} {terms}"


def _when(indent: int, cond: s.Condition, conclusion: s.Conclusion) -> list[_Line]:
    """`si … alors …` on one line, or `alors` under `si` and the condition broken."""
    single = f"si {_cond(cond)} alors {_conclusion(conclusion)}"
    if _fits(indent, single):
        return [_Line(indent, single, cond.span.line)]
    alors = _Line(indent, f"alors {_conclusion(conclusion)}", conclusion.span.line)
    return [*_condition_lines(indent, "si", cond, broken=True), alors]


# --- assessment forms --------------------------------------------------------------
def _counted(number: s.Number, word: str) -> str:
    """`1 situation`, `2 situations`: French agreement (both spellings are the keyword)."""
    return f"{number.text} {word}{'s' if number.value >= 2 else ''}"


def _duration(duration: s.Duration) -> str:
    return duration.text.replace(" ", "")


def _form(form: s.Form) -> str:
    if isinstance(form, s.Ccf):
        return f"CCF {_counted(form.situations, 'situation')}"
    preparation = f" + {_duration(form.preparation)} de preparation" if form.preparation else ""
    modes = " et ".join(mode.value for mode in form.modes)
    return f"EPFF {modes} {_duration(form.duration)}{preparation}"


def _forms(forms: tuple[s.Form, ...]) -> str:
    return ": " + " ; ".join(_form(f) for f in forms)


def _attach(head: _Line, clause: str, anchor: int) -> list[_Line]:
    """`clause` at the end of `head` when it fits, else on a continuation line."""
    joined = f"{head.text} {clause}"
    if _fits(head.indent, joined):
        return [replace(head, text=joined)]
    return [head, _Line(head.indent + STEP, clause, anchor)]


# --- statements --------------------------------------------------------------------
Statement = s.Import | s.Diploma | s.Outcome | s.Regime | s.Example


class _Printer:
    """Surface nodes → lines, each statement in the house style."""

    def __init__(self, texts: _Texts) -> None:
        self.texts = texts

    def document(self, document: s.Document) -> list[_Line]:
        statements: list[Statement] = sorted(
            [
                *document.imports,
                *document.diplomas,
                *document.outcomes,
                *document.regimes,
                *document.examples,
            ],
            key=lambda node: (node.span.line, node.span.column),
        )
        lines: list[_Line] = []
        for statement in statements:
            match statement:
                case s.Import():
                    text = f"importe {_quoted(statement.path)}"
                    lines.append(_Line(0, text, statement.span.line, opens=True))
                case s.Diploma():
                    lines += self.diploma(statement)
                case s.Outcome():
                    lines.append(self.outcome(statement))
                case s.Regime():
                    lines += self.regime(statement)
                case s.Example():
                    lines += self.example(statement)
        return lines

    # --- texts ---
    def title(self, title: str | None, span: Span) -> str:
        """` "title"`: one string, or as written when one string cannot hold it."""
        if title is None:
            return ""
        if title == title.strip() and _quotable(title):
            return " " + _quoted(title)
        return "".join(" " + _quoted(piece) for piece, _ in self.texts.within(span)[0].pieces)

    def text_lines(self, indent: int, keyword: str, text: _Text, anchor: int) -> list[_Line]:
        """`cite "…"`: the strings as written, each split if too long, aligned."""
        column = indent + len(keyword) + 1
        pieces = [
            (piece, line)
            for content, line in text.pieces
            for piece in _wrap(content, TEXT_WIDTH - column)
        ]
        (first, _), *rest = pieces
        return [
            _Line(indent, f"{keyword} {_quoted(first)}", anchor),
            *(_Line(column, _quoted(piece), line) for piece, line in rest),
        ]

    def citation(self, citation: s.Citation | None, indent: int) -> list[_Line]:
        if citation is None:
            return []
        cited, *origin = self.texts.within(citation.span)
        lines = self.text_lines(indent, "cite", cited, citation.span.line)
        for text in origin:
            lines += self.text_lines(indent, "source", text, text.pieces[0][1])
        return lines

    # --- top level ---
    def diploma(self, diploma: s.Diploma) -> list[_Line]:
        """The header, then one field a line in the author's order (of a field
        written twice, the last, the one that is read)."""
        head = f"diplome {diploma.code.value}{self.title(diploma.title, diploma.span)}"
        fields: list[tuple[tuple[int, int], list[_Line]]] = []
        numbers = (
            ("rncp", diploma.rncp),
            ("niveau", diploma.level),
            ("session", diploma.session),
            ("derniere session", diploma.last_session),
        )
        for keyword, number in numbers:
            if number:
                line = _Line(STEP, f"{keyword} {number.text}", number.span.line)
                fields.append(((number.span.line, number.span.column), [line]))
        if diploma.source is not None:
            written = self.texts.within(diploma.span)[-1]
            lines = self.text_lines(STEP, "source", written, written.pieces[0][1])
            fields.append(((written.line, written.column), lines))
        fields.sort(key=lambda field: field[0])
        return [_Line(0, head, diploma.span.line, opens=True), *(x for _, f in fields for x in f)]

    def outcome(self, outcome: s.Outcome) -> _Line:
        name = f"resultat {outcome.name.value}"
        text = name + self.title(outcome.label, outcome.span)
        return _Line(0, text, outcome.span.line, opens=True, label=len(name))

    def regime(self, regime: s.Regime) -> list[_Line]:
        keyword = "modele" if regime.model else "regime"
        head = _Line(
            0,
            f"{keyword} {regime.name.value}{self.title(regime.title, regime.span)}",
            regime.span.line,
            opens=True,
        )
        base = regime.base
        lines = _attach(head, f"reprend {base.value}", base.span.line) if base else [head]
        for item in regime.items:
            lines += self.item(item, STEP)
        if regime.resit is not None:
            opening = regime.resit_span.line if regime.resit_span else regime.span.end_line
            lines.append(_Line(STEP, "apres controle", opening, opens=True))
            for item in regime.resit:
                lines += self.item(item, 2 * STEP)
        return lines

    def example(self, example: s.Example) -> list[_Line]:
        head = _Line(
            0,
            f"exemple {example.name.value}{self.title(example.title, example.span)}",
            example.span.line,
            opens=True,
        )
        regime = example.regime
        lines = _attach(head, f"regime {regime.value}", regime.span.line)
        lines += _grade_lines(STEP, example.grades)
        deciding = f" par {example.rule.value}" if example.rule else ""
        phase = " apres controle" if example.after_resit else ""
        outcome = example.outcome
        lines.append(_Line(STEP, f"attendu {outcome.value}{deciding}{phase}", outcome.span.line))
        return lines

    # --- regime items ---
    def item(self, item: s.RegimeItem, indent: int) -> list[_Line]:
        match item:
            case s.Group():
                return self.group(item, indent)
            case s.FormOverride():
                head = _Line(indent, f"forme {item.unit.value}", item.span.line, opens=True)
                return _attach(head, _forms(item.forms), item.forms[0].span.line)
            case s.KeptGrades():
                text = (
                    f"benefice des notes {item.op} {item.threshold.text}"
                    f" pendant {item.years.text} ans"
                )
                head = _Line(indent, text, item.span.line, opens=True)
                return [head, *self.citation(item.citation, indent + STEP)]
            case s.Figure():
                return self.figure(item, indent)
            case s.Rule():
                return self.rule(item, indent)
            case s.Default():
                text = f"sinon {_conclusion(item.conclusion)}"
                head = _Line(indent, text, item.span.line, opens=True)
                return [head, *self.citation(item.citation, indent + STEP)]
        raise AssertionError(item)

    def group(self, group: s.Group, indent: int) -> list[_Line]:
        flags = " facultatif" * group.optional + " dispensable" * group.exemptable
        text = f"groupe {group.name.value}{self.title(group.title, group.span)}{flags}"
        lines = [_Line(indent, text, group.span.line, opens=True)]
        for unit in group.units:
            lines += self.unit(unit, indent + STEP)
        return lines

    def unit(self, unit: s.Unit, indent: int) -> list[_Line]:
        coefficient = f" coefficient {unit.coefficient.text}" if unit.coefficient else ""
        text = f"unite {unit.code.value}{self.title(unit.title, unit.span)}{coefficient}"
        lines = [_Line(indent, text, unit.span.line, opens=True)]
        if unit.forms:
            lines.append(_Line(indent + STEP, _forms(unit.forms), unit.forms[0].span.line))
        for part in unit.parts:
            lines += self.part(part, indent + STEP)
        return lines

    def part(self, part: s.Part, indent: int) -> list[_Line]:
        text = (
            f"partie {part.name.value}{self.title(part.title, part.span)}"
            f" coefficient {part.coefficient.text}"
        )
        head = _Line(indent, text, part.span.line, opens=True)
        return _attach(head, _forms(part.forms), part.forms[0].span.line) if part.forms else [head]

    def figure(self, figure: s.Figure, indent: int) -> list[_Line]:
        head = f"chiffre {figure.name.value}{self.title(figure.title, figure.span)} ="
        rounding = figure.rounding
        suffix = f" {rounding.mode} {_counted(rounding.decimals, 'decimale')}" if rounding else ""
        single = f"{head} {_expr(figure.expr)}{suffix}"
        if _fits(indent, single):
            lines = [_Line(indent, single, figure.span.line, opens=True)]
        else:
            lines = [
                _Line(indent, head, figure.span.line, opens=True),
                *_expr_lines(indent + STEP, figure.expr, suffix),
            ]
        return lines + self.citation(figure.citation, indent + STEP)

    def rule(self, rule: s.Rule, indent: int) -> list[_Line]:
        text = f"regle {rule.name.value}{self.title(rule.title, rule.span)}"
        lines = [_Line(indent, text, rule.span.line, opens=True)]
        inner = indent + STEP
        if rule.condition is not None and rule.conclusion is not None:
            lines += _when(inner, rule.condition, rule.conclusion)
        for exception in rule.exceptions:
            lines += _condition_lines(inner, "sauf si", exception.condition)
        return lines + self.citation(rule.citation, inner)


def _grade_lines(indent: int, grades: tuple[s.ExampleGrade, ...]) -> list[_Line]:
    """`notes U1 10, U2 ABS, …`, continued under the first grade when too long; the
    resit grades and the jury's decision each start a line of their own."""
    column = indent + len("notes ")
    rows: list[list[s.ExampleGrade]] = [[]]
    for grade in grades:
        opens = rows[-1] and _grade_kind(grade) not in (GRADES, _grade_kind(rows[-1][-1]))
        if rows[-1] and (opens or not _fits(column, _grade_row([*rows[-1], grade]) + ",")):
            rows.append([])
        rows[-1].append(grade)
    last = len(rows) - 1
    return [
        _Line(
            column if number else indent,
            ("" if number else "notes ") + _grade_row(row) + ("," if number < last else ""),
            row[0].span.line,
        )
        for number, row in enumerate(rows)
    ]


GRADES, RESIT, JURY_DECISION = "grades", "resit", "jury"


def _grade_kind(grade: s.ExampleGrade) -> str:
    """Which part of the candidate's row a column belongs to."""
    column = fold(grade.column.value)
    if column in (JURY, JURY_REASON):
        return JURY_DECISION
    return RESIT if fold(split_column(column)[1]) == RESIT_SUFFIX else GRADES


def _grade_row(grades: list[s.ExampleGrade]) -> str:
    return ", ".join(
        f"{g.column.value} {_quoted(g.value) if g.quoted else g.value}" for g in grades
    )


# --- comments and blank lines ------------------------------------------------------
class _Weaver:
    """Writes lines and comments in order, keeping the author's blank lines
    before statements (and the comments that lead them), at most one."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.out: list[str] = []
        self.last = 0  # the furthest source line written

    def blank_before(self, line: int, opens: bool) -> None:
        blank = not self.source.line(line - 1).strip()
        if opens and self.out and self.last < line - 1 and blank:
            self.out.append("")

    def write(self, indent: int, text: str, line: int) -> None:
        self.out.append(" " * indent + text)
        self.last = max(self.last, line)


def _weave(lines: list[_Line], comments: tuple[Comment, ...], source: SourceFile) -> str:
    """The lines with every comment, in source order: each goes just before the
    line it is placed with, but for the last, which ends it if it ended a line."""
    placed, tail = _place(lines, comments, source)
    weaver = _Weaver(source)
    labels: list[tuple[int, int]] = []  # (output line, where its label starts)
    for index, line in enumerate(lines):
        group = sorted(placed.get(index, []), key=lambda c: c.line)
        end = group.pop() if group and _ends_code(group[-1], source) else None
        for comment in group:
            weaver.blank_before(min(comment.line, line.anchor), line.opens)
            weaver.write(line.indent, comment.text, comment.line)
        weaver.blank_before(line.anchor, line.opens)
        weaver.write(line.indent, line.text + (_gap(end, source) if end else ""), line.anchor)
        if line.label:
            labels.append((len(weaver.out) - 1, line.label))
    for comment in tail:
        weaver.blank_before(comment.line, True)
        weaver.write(0, comment.text, comment.line)
    _align(weaver.out, labels)
    return "".join(line + "\n" for line in weaver.out)


def _place(
    lines: list[_Line], comments: tuple[Comment, ...], source: SourceFile
) -> tuple[dict[int, list[Comment]], list[Comment]]:
    """Line index → its comments, and the comments after the last code. A comment
    that ends a line of code goes with the line now holding that code; one alone
    on its line, with the line holding the code that followed it. A line holds
    the source lines from its anchor to the next line's (anchors never decrease)."""
    anchors = [line.anchor for line in lines]
    marks = {c.line: c.column for c in comments}
    code = [
        number
        for number, text in enumerate(split_lines(source.text), start=1)
        if text[: marks.get(number, len(text) + 1) - 1].strip()
    ]
    placed: dict[int, list[Comment]] = defaultdict(list)
    tail: list[Comment] = []
    for comment in comments:
        after = bisect_right(code, comment.line)  # the next line of code, if any
        if _ends_code(comment, source):  # with the last line holding code of its line
            placed[max(bisect_right(anchors, comment.line) - 1, 0)].append(comment)
        elif after < len(code):  # with the first line holding the code after it
            start = bisect_left(anchors, code[after])
            begins = start < len(anchors) and anchors[start] == code[after]
            placed[start if begins else max(start - 1, 0)].append(comment)
        else:
            tail.append(comment)
    return placed, tail


def _ends_code(comment: Comment, source: SourceFile) -> bool:
    return bool(source.line(comment.line)[: comment.column - 1].strip())


def _align(out: list[str], labels: list[tuple[int, int]]) -> None:
    """Outcome lines that follow each other align their labels, one column after
    the longest name."""
    runs: list[list[tuple[int, int]]] = []
    for label in labels:
        if runs and runs[-1][-1][0] == label[0] - 1:
            runs[-1].append(label)
        else:
            runs.append([label])
    for run in runs:
        width = max(column for _, column in run)
        for index, column in run:
            out[index] = out[index][:column] + " " * (width - column) + out[index][column:]


def _gap(comment: Comment, source: SourceFile) -> str:
    """The comment with the spaces the author put before it (at least one)."""
    code = source.line(comment.line)[: comment.column - 1]
    return " " * max(len(code) - len(code.rstrip()), 1) + comment.text
