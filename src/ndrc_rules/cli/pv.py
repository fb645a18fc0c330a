"""`ndrc-rules pv`: the procès-verbal de délibération of a session, for its jury."""

from __future__ import annotations

import argparse
from pathlib import Path

from ndrc_rules.cli import options
from ndrc_rules.cli.console import (
    EXIT_OK,
    EXIT_ROW_ERRORS,
    binary_output,
    paper_format,
    warn_ignored,
)
from ndrc_rules.common.messages import text


def arguments(command: argparse.ArgumentParser) -> None:
    options.inputs(command)
    command.add_argument("--jury", type=Path, metavar="JURY", help=text("cli.jury"))
    options.paper_output(command)


def run(args: argparse.Namespace) -> int:
    from ndrc_rules import papers
    from ndrc_rules.io.jury import Jury, read_jury
    from ndrc_rules.render import html
    from ndrc_rules.versions import Versions

    form = paper_format(args.output, args.format)
    jury = read_jury(args.jury) if args.jury else Jury()
    versions = Versions.load(args.regulation)
    with binary_output(args.output) as out:
        cohort = papers.cohort(
            versions, args.candidates, encoding=args.encoding, sheet=args.sheet, jury=jury
        )
        out.write(papers.document(html.pv(cohort), form))
    warn_ignored(cohort.ignored)
    return EXIT_ROW_ERRORS if cohort.errors else EXIT_OK
