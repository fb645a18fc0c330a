"""`ndrc-rules eval`: decide a cohort; a table for people, JSON, JSON Lines or CSV
for machines, and the decision store when asked."""

from __future__ import annotations

import argparse
import csv
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
    NO_TONES,
    PipeConsole,
    Tones,
    outcome_style,
    output,
    stderr,
    stdout,
    warn_ignored,
    where,
)
from ndrc_rules.common.messages import text
from ndrc_rules.common.status import ERROR
from ndrc_rules.language.core import outcome_tones

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
    options.output_format(command, "table", "json", "jsonl", "csv")
    command.add_argument("--output", "-o", type=Path, help=text("cli.output"))
    command.add_argument("--db", type=Path, metavar="REGISTRE", help=text("cli.db"))


def run(args: argparse.Namespace) -> int:
    from ndrc_rules.audit.records import from_line
    from ndrc_rules.versions import Versions

    versions = Versions.load(args.regulation)
    regulation = versions.latest
    ignored: set[str] = set()
    rows = _noting_ignored(versions.read(args.candidates, encoding=args.encoding), ignored)
    figures = [f.name for f in regulation.program.regimes[0].figures]
    with output(args.output) as out, _progress(args.output is not None) as advance:
        store = _store(args.db)  # once the output can be written: nothing made otherwise
        rows = _counted(rows, advance)
        if store is None and args.format != "jsonl":  # tables and CSV: no trace to pay for
            results = versions.decide_all(rows, trace=args.format == "json")
        else:  # JSON records, stored as they pass when asked
            lines = versions.record_lines(rows)
            if store is not None:
                lines = store.append(_batch(versions, args.candidates), lines)
            results = (from_line(*line) for line in lines)
        match args.format:
            case "jsonl":
                counts = write_lines(lines, out)
            case "csv":
                counts = write_csv(results, figures, out)
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


def _write_table(
    regulation: Regulation, results: Iterable[Result], figures: list[str], out: IO[str]
) -> Counter[str]:
    """The decisions as they come (in bounded memory), then the counts."""
    console = (
        PipeConsole(file=out, highlight=False, width=160) if out is not sys.stdout else stdout()
    )
    counts: Counter[str] = Counter()
    title = text("eval.title", diploma=regulation.program.diploma.title)
    tones = outcome_tones(regulation.program)
    decided = _counting(results, counts)
    for table in decision_tables(decided, figures, title, console, tones):
        console.print(table)
    labels = {o.name: o.label for o in regulation.program.outcomes}
    console.print(counts_table(counts, labels, tones))
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
    console.print(
        text("eval.summary", rows=rows, decisions=rows - counts[ERROR], errors=counts[ERROR]),
        markup=False,
    )


# --- machine records ---------------------------------------------------------------
def write_lines(lines: Iterable[tuple[str, str]], out: IO[str]) -> Counter[str]:
    """JSON Lines: one record per row, counted by outcome."""
    counts: Counter[str] = Counter()
    for outcome, line in lines:
        counts[outcome] += 1
        out.write(line + "\n")
    return counts


def write_csv(results: Iterable[Result], figures: list[str], out: IO[str]) -> Counter[str]:
    """';'-separated with decimal commas, as French spreadsheets read it."""
    from ndrc_rules.io.candidates import RowError

    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "row",
            "id",
            "regime",
            "decision",
            "label",
            "deciding_rule",
            "deciding_rule_line",
            *figures,
            "proposal_decision",
            "proposal_rule",
            "proposal_rule_line",
            "error_code",
            "error_field",
            "error_message",
        ]
    )
    counts: Counter[str] = Counter()
    for result in results:
        counts[_outcome(result)] += 1
        if isinstance(result, RowError):
            writer.writerow(
                [
                    result.row,
                    result.id or "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    *([""] * (len(figures) + 3)),
                    result.code,
                    result.field or "",
                    result.message,
                ]
            )
        else:
            shown = [result.figures.get(name, "").replace(".", ",") for name in figures]
            writer.writerow(
                [
                    result.row,
                    result.id,
                    result.regime,
                    result.decision,
                    result.label,
                    result.deciding_rule,
                    _line(result.deciding_rule_source),
                    *shown,
                    *_proposal_columns(result.proposal),
                    "",
                    "",
                    "",
                ]
            )
    return counts


def _line(source: t.SourceRef | None) -> int | str:
    return source.line if source else ""  # no line when the jury decided


def _proposal_columns(proposal: t.Proposal | None) -> list[object]:
    """The engine's proposal when the jury decided: outcome, rule, line."""
    if proposal is None:
        return ["", "", ""]
    return [proposal.decision, proposal.deciding_rule, proposal.deciding_rule_source.line]


# --- tables for people ---------------------------------------------------------------
CHUNK = 500  # rows per printed table: a cohort of any size is shown in bounded memory


