"""Decisions as tables of cells, for people's spreadsheets: the CSV Excel opens and the
.xlsx workbook. One definition of the columns for both.

A decision's row: the candidate, the decision and its deciding rule with
`file:line`, each unit's grade, each figure before the resit and, when the
candidate sat it, after, then the engine's proposal when the jury decided.
Headers are the French titles (`Moyenne générale`), the identifiers
(`moyenne_generale`) for programs, or both on two rows.

Numbers show what the display rule shows (`numbers.shown`: truncated, never
rounded up, with the digits that decide): in the CSV as text with a decimal
comma; in the workbook as a number holding exactly the digits shown, with as
many decimals in its format, so that no spreadsheet shows more than the value
(a 9.9995 average is the number 9.99 shown `9.99`, never 10.00).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, TYPE_CHECKING, TypeAlias

from ndrc_rules.common.messages import text
from ndrc_rules.engine import trace as t
from ndrc_rules.io.candidates import RowError
from ndrc_rules.language import core as m
from ndrc_rules.render.trace import rule_words, where
from ndrc_rules.render.views import final_trace

if TYPE_CHECKING:
    import xlsxwriter
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

Result: TypeAlias = "t.Decision | RowError"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one


class Headers(StrEnum):
    """Which header rows a table gets."""

    FR = "fr"  # the French titles: for people (Excel's filters need a single row)
    ID = "id"  # the identifiers: for programs
    BOTH = "fr+id"  # the titles, then the identifiers


class Shown(str):
    """A number as the display rule shows it ('12.42', '10.005', or '221/21' when no
    decimals tell it apart): a number cell in a workbook, text with a comma in a CSV."""


Cell = str | int | Shown | None


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the identifier header
    title: str  # the French header
    cell: Callable[[t.Decision], Cell]


def header_rows(keys: list[str], titles: list[str], headers: Headers) -> list[list[str]]:
    """The header rows a table starts with."""
    return {Headers.FR: [titles], Headers.ID: [keys], Headers.BOTH: [titles, keys]}[headers]


def decision_columns(program: m.Program) -> list[Column]:
    """The columns of a decision, for the regulation's units and figures."""
    regimes = program.regimes
    units = list({u.code: u for r in regimes for u in r.units}.values())
    figures = list({f.name: f for r in regimes for f in r.figures}.values())
    resit = any(r.resit is not None for r in regimes)
    return [
        Column("row", text("sheet.col.row"), lambda d: d.row),
        Column("id", text("sheet.col.id"), lambda d: d.id),
        Column("regime", text("sheet.col.regime"), lambda d: d.regime),
        Column("decision", text("sheet.col.decision"), lambda d: d.decision),
        Column("label", text("sheet.col.label"), lambda d: d.label),
        Column("deciding_rule_title", text("sheet.col.rule"), _rule_title),
        Column("deciding_rule", text("sheet.col.rule_id"), lambda d: d.deciding_rule),
        Column("deciding_rule_source", text("sheet.col.source"), _source),
        *(_unit_column(unit) for unit in units),
        *(_figure_column(figure) for figure in figures),
        *(_after_resit_column(figure) for figure in figures if resit),
        Column("proposal_decision", text("sheet.col.proposal_decision"), _proposal("decision")),
        Column("proposal_rule_title", text("sheet.col.proposal_rule"), _proposal("title")),
        Column("proposal_rule", text("sheet.col.proposal_rule_id"), _proposal("deciding_rule")),
        Column("proposal_rule_source", text("sheet.col.proposal_source"), _proposal("source")),
    ]


ERROR_COLUMNS = (  # a row error's own columns: (identifier, title key, field)
    ("error_code", "sheet.col.error_code", "code"),
    ("error_field", "sheet.col.error_field", "field"),
    ("error_message", "sheet.col.error_message", "message"),
)


def error_headers(headers: Headers, *, alone: bool) -> list[list[str]]:
    """The header rows of a row error's columns; `alone`: with the row and the id
    (the workbook's sheet of errors), not after a decision's columns (the CSV)."""
    named = [("row", "sheet.col.row"), ("id", "sheet.col.id")] if alone else []
    named += [(key, title) for key, title, _ in ERROR_COLUMNS]
    return header_rows([key for key, _ in named], [text(title) for _, title in named], headers)


def _where(source: t.SourceRef | None) -> str | None:
    """`bts_national.reg:49`, as the terminal shows it; none when the jury decided."""
    return where(source) if source else None


def _rule_title(decision: t.Decision) -> Cell:
    """The deciding rule as people read it (its title; the default outcome said so)."""
    return rule_words(decision.deciding_rule, final_trace(decision))


def _source(decision: t.Decision) -> Cell:
    return _where(decision.deciding_rule_source)  # none when the jury decided


def _proposal(field: str) -> Callable[[t.Decision], Cell]:
    def cell(decision: t.Decision) -> Cell:
        proposal = decision.proposal
        if proposal is None:
            return None
        if field == "source":
            return _where(proposal.deciding_rule_source)
        if field == "title":
            return rule_words(proposal.deciding_rule, decision.trace)
        value: str = getattr(proposal, field)
        return value

    return cell


