"""`ndrc-rules eval`: decide a cohort; a table for people, JSON, JSON Lines or CSV
for machines, and the decision store when asked."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeAlias

from rich import box
from rich.console import Console, JustifyMethod, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_ROW_ERRORS,
    EXIT_USAGE,
    PipeConsole,
    output,
    stderr,
    stdout,
    warn_ignored,
)
from ndrc_rules.common.messages import counted, text
from ndrc_rules.common.numbers import readable
from ndrc_rules.common.status import ERROR
from ndrc_rules.render.trace import PLAIN, Vocabulary, outcome_style, where

if TYPE_CHECKING:
    from ndrc_rules.api import Regulation
    from ndrc_rules.audit.store import Batch, Store
    from ndrc_rules.engine import trace as t
    from ndrc_rules.io.candidates import Candidate, RowError
    from ndrc_rules.versions import Versions

Row: TypeAlias = "Candidate | RowError"  # one input row, read
Result: TypeAlias = "t.Decision | RowError"  # one row, decided


def arguments(command: argparse.ArgumentParser) -> None:
    options.inputs(command)
    options.output_format(command, "table", "json", "jsonl", "csv", "xlsx")
    command.add_argument("--output", "-o", type=Path, help=text("cli.output"))
    headers = ["fr", "id", "fr+id"]  # render.tabular.Headers, not imported at start-up
    command.add_argument("--headers", choices=headers, default="fr", help=text("cli.headers"))
    command.add_argument("--db", type=Path, metavar="REGISTRE", help=text("cli.db"))


def run(args: argparse.Namespace) -> int:
    from ndrc_rules.audit.records import from_line
    from ndrc_rules.versions import Versions

    if args.format == "xlsx" and args.output is None:  # a binary file, not for a terminal
        stderr().print(text("cli.xlsx_stdout"), markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    versions = Versions.load(args.regulation)
    regulation = versions.latest
    ignored: set[str] = set()
    read = versions.read(args.candidates, encoding=args.encoding, sheet=args.sheet)
    rows = _noting_ignored(read, ignored)
    figures = [f.name for f in regulation.program.regimes[0].figures]
    with output(args.output) as out, _progress(args.output is not None) as advance:
        store = _store(args.db)  # once the output can be written: nothing made otherwise
        rows = _counted(rows, advance)
        if store is None and args.format in ("table", "json"):  # no trace for a table
            results = versions.decide_all(rows, trace=args.format == "json")
        else:  # JSON records (CSV, workbooks: their traces), stored as they pass when asked
            lines = versions.record_lines(rows)
            if store is not None:
                lines = store.append(_batch(versions, args.candidates), lines)
            results = (from_line(*line) for line in lines)
        match args.format:
            case "jsonl":
                counts = write_lines(lines, out)
            case "csv" | "xlsx":
                counts = _write_tabular(regulation, results, args, out)
            case "json":
                counts = _write_json(regulation, list(results), out)
            case _:
                counts = _write_table(regulation, results, figures, out)
    if args.format != "table":
        _summary(stderr(), counts)
    warn_ignored(ignored)
    return EXIT_ROW_ERRORS if counts[ERROR] else EXIT_OK


def _store(path: Path | None) -> Store | None:
    from ndrc_rules.audit.store import Store

    if path is None:
        return None

    def waiting(seconds: float) -> None:
        shown = text("store.waiting", path=path, seconds=f"{seconds:g}")
        stderr().print(shown, markup=False, soft_wrap=True)

    return Store(path, create=True, on_wait=waiting)


def _batch(versions: Versions, candidates: Path) -> Batch:
    from ndrc_rules import __version__
    from ndrc_rules.audit.records import now
    from ndrc_rules.audit.store import Batch

    programs = [versions.regulations[id(r.program)].program for r in versions.ranges]
    return Batch(
        started_at=now(),
        regulation_path=";".join(p.path for p in programs),
        regulation_sha256=";".join(p.sha256 for p in programs),
        engine_version=__version__,
        candidates_path=str(candidates),
    )


def _write_json(regulation: Regulation, results: list[Result], out: IO[str]) -> Counter[str]:
    from ndrc_rules.audit.records import record
    from ndrc_rules.engine.explain import stamp

    counts = Counter(_outcome(r) for r in results)
    document = {
        "regulation": stamp(regulation.program).model_dump(mode="json"),
        "results": [record(r) for r in results],
        "summary": {"rows": len(results), **counts},
    }
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return counts


def _write_tabular(
    regulation: Regulation, results: Iterable[Result], args: argparse.Namespace, out: IO[str]
) -> Counter[str]:
    """The CSV for spreadsheets, or the .xlsx workbook (written to the file's bytes)."""
    from ndrc_rules.render.tabular import Headers, decision_columns, write_csv, write_workbook

    counts: Counter[str] = Counter()
    columns = decision_columns(regulation.program)
    counted, headers = _counting(results, counts), Headers(args.headers)
    if args.format == "xlsx":
        write_workbook(counted, columns, out.buffer, headers)  # type: ignore[attr-defined]
    else:
        write_csv(counted, columns, out, headers)
    return counts


def _write_table(
    regulation: Regulation, results: Iterable[Result], figures: list[str], out: IO[str]
) -> Counter[str]:
    """The decisions as they come (in bounded memory), then the counts."""
    console = (
        PipeConsole(file=out, highlight=False, width=160) if out is not sys.stdout else stdout()
    )
    counts: Counter[str] = Counter()
    title = text("eval.title", diploma=regulation.program.diploma.title)
    vocabulary = Vocabulary.of([regulation.program])
    decided = _counting(results, counts)
    for table in decision_tables(decided, figures, title, console, vocabulary):
        console.print(table)
    console.print(counts_table(counts, vocabulary))
    _summary(console, counts)
    return counts


def _counting(results: Iterable[Result], counts: Counter[str]) -> Iterator[Result]:
    for result in results:
        counts[_outcome(result)] += 1
        yield result


@contextmanager
def _progress(visible: bool) -> Iterator[Callable[[], None]]:
    """A live count of decided rows on a terminal, for long runs written to a file;
    nothing when standard error is not a terminal (a pipe, CI, a log)."""
    if not (visible and sys.stderr.isatty()):
        yield lambda: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.completed} " + text("eval.progress")),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr(), transient=True) as progress:
        task = progress.add_task("eval", total=None)
        yield lambda: progress.advance(task)


