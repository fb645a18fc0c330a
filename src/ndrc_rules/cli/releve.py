"""`ndrc-rules releve`: each candidate's relevé de notes, one a page."""

from __future__ import annotations

import argparse

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_ROW_ERRORS,
    binary_output,
    paper_format,
    stderr,
    unknown_ids,
    warn_ignored,
)
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import text


def arguments(command: argparse.ArgumentParser) -> None:
    options.inputs(command)
    command.add_argument(
        "--id", nargs="+", action="extend", default=[], metavar="ID", help=text("cli.releve_id")
    )
    options.paper_output(command)


def run(args: argparse.Namespace) -> int:
    from ndrc_rules import papers
    from ndrc_rules.render import html
    from ndrc_rules.versions import Versions

    form = paper_format(args.output, args.format)
    versions = Versions.load(args.regulation)
    wanted = list(dict.fromkeys(i.strip() for i in args.id))
    with binary_output(args.output) as out:
        asked = set(wanted).__contains__ if wanted else papers.everyone  # only the relevés made
        cohort = papers.cohort(
            versions, args.candidates, encoding=args.encoding, sheet=args.sheet, near_miss=asked
        )
        known = {e.decision.id for e in cohort.entries} | {e.id for e in cohort.errors}
        missing = [i for i in wanted if i not in known]
        if missing:  # nothing written: the output file is left as it was
            read = len(cohort.entries) + len(cohort.errors)
            raise InputFileError(*unknown_ids(missing, args.candidates, read))
        errors = [e for e in cohort.errors if not wanted or e.id in wanted]
        out.write(papers.document(html.releves(cohort, wanted), form))
    for error in errors:
        said = text(
            "cli.row_error",
            row=error.row,
            id=error.id,
            field=error.field or "—",
            message=error.message,
        )
        stderr().print(said, markup=False, style="red", soft_wrap=True)
    warn_ignored(cohort.ignored)
    return EXIT_ROW_ERRORS if errors else EXIT_OK
