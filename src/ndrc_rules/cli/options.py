"""argparse in the catalogue's language, and the arguments several commands share."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ndrc_rules.common.messages import text


class Parser(argparse.ArgumentParser):
    """argparse, speaking the catalogue's language, help option included."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(add_help=False, **kwargs)
        self.add_argument("-h", "--help", action="help", help=text("cli.help"))


def regulations(command: argparse.ArgumentParser) -> None:
    """The regulation files a command reads, one or more."""
    command.add_argument(
        "regulations", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.regulations")
    )


def inputs(command: argparse.ArgumentParser) -> None:
    """The versions of a regulation, then the candidates file, and its encoding."""
    command.add_argument(
        "regulation", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.versions")
    )
    candidates(command)


def candidates(command: argparse.ArgumentParser) -> None:
    """The candidates file, the encoding of a text one, the sheet of a workbook."""
    command.add_argument("candidates", type=Path, metavar="CANDIDATS", help=text("cli.candidates"))
    command.add_argument("--encoding", help=text("cli.encoding"))
    command.add_argument("--sheet", metavar="FEUILLE", help=text("cli.sheet"))


def output_format(command: argparse.ArgumentParser, *choices: str) -> None:
    """--format, the first choice by default."""
    command.add_argument("--format", choices=choices, default=choices[0], help=text("cli.format"))


def whole_number(value: str) -> int:
    """An option's whole number (`--batch 2`); otherwise a sentence in the catalogue."""
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(text("cli.whole_number") % {"value": value}) from None


def paper_output(command: argparse.ArgumentParser) -> None:
    """-o FILE (.pdf or .html) and --format, for the papers (`pv`, `releve`)."""
    command.add_argument("--output", "-o", type=Path, help=text("cli.paper_output"))
    command.add_argument("--format", choices=("pdf", "html"), help=text("cli.paper_format"))
