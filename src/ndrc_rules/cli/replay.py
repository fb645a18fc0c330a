"""`ndrc-rules replay`: decide stored records again, and say where they differ."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import EXIT_OK, EXIT_VERIFICATION_FAILED, stdout
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import text

if TYPE_CHECKING:
    from ndrc_rules.replay import Replayed


def arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("records", type=Path, metavar="DECISIONS", help=text("cli.records"))
    command.add_argument("--seq", type=options.whole_number, metavar="NUMERO", help=text("cli.seq"))
    command.add_argument("--id", help=text("cli.audit_id"))
    command.add_argument(
        "--regulation", type=Path, metavar="REGLEMENT", help=text("cli.replay_reg")
    )
    options.output_format(command, "table", "json")


def run(args: argparse.Namespace) -> int:
    """Decide stored records again; exit 5 unless every one comes out the same."""
    from ndrc_rules.replay import Replayer, records_in

    if not args.records.is_file():
        raise InputFileError("F001", {"path": str(args.records)})
    replayer = Replayer(args.regulation)
    results = (
        replayer.replay(key, text) for key, text in records_in(args.records, args.seq, args.id)
    )
    console = stdout()
    count = same = identical = skipped = 0  # each result is shown, then dropped
    for result in results:
        count, same, skipped = count + 1, same + result.same, skipped + bool(result.skipped)
        identical += result.same and not result.skipped
        if args.format == "json":
            _json_item(asdict(result), first=count == 1)
        else:
            for line in replay_lines(result):
                console.print(line)
    if args.format == "json":
        print("\n]" if count else "[]")
    else:
        console.print(replay_summary(count, identical, skipped))
    return EXIT_VERIFICATION_FAILED if same < count or not count else EXIT_OK


def _json_item(item: object, *, first: bool) -> None:
    """One item of a JSON list printed as it comes, as `json.dumps(list, indent=2)`
    would print it whole: `[`, then each item indented, separated by commas."""
    shown = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    sys.stdout.write(("[\n  " if first else ",\n  ") + shown)


# --- the replay, for people ----------------------------------------------------------
def replay_lines(result: Replayed) -> list[Text]:
    """One replayed record: the same, or where and (when it can tell) why it differs."""
    who = text("replay.who", key=result.key, id=result.id or "—")
    if result.skipped:
        style = "dim" if result.same else "red"
        why = text(result.skipped, path=result.regulation)
        return [Text(f"{'·' if result.same else '✘'} {who} : {why}", style)]
    if result.same:
        return [Text(f"✔ {who} : {text('replay.same')}", style="green")]
    lines = [Text(f"✘ {who} : {text('replay.differs')}", style="bold red")]
    for path, old, new in result.changed_files:
        lines.append(Text("    " + text("replay.file_changed", path=path, old=old, new=new)))
    if result.engine:
        old, new = result.engine
        lines.append(Text("    " + text("replay.engine_changed", old=old, new=new)))
    for difference in result.differences:
        shown = text(
            "replay.difference", path=difference.path, old=difference.old, new=difference.new
        )
        lines.append(Text("    " + shown))
    return lines


def replay_summary(count: int, same: int, skipped: int) -> Text:
    """The last line of a replay: records replayed, the same, differing, skipped."""
    summary = text(
        "replay.summary", count=count, same=same, differ=count - same - skipped, skipped=skipped
    )
    return Text(summary, style="bold")