def _counted(rows: Iterator[Row], advance: Callable[[], None]) -> Iterator[Row]:
    for row in rows:
        advance()
        yield row


def _noting_ignored(rows: Iterator[Row], ignored: set[str]) -> Iterator[Row]:
    """Pass rows through, collecting the columns the regulation does not read."""
    from ndrc_rules.io.candidates import RowError

    for row in rows:
        if not isinstance(row, RowError):
            ignored.update(row.ignored)
        yield row


def _outcome(result: Result) -> str:
    from ndrc_rules.io.candidates import RowError

    return ERROR if isinstance(result, RowError) else result.decision


def _summary(console: Console, counts: Counter[str]) -> None:
    rows = sum(counts.values())
    said = text(
        "eval.summary",
        rows=counted("count.rows", rows),
        decisions=counted("count.decisions", rows - counts[ERROR]),
        errors=counted("count.errors", counts[ERROR]),
    )
    console.print(said, markup=False)


# --- machine records ---------------------------------------------------------------
def write_lines(lines: Iterable[tuple[str, str]], out: IO[str]) -> Counter[str]:
    """JSON Lines: one record per row, counted by outcome."""
    counts: Counter[str] = Counter()
    for outcome, line in lines:
        counts[outcome] += 1
        out.write(line + "\n")
    return counts


