"""The `ndrc-rules` command: check, fmt, test, eval, explain, diff, pv, releve, audit, replay,
serve.

A thin layer over the facade in `api`: each command is a module of this package
with its arguments, its run and its rendering; this one builds the parser from
them and runs the one asked for. argparse keeps start-up fast and every help
text in the message catalogue. The modules only some commands need (the
evaluator, trace models, formatting, examples, diff) are imported by those
commands when they run: `check` starts faster without them.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from ndrc_rules import __version__
from ndrc_rules.cli import (
    audit,
    check,
    diff,
    evaluate,
    explain,
    fmt,
    pv,
    releve,
    replay,
    serve,
    test,
)
from ndrc_rules.cli.console import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_INVALID_REGULATION,
    EXIT_USAGE,
    silence_stdout,
    stderr,
)
from ndrc_rules.cli.options import Parser
from ndrc_rules.common.columns import CANDIDATE_SUFFIXES
from ndrc_rules.common.errors import InputFileError, StoreError
from ndrc_rules.common.messages import CATALOGUES, os_reason, text, translate
from ndrc_rules.language.diagnostics import RegulationError
from ndrc_rules.language.source import SourceError

# Each command's name, and its module: `arguments(parser)` sets its options up,
# `run(args)` runs it and returns the exit code. In the order `--help` lists them.
COMMANDS = {
    "check": check,
    "fmt": fmt,
    "test": test,
    "eval": evaluate,
    "diff": diff,
    "explain": explain,
    "pv": pv,
    "releve": releve,
    "audit": audit,
    "replay": replay,
    "serve": serve,
}
# What `read_candidates` takes.


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _choose_language(argv)
    args = _parser().parse_args(argv)
    swapped = _swapped_arguments(args, argv)
    if swapped:
        stderr().print(swapped, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    signal.signal(signal.SIGTERM, _terminated)  # `kill`: unwind like Ctrl-C, cleaning up
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe is found here, not at the interpreter's exit
        return code
    except KeyboardInterrupt:  # outputs and stores were rolled back on the way here
        stderr().print(text("cli.interrupted"), markup=False, style="red")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `| head` has read enough: stop quietly, as Unix tools do
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except RegulationError as error:
        stderr().print(error.render(), markup=False, soft_wrap=True)
        return EXIT_INVALID_REGULATION
    except (SourceError, StoreError) as error:
        stderr().print(text(error.code, **error.args_), markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    except InputFileError as error:
        stderr().print(str(error), markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    except OSError as error:
        where = error.filename or "—"
        shown = text("F043", path=where, reason=os_reason(error))
        stderr().print(shown, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE


def _swapped_arguments(args: argparse.Namespace, argv: list[str]) -> str | None:
    """`eval candidats.csv bts_ndrc.reg`: the candidates before the regulation, said
    so with the command in the right order (instead of a syntax error on the CSV)."""
    candidates = getattr(args, "candidates", None)
    if candidates is None or candidates.suffix.casefold() != ".reg":
        return None
    named = [getattr(args, name) for name in ("old", "new") if hasattr(args, name)]
    regulations: list[Path] = [*getattr(args, "regulation", ()), *named]
    misplaced = [p for p in regulations if p.suffix.casefold() in CANDIDATE_SUFFIXES]
    if len(misplaced) != 1:
        return None
    # The candidates file moves to where the last regulation stands; options stay.
    order = list(argv)
    moved = order.pop(next(i for i, a in enumerate(order) if Path(a) == misplaced[0]))
    last = max(i for i, a in enumerate(order) if Path(a) == candidates)
    order.insert(last + 1, moved)
    return text("cli.swapped", command=shlex.join(["ndrc-rules", *order]))


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _choose_language(argv: list[str]) -> None:
    """`--lang en` (or NDRC_LANG=en): read before the parser is built, since its help
    texts are in that language."""
    for index, word in enumerate(argv):
        value = word.partition("=")[2] if word.startswith("--lang=") else None
        if word == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        if value:
            os.environ["NDRC_LANG"] = value


def _parser() -> argparse.ArgumentParser:
    argparse._ = translate  # type: ignore[attr-defined]  # argparse's own texts, translated
    parser = Parser(
        prog="ndrc-rules", description=text("cli.description"), epilog=text("cli.epilog")
    )
    parser.add_argument("--lang", choices=sorted(CATALOGUES), help=text("cli.lang"))
    parser.add_argument(
        "--version", action="version", version=f"ndrc-rules {__version__}", help=text("cli.version")
    )
    commands = parser.add_subparsers(
        required=True,
        metavar="{check,fmt,test,eval,explain,diff,pv,releve,audit,replay,serve}",
        parser_class=Parser,
    )
    for name, module in COMMANDS.items():
        command = commands.add_parser(name, help=text(f"cli.{name}"), epilog=text("cli.epilog"))
        module.arguments(command)
        command.set_defaults(run=module.run)
    return parser
