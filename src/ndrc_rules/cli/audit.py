"""`ndrc-rules audit`: answer an auditor's questions from a decision store."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFICATION_FAILED,
    print_json,
    stderr,
    stdout,
)
from ndrc_rules.common.messages import text
from ndrc_rules.render.trace import NO_TONES, outcome_style

if TYPE_CHECKING:
    from ndrc_rules.audit.store import Problem, Store


def arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("store", type=Path, metavar="REGISTRE", help=text("cli.store"))
    command.add_argument("--verify", action="store_true", help=text("cli.verify"))
    command.add_argument("--id", metavar="CANDIDAT", help=text("cli.audit_id"))
    command.add_argument("--outcome", metavar="RESULTAT", help=text("cli.audit_outcome"))
    command.add_argument("--rule", metavar="REGLE", help=text("cli.audit_rule"))
    command.add_argument("--regulation", metavar="SHA256", help=text("cli.audit_regulation"))
    command.add_argument(
        "--batch", type=options.whole_number, metavar="LOT", help=text("cli.audit_batch")
    )
    options.output_format(command, "table", "json")


def run(args: argparse.Namespace) -> int:
    """Answer an auditor's questions from a decision store, or verify its chain."""
    import sqlite3

    from ndrc_rules.audit.store import Store

    store = Store(args.store, readonly=True)
    try:
        return _audit(args, store)
    except sqlite3.DatabaseError as error:  # a batch being written, past the busy timeout
        raise store._error(error) from None
    finally:
        store.close()


def _audit(args: argparse.Namespace, store: Store) -> int:
    if args.verify:
        problems, head, count = store.verify()
        report = {"records": count, "head": head, "problems": [asdict(p) for p in problems]}
        _show(args, report, lambda: verification(problems, head, count))
        return EXIT_VERIFICATION_FAILED if problems else EXIT_OK
    filters = {
        "candidate_id": args.id,
        "outcome": args.outcome,
        "deciding_rule": args.rule,
        "regulation_sha256": args.regulation,
        "batch": args.batch,
    }
    unknown = _unknown_filter(store, filters)
    if unknown:
        stderr().print(unknown, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    if any(v is not None for v in filters.values()):
        found = [dict(r) for r in store.records(**filters)]
        _show(args, [_listed(r) for r in found], lambda: audit_records(found))
    else:
        batches, counts = [dict(r) for r in store.batches()], [dict(r) for r in store.counts()]
        summary = {"batches": batches, "counts": counts}
        _show(args, summary, lambda: audit_summary(batches, counts))
    return EXIT_OK


def _unknown_filter(store: Store, filters: dict[str, object]) -> str | None:
    """What a filter names that no record of the store has (an outcome, a rule, a
    candidate), said with what the store does hold; None when every one is known."""
    from ndrc_rules.language.names import fold

    for column, code in (("outcome", "S003"), ("deciding_rule", "S004")):
        value = filters[column]
        if value is None:
            continue
        known = store.known(column)
        if fold(str(value).strip()) not in {fold(k) for k in known}:
            return text(code, value=value, path=store.path, known=", ".join(known) or "—")
    candidate = filters["candidate_id"]
    if candidate is not None and not store.holds("candidate_id", str(candidate)):
        return text("S005", value=candidate, path=store.path)
    return None


def _show(args: argparse.Namespace, data: object, rendered: Callable[[], object]) -> None:
    """`--format json`: the data; otherwise what `rendered` draws for people."""
    if args.format == "json":
        print_json(data)
    else:
        stdout().print(rendered())


def _listed(row: dict[str, object]) -> dict[str, object]:
    """A stored row for a listing: its columns, the full record parsed."""
    return {
        **{k: v for k, v in row.items() if k not in {"record", "prev"}},
        "record": json.loads(str(row["record"])),
    }


# --- the store, for people -----------------------------------------------------------
def audit_summary(batches: list[dict[str, object]], counts: list[dict[str, object]]) -> Group:
    """The batches of a store, and its records counted per regulation, outcome and rule."""
    table = Table(title=text("audit.batches_title"), title_justify="left")
    for key in (
        "col.batch",
        "col.started",
        "col.regulation",
        "col.sha256",
        "col.rows",
        "col.error",
    ):
        table.add_column(text(key))
    for batch in batches:
        table.add_row(
            str(batch["id"]),
            str(batch["started_at"]),
            Text(str(batch["regulation_path"])),
            _short_hash(batch["regulation_sha256"]),
            str(batch["rows"]),
            str(batch["errors"]),
        )
    by_rule = Table(title=text("audit.counts_title"), title_justify="left")
    for key in ("col.sha256", "col.outcome", "col.rule", "col.count"):
        by_rule.add_column(text(key))
    for count in counts:
        by_rule.add_row(
            _short_hash(count["regulation_sha256"]),
            Text(str(count["outcome"]), style=outcome_style(str(count["outcome"]), NO_TONES)),
            Text(_rule(count["deciding_rule"])),
            str(count["count"]),
        )
    return Group(table, by_rule)


def audit_records(records: list[dict[str, object]]) -> Table:
    table = Table(title=text("audit.records_title", count=len(records)), title_justify="left")
    for key in ("col.seq", "col.batch", "col.row", "col.id", "col.outcome", "col.rule"):
        table.add_column(text(key))
    for key in ("col.sha256", "col.decided_at"):
        table.add_column(text(key))
    for record in records:
        outcome = str(record["outcome"])
        table.add_row(
            str(record["seq"]),
            str(record["batch"]),
            str(record["row"]),
            Text(str(record["candidate_id"] or "—")),
            Text(outcome, style=outcome_style(outcome, NO_TONES)),
            Text(_rule(record["deciding_rule"] or record["error_code"])),
            _short_hash(record["regulation_sha256"]),
            str(record["decided_at"] or "—"),
        )
    return table


def verification(problems: list[Problem], head: str, count: int) -> Group:
    """What `audit --verify` found: nothing (and the head to keep), or each problem."""
    lines: list[RenderableType] = [Text(text("audit.head", count=count, head=head))]
    if not problems:
        lines.append(Text(text("audit.intact"), style="bold green"))
    for problem in problems:
        where = text(f"audit.where_{problem.table}", key=problem.key)
        lines.append(Text(f"✘ {where} : {text(problem.code)}", style="red"))
    if problems:
        lines.append(Text(text("audit.altered", count=len(problems)), style="bold red"))
    return Group(*lines)


def _rule(name: object) -> str:
    """A deciding rule as stored; the default outcome said so, its identifier after it
    (what `--rule` finds). The store holds no regulation: other rules go by name."""
    from ndrc_rules.language.core import DEFAULT_RULE

    if name == DEFAULT_RULE:
        return text("trace.titled", title=text("table.default"), name=name)
    return str(name or "—")


def _short_hash(value: object) -> str:
    return ";".join(part[:12] for part in str(value or "—").split(";"))