# --- tables for people ---------------------------------------------------------------
CHUNK = 500  # rows per printed table: a cohort of any size is shown in bounded memory


def decision_tables(
    results: Iterable[Result],
    figures: list[str],
    title: str,
    console: Console,
    vocabulary: Vocabulary = PLAIN,
) -> Iterator[Table]:
    """Decisions and row errors, in input order, as tables of `CHUNK` rows printed one
    after the other as the rows are decided: nothing but a chunk is held. The first
    chunk chooses the layout (one line per candidate if it fits the console, else a
    compact one: candidate, decision and figures each in a cell of a few lines) and
    the column widths, kept for the rest so that the chunks read as one table. Figures
    go by their titles, rules by theirs (`vocabulary`), numbers with the decimal comma."""
    chunks = _chunks(results)
    first = next(chunks, [])
    wide: _LayoutPair = (
        partial(_wide_columns, vocabulary=vocabulary),
        partial(_wide_cells, words=vocabulary),
    )
    compact: _LayoutPair = (_compact_columns, partial(_compact_cells, words=vocabulary))
    layout, (widths, excess) = wide, _widths(wide, first, figures, console)
    if excess > 0:
        layout, (widths, _) = compact, _widths(compact, first, figures, console)
    yield _table(layout, first, figures, title, widths)
    for chunk in chunks:
        yield _table(layout, chunk, figures, None, widths)


def _chunks(results: Iterable[Result]) -> Iterator[list[Result]]:
    iterator = iter(results)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _widths(
    layout: _LayoutPair, rows: list[Result], figures: list[str], console: Console
) -> tuple[list[int], int]:
    """Each column as wide as its text; if the table is then wider than the console,
    the widest columns that wrap narrowed down to their longest word. Columns that do
    not wrap (numbers, ids) keep their width. Returns the widths and how many columns
    the table still overflows the console by (0 when it fits)."""
    columns, cells = layout
    headings = [heading for heading, _, _ in columns(figures)]
    widths = [len(heading) for heading in headings]
    floors = [max((len(word) for word in heading.split()), default=0) for heading in headings]
    for row in rows:
        for index, cell in enumerate(cells(row, figures)):
            width, floor = _measured(cell, console)
            widths[index], floors[index] = max(widths[index], width), max(floors[index], floor)
    empty = _table(layout, [], figures, None, [1] * len(headings))
    frame = Measurement.get(console, console.options, empty).maximum - len(widths)
    excess = sum(widths) + frame - console.width
    wraps = [index for index, (_, _, wrapping) in enumerate(columns(figures)) if wrapping]
    while excess > 0 and wraps:  # a column at a time, the one with most room to give
        index = max(wraps, key=lambda i: widths[i] - floors[i])
        if widths[index] <= floors[index]:
            break  # too narrow even so: rich folds what remains
        widths[index] -= 1
        excess -= 1
    return widths, max(excess, 0)


def _measured(cell: RenderableType, console: Console) -> tuple[int, int]:
    """A cell's width on one line per line of its text, and its longest word: the
    narrowest it may be (a nested table: what rich measures)."""
    if isinstance(cell, Text | str):
        lines = (cell.plain if isinstance(cell, Text) else cell).split("\n")
        return max(map(len, lines)), max(
            (len(w) for line in lines for w in line.split()), default=0
        )
    measured = Measurement.get(console, console.options, cell)
    return measured.maximum, measured.minimum


_Columns = list[tuple[str, JustifyMethod, bool]]  # (heading, justification, wraps)
_Layout: TypeAlias = "Callable[[Result, list[str]], list[RenderableType]]"
_LayoutPair: TypeAlias = "tuple[Callable[[list[str]], _Columns], _Layout]"