def decision_tables(
    results: Iterable[Result],
    figures: list[str],
    title: str,
    console: Console,
    tones: Tones = NO_TONES,
) -> Iterator[Table]:
    """Decisions and row errors, in input order, as tables of `CHUNK` rows printed one
    after the other as the rows are decided: nothing but a chunk is held. The first
    chunk chooses the layout (one line per candidate if it fits the console, else a
    compact one: candidate, decision and figures each in a cell of a few lines) and
    the column widths, kept for the rest so that the chunks read as one table."""
    chunks = _chunks(results)
    first = next(chunks, [])
    wide = (_wide_columns, partial(_wide_cells, tones=tones))
    compact = (_compact_columns, partial(_compact_cells, tones=tones))
    layout, widths = wide, _widths(wide, first, figures, console, shrink=False)
    if widths is None:
        layout, widths = compact, _widths(compact, first, figures, console, shrink=True)
    yield _table(layout, first, figures, title, widths)
    for chunk in chunks:
        yield _table(layout, chunk, figures, None, widths)


def _chunks(results: Iterable[Result]) -> Iterator[list[Result]]:
    iterator = iter(results)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _widths(
    layout: _LayoutPair, rows: list[Result], figures: list[str], console: Console, shrink: bool
) -> list[int] | None:
    """Each column as wide as its text; if the table is then wider than the console,
    None, or (`shrink`) the widest columns that wrap narrowed down to their longest
    word. Columns that do not wrap (numbers, ids, figures) keep their width."""
    columns, cells = layout
    headings = [heading for heading, _, _ in columns(figures)]
    lines = [[heading] for heading in headings]
    for row in rows:
        for index, cell in enumerate(cells(row, figures)):
            lines[index] += (cell.plain if isinstance(cell, Text) else str(cell)).split("\n")
    widths = [max(len(line) for line in column) for column in lines]
    floors = [
        max(len(word) for line in column for word in line.split() or [""]) for column in lines
    ]
    empty = _table(layout, [], figures, None, [1] * len(headings))
    frame = Measurement.get(console, console.options, empty).maximum - len(widths)
    excess = sum(widths) + frame - console.width
    if excess > 0 and not shrink:
        return None
    wraps = [index for index, (_, _, wrapping) in enumerate(columns(figures)) if wrapping]
    while excess > 0:
        index = max(wraps, key=lambda i: widths[i] - floors[i])
        given = min(excess, widths[index] - floors[index])
        if given <= 0:
            break  # too narrow even so: rich folds what remains
        widths[index] -= given
        excess -= given
    return widths


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


def _wide_columns(figures: list[str]) -> _Columns:
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),
        (text("col.regime"), "left", True),
        (text("col.decision"), "left", True),
        (text("col.rule"), "left", True),
        *((name, "right", False) for name in figures),
    ]


def _wide_cells(result: Result, figures: list[str], tones: Tones) -> list[RenderableType]:
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
        Text(result.label, style=outcome_style(result.decision, tones)),
        Text(_deciding(result)),
        *(result.figures.get(name, "") for name in figures),
    ]


def _compact_columns(figures: list[str]) -> _Columns:
    return [
        (text("col.row"), "right", False),
        (text("col.id"), "left", False),  # the id, the regime under it
        (text("col.decision"), "left", True),  # the outcome, its rule, where it is written
        (text("col.figures"), "left", False),  # one figure a line, values aligned
    ]


def _compact_cells(result: Result, figures: list[str], tones: Tones) -> list[RenderableType]:
    from ndrc_rules.io.candidates import RowError

    if isinstance(result, RowError):
        return [str(result.row), Text(result.id or "—"), _row_error(result), ""]
    decision = Text(result.label, style=outcome_style(result.decision, tones))
    decision.append(f"\n{_deciding(result, compact=True)}", "dim")
    candidate = Text(result.id)
    candidate.append(f"\n{result.regime}", "dim")
    named = [(name, result.figures[name]) for name in figures if name in result.figures]
    names = max((len(name) for name, _ in named), default=0)
    values = max((len(value) for _, value in named), default=0)
    shown = "\n".join(f"{name.ljust(names)} {value.rjust(values)}" for name, value in named)
    return [str(result.row or ""), candidate, decision, Text(shown)]


def _row_error(error: RowError) -> Text:
    said = text("eval.row_error", code=error.code, field=error.field or "—", message=error.message)
    return Text(said, style="red")


def _deciding(decision: t.Decision, compact: bool = False) -> str:
    """The deciding rule and its line (`compact`: under it), or the jury with the
    engine's proposal."""
    proposal = decision.proposal
    if decision.deciding_rule_source is not None:
        position = where(decision.deciding_rule_source)
        return f"{decision.deciding_rule}" + (f"\n{position}" if compact else f" ({position})")
    assert proposal is not None, "only a jury decision has no deciding rule of the file"
    position = where(proposal.deciding_rule_source)
    return text(
        "table.jury_rule", label=proposal.label, rule=proposal.deciding_rule, where=position
    )


def counts_table(counts: Counter[str], labels: dict[str, str], tones: Tones) -> Table:
    table = Table(title=text("eval.counts_title"), title_justify="left")
    table.add_column(text("col.outcome"))
    table.add_column(text("col.count"), justify="right")
    for outcome, count in sorted(counts.items(), key=lambda item: (item[0] == ERROR, item[0])):
        label = labels.get(outcome, text("col.error"))
        table.add_row(Text(label, style=outcome_style(outcome, tones)), str(count))
    return table