def _unit_column(unit: m.UnitDef) -> Column:
    def cell(decision: t.Decision) -> Cell:
        traced = decision.trace.units if decision.trace else []
        found = next((u for u in traced if u.code == unit.code), None)
        if found is None or found.status == "absente":
            return None
        return Shown(found.display) if found.display is not None else found.status

    return Column(unit.code, f"{unit.code} {unit.title}".strip(), cell)


def _figure_column(figure: m.FigureDef) -> Column:
    """A figure before the resit (the only one, when the candidate did not sit it)."""

    def cell(decision: t.Decision) -> Cell:
        if decision.trace is not None:
            found = next((f for f in decision.trace.figures if f.name == figure.name), None)
            return Shown(found.display) if found else None
        shown = None if decision.resit_phase else decision.figures.get(figure.name)
        return Shown(shown) if shown is not None else None

    return Column(figure.name, figure.title or figure.name, cell)


def _after_resit_column(figure: m.FigureDef) -> Column:
    def cell(decision: t.Decision) -> Cell:
        shown = decision.figures.get(figure.name) if decision.resit_phase else None
        return Shown(shown) if shown is not None else None

    title = text("sheet.col.after_resit", title=figure.title or figure.name)
    return Column(f"{figure.name}.apres_controle", title, cell)


# --- CSV ---------------------------------------------------------------------------


def write_csv(
    results: Iterable[Result], columns: list[Column], out: IO[str], headers: Headers
) -> None:
    """';'-separated with decimal commas, as French spreadsheets read it: a decision's
    columns, then a row error's; UTF-8 with a BOM when the headers are for people."""
    if headers is not Headers.ID:
        out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    own = header_rows([c.key for c in columns], [c.title for c in columns], headers)
    writer.writerows(a + b for a, b in zip(own, error_headers(headers, alone=False), strict=True))
    blank = [""] * (len(columns) - 2)
    for result in results:
        if isinstance(result, RowError):
            errors = [getattr(result, field) or "" for _, _, field in ERROR_COLUMNS]
            writer.writerow([result.row, result.id or "", *blank, *errors])
        else:
            writer.writerow([*(_csv_cell(c.cell(result)) for c in columns), "", "", ""])


def _csv_cell(cell: Cell) -> str | int:
    if cell is None:
        return ""
    # The CSV is for a French spreadsheet (`;` between cells): its decimals have a comma.
    return cell.replace(".", ",") if isinstance(cell, Shown) else cell


# --- the workbook ----------------------------------------------------------------------

_DECIMALS = re.compile(r"-?\d+(?:\.(\d+))?")
_PLAIN = {  # cells hold what they are given: no text read as a formula, a link, a number
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def write_workbook(
    results: Iterable[Result], columns: list[Column], out: IO[bytes], headers: Headers
) -> None:
    """An .xlsx workbook: the decisions on a first sheet, the row errors (row, id,
    column, code, message) on a second, streamed row by row (XlsxWriter's
    constant-memory mode: a cohort of any size is written in bounded memory)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, **_PLAIN})
    sheets = _Sheets(workbook)
    bold = workbook.add_format({"bold": True})
    decisions = sheets.add(text("sheet.decisions"))
    errors = sheets.add(text("sheet.errors"))
    own = header_rows([c.key for c in columns], [c.title for c in columns], headers)
    for sheet, rows in ((decisions, own), (errors, error_headers(headers, alone=True))):
        for row in rows:
            sheets.append(sheet, row, bold)
        sheet.freeze_panes(len(rows), 0)
    for result in results:
        if isinstance(result, RowError):
            own_cells = [getattr(result, field) for _, _, field in ERROR_COLUMNS]
            sheets.append(errors, [result.row, result.id, *own_cells])
        else:
            sheets.append(decisions, [column.cell(result) for column in columns])
    workbook.close()


class _Sheets:
    """The workbook's sheets, each written row after row, numbers as numbers."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.next: dict[str, int] = {}
        self.formats: dict[int, Format] = {}

    def add(self, name: str) -> Worksheet:
        sheet = self.workbook.add_worksheet(name)
        self.next[sheet.name] = 0
        return sheet

    def append(self, sheet: Worksheet, cells: Sequence[Cell], style: Format | None = None) -> None:
        row = self.next[sheet.name]
        for column, cell in enumerate(cells):
            if isinstance(cell, Shown) and (found := _DECIMALS.fullmatch(cell)):
                # The digits shown, as a number with as many decimals in its format:
                # never float() of the exact value, which Excel would round up.
                shown = self._decimals(len(found[1] or ""))
                sheet.write_number(row, column, float(Decimal(cell)), shown)
            elif isinstance(cell, int):
                sheet.write_number(row, column, cell, style)
            elif cell is not None:
                sheet.write_string(row, column, cell, style)
        self.next[sheet.name] = row + 1

    def _decimals(self, decimals: int) -> Format:
        if decimals not in self.formats:
            shape = "0." + "0" * decimals if decimals else "0"
            self.formats[decimals] = self.workbook.add_format({"num_format": shape})
        return self.formats[decimals]