def _table(
    layout: _LayoutPair,
    rows: list[Result],
    figures: list[str],
    title: str | None,
    widths: list[int] | None = None,
) -> Table:
    columns, cells = layout
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        show_header=title is not None,
    )
    for index, (heading, justify, wraps) in enumerate(columns(figures)):
        table.add_column(
            heading,
            justify=justify,
            no_wrap=not wraps,
            width=widths[index] if widths else None,
            overflow="fold",
        )
    for result in rows:
        table.add_row(*cells(result, figures))
    return table


def _wide_columns(figures: list[str], vocabulary: Vocabulary) -> _Columns:
    """One line a candidate: only the figures' headings (their titles) wrap."""
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),
        (text("col.regime"), "left", False),
        (text("col.decision"), "left", False),
        (text("col.rule"), "left", False),
        *((vocabulary.figure(name), "right", True) for name in figures),
    ]


def _wide_cells(result: Result, figures: list[str], words: Vocabulary) -> list[RenderableType]:
    from ndrc_rules.io.candidates import RowError

    if isinstance(result, RowError):
        return [
            str(result.row),
            Text(result.id or "—"),
            "",
            _row_error(result),
            "",
            *[""] * len(figures),
        ]
    return [
        str(result.row or ""),
        Text(result.id),
        Text(result.regime),
        Text(result.label, style=outcome_style(result.decision, words.tones)),
        Text(_deciding(result, words)),
        *(readable(result.figures.get(name, "")) for name in figures),
    ]


def _compact_columns(figures: list[str]) -> _Columns:
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),  # the id, the regime under it
        (text("col.decision"), "left", True),  # the outcome, its rule, where it is written
        (text("col.figures"), "left", True),  # one figure a line: its title wraps, not its value
    ]


def _compact_cells(result: Result, figures: list[str], words: Vocabulary) -> list[RenderableType]:
    from ndrc_rules.io.candidates import RowError

    if isinstance(result, RowError):
        return [str(result.row), Text(result.id or "—"), _row_error(result), ""]
    decision = Text(result.label, style=outcome_style(result.decision, words.tones))
    decision.append(f"\n{_deciding(result, words, compact=True)}", "dim")
    candidate = Text(result.id)
    candidate.append(f"\n{result.regime}", "dim")
    shown = Table.grid(padding=(0, 1))
    shown.add_column(overflow="fold")
    shown.add_column(justify="right", no_wrap=True)
    for name in figures:
        if name in result.figures:
            shown.add_row(Text(words.figure(name)), readable(result.figures[name]))
    return [str(result.row or ""), candidate, decision, shown]


def _row_error(error: RowError) -> Text:
    said = text("eval.row_error", code=error.code, field=error.field or "—", message=error.message)
    return Text(said, style="red")


def _deciding(decision: t.Decision, words: Vocabulary, compact: bool = False) -> str:
    """The deciding rule by its title and its line (`compact`: under it), or the jury
    with the engine's proposal."""
    proposal, after_resit = decision.proposal, decision.resit_phase is not None
    if decision.deciding_rule_source is not None:
        position = where(decision.deciding_rule_source)
        rule = words.rule(decision.regime, decision.deciding_rule, after_resit)
        return rule + (f"\n{position}" if compact else f" ({position})")
    assert proposal is not None, "only a jury decision has no deciding rule of the file"
    position = where(proposal.deciding_rule_source)
    rule = words.rule(decision.regime, proposal.deciding_rule, after_resit)
    return text("table.jury_rule", label=proposal.label, rule=rule, where=position)


def counts_table(counts: Counter[str], vocabulary: Vocabulary) -> Table:
    table = Table(title=text("eval.counts_title"), title_justify="left")
    table.add_column(text("col.outcome"))
    table.add_column(text("col.count"), justify="right")
    for outcome, count in sorted(counts.items(), key=lambda item: (item[0] == ERROR, item[0])):
        label = vocabulary.labels.get(outcome, text("col.error"))
        table.add_row(Text(label, style=outcome_style(outcome, vocabulary.tones)), str(count))
    return table
