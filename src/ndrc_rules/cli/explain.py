"""`ndrc-rules explain`: one candidate's decision, as a tree an auditor reads."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text
from rich.tree import Tree

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_ROW_ERRORS,
    EXIT_USAGE,
    stderr,
    stdout,
    unknown_ids,
)
from ndrc_rules.common.messages import text
from ndrc_rules.render.trace import PLAIN, Line, Node, Vocabulary, trace_nodes

if TYPE_CHECKING:
    from ndrc_rules.engine import trace as t
    from ndrc_rules.io.candidates import Candidate, RowError
    from ndrc_rules.versions import Versions

Row: TypeAlias = "Candidate | RowError"
Result: TypeAlias = "t.Decision | RowError"


def arguments(command: argparse.ArgumentParser) -> None:
    options.inputs(command)
    chosen = command.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--id", action="append", metavar="CANDIDAT", help=text("cli.id"))
    chosen.add_argument("--all", action="store_true", help=text("cli.explain_all"))
    options.output_format(command, "tree", "json")


def run(args: argparse.Namespace) -> int:
    """Each candidate asked for, decided and explained, in one document: a tree each
    (one after the other), or JSON (one `--id`: the decision record itself; several,
    or `--all`: a document whose `results` list holds them, as `eval --format json`
    writes it, which `replay` reads)."""
    from ndrc_rules.versions import Versions

    regulation = Versions.load(args.regulation)
    rows = regulation.read(args.candidates, encoding=args.encoding, sheet=args.sheet)
    chosen = rows if args.all else _wanted(rows, args.id, args.candidates)
    if chosen is None:
        return EXIT_USAGE
    results = (_decided(regulation, row) for row in chosen)
    if args.format == "json":
        errors = _write_json(results, single=not args.all and len(args.id) == 1)
    else:
        programs = [r.program for r in regulation.regulations.values()]
        errors = _write_trees(results, Vocabulary.of(programs))
    return EXIT_ROW_ERRORS if errors else EXIT_OK


def _wanted(rows: Iterable[Row], ids: list[str], path: Path) -> list[Row] | None:
    """The rows of these candidates, in the order asked (each once); None, said on
    standard error, when some id is in no row of the file."""
    wanted = dict.fromkeys(i.strip() for i in ids)
    found: dict[str, Row] = {}
    read = 0
    for row in rows:
        read += 1
        if row.id in wanted and row.id not in found:
            found[row.id] = row
    missing = [i for i in wanted if i not in found]
    if not missing:
        return [found[i] for i in wanted]
    code, fields = unknown_ids(missing, path, read)
    stderr().print(text(code, **fields), markup=False, style="red", soft_wrap=True)
    return None


def _decided(regulation: Versions, row: Row) -> Result:
    from ndrc_rules.io.candidates import RowError

    return row if isinstance(row, RowError) else regulation.try_decide(row, near_miss=True)


def _write_json(results: Iterable[Result], single: bool) -> int:
    """One decision: its record; otherwise `{"results": [...]}`, written as decided.
    Returns the number of row errors (one asked for: said on standard error)."""
    from ndrc_rules.audit.records import explained
    from ndrc_rules.io.candidates import RowError

    errors = 0
    if single:
        result = next(iter(results))
        if isinstance(result, RowError):
            _row_error(result)
            return 1
        print(json.dumps(explained(result), ensure_ascii=False, indent=2))
        return 0
    out = sys.stdout
    out.write('{\n  "results": [')
    for index, result in enumerate(results):
        errors += isinstance(result, RowError)
        shown = json.dumps(explained(result), ensure_ascii=False, indent=2)
        out.write(("," if index else "") + "\n    " + shown.replace("\n", "\n    "))
    out.write("\n  ]\n}\n")
    return errors


def _write_trees(results: Iterable[Result], vocabulary: Vocabulary) -> int:
    """A tree per candidate, a rule between two; a row error on standard error, in red,
    when its turn comes."""
    from ndrc_rules.io.candidates import RowError

    console, errors, shown = stdout(), 0, 0
    for result in results:
        if isinstance(result, RowError):
            errors += 1
            _row_error(result)
            continue
        if shown:
            console.print(Rule(style="dim"))
        console.print(trace_tree(result, vocabulary))
        shown += 1
    return errors


def _row_error(error: RowError) -> None:
    said = text(
        "cli.row_error", row=error.row, id=error.id, field=error.field or "—", message=error.message
    )
    stderr().print(said, markup=False, style="red")


# --- the trace, in the terminal ----------------------------------------------------------
def trace_tree(decision: t.Decision, vocabulary: Vocabulary = PLAIN) -> RenderableType:
    """The trace (`render.trace.trace_nodes`) as a rich tree, its footer dim under it."""
    root, footer = trace_nodes(decision, vocabulary)
    return Group(_tree(root), *(_text(line) for line in footer))


def _tree(node: Node) -> Tree:
    tree = Tree(_text(node.line))
    _branches(tree, node)
    return tree


def _branches(tree: Tree, node: Node) -> None:
    for child in node.children:
        _branches(tree.add(_text(child.line)), child)


def _text(line: Line) -> Text:
    (first, style), *rest = line.pieces
    shown = Text(first, style)
    for piece, piece_style in rest:
        shown.append(piece, piece_style)
    return shown
