"""The `ndrc-rules` command: check, eval, explain.

A thin layer over the facade in `api`: it reads arguments, runs the pipeline
and hands results to `render`. argparse keeps start-up fast and every help
text in the message catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeAlias

from rich.console import Console

from ndrc_rules import __version__
from ndrc_rules.common.errors import InputFileError, StoreError
from ndrc_rules.common.messages import CATALOGUES, os_reason, text, translate
from ndrc_rules.common.status import ERROR
from ndrc_rules.language.analysis.sessions import version_diagnostics
from ndrc_rules.language.core import Program, outcome_tones
from ndrc_rules.language.diagnostics import Diagnostic, RegulationError, Severity, has_errors
from ndrc_rules.language.frontend import compile_source
from ndrc_rules.language.source import SourceError, SourceFile

if TYPE_CHECKING:
    from ndrc_rules.api import Regulation
    from ndrc_rules.audit.store import Batch, Store
    from ndrc_rules.cli import render
    from ndrc_rules.io.candidates import Candidate, RowError
    from ndrc_rules.versions import Versions

# The modules only some commands need (the evaluator, trace models, rendering,
# formatting, examples, diff) are imported by those commands: `check` starts
# faster without them.

Row: TypeAlias = "Candidate | RowError"  # one input row, read
EXIT_OK, EXIT_INVALID_REGULATION, EXIT_USAGE, EXIT_ROW_ERRORS, EXIT_EXAMPLES_FAILED = 0, 1, 2, 3, 4
EXIT_VERIFICATION_FAILED = 5  # a replay differs, or the store was altered
EXIT_INTERRUPTED = 130  # Ctrl-C or kill: nothing half-written is left behind
EXIT_BROKEN_PIPE = 141  # the reader of standard output went away (`| head`): 128 + SIGPIPE
CANDIDATE_SUFFIXES = {".csv", ".txt", ".json", ".jsonl"}  # what `candidates.read` takes


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _choose_language(argv)
    args = _parser().parse_args(argv)
    swapped = _swapped_arguments(args, argv)
    if swapped:
        _stderr().print(swapped, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    signal.signal(signal.SIGTERM, _terminated)  # `kill`: unwind like Ctrl-C, cleaning up
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe is found here, not at the interpreter's exit
        return code
    except KeyboardInterrupt:  # outputs and stores were rolled back on the way here
        _stderr().print(text("cli.interrupted"), markup=False, style="red")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `| head` has read enough: stop quietly, as Unix tools do
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except RegulationError as error:
        _stderr().print(error.render(), markup=False, soft_wrap=True)
        return EXIT_INVALID_REGULATION
    except (SourceError, StoreError) as error:
        _stderr().print(text(error.code, **error.args_), markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    except InputFileError as error:
        _stderr().print(str(error), markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    except OSError as error:
        where = error.filename or "—"
        shown = text("F043", path=where, reason=os_reason(error))
        _stderr().print(shown, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush
    finds no closed pipe to complain about."""
    with suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


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


class _Parser(argparse.ArgumentParser):
    """argparse, speaking the catalogue's language, help option included."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(add_help=False, **kwargs)  # type: ignore[arg-type]
        self.add_argument("-h", "--help", action="help", help=text("cli.help"))


def _parser() -> argparse.ArgumentParser:
    argparse._ = translate  # type: ignore[attr-defined]  # argparse's own texts, translated
    parser = _Parser(
        prog="ndrc-rules", description=text("cli.description"), epilog=text("cli.epilog")
    )
    parser.add_argument("--lang", choices=sorted(CATALOGUES), help=text("cli.lang"))
    parser.add_argument(
        "--version", action="version", version=f"ndrc-rules {__version__}", help=text("cli.version")
    )
    commands = parser.add_subparsers(
        required=True,
        metavar="{check,fmt,test,eval,explain,diff,audit,replay}",
        parser_class=_Parser,
    )

    check = commands.add_parser("check", help=text("cli.check"), epilog=text("cli.epilog"))
    check.add_argument(
        "regulations", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.regulations")
    )
    _format(check, "text", "json")
    check.add_argument("--strict", action="store_true", help=text("cli.strict"))
    check.set_defaults(run=run_check)

    fmt = commands.add_parser("fmt", help=text("cli.fmt"), epilog=text("cli.epilog"))
    fmt.add_argument(
        "regulations", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.regulations")
    )
    fmt.add_argument("--check", action="store_true", help=text("cli.fmt_check"))
    fmt.set_defaults(run=run_fmt)

    test = commands.add_parser("test", help=text("cli.test"), epilog=text("cli.epilog"))
    test.add_argument(
        "regulations", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.regulations")
    )
    test.add_argument("--complete", action="store_true", help=text("cli.complete"))
    test.set_defaults(run=run_test)

    evaluate = commands.add_parser("eval", help=text("cli.eval"), epilog=text("cli.epilog"))
    _inputs(evaluate)
    _format(evaluate, "table", "json", "jsonl", "csv")
    evaluate.add_argument("--output", "-o", type=Path, help=text("cli.output"))
    evaluate.add_argument("--db", type=Path, metavar="REGISTRE", help=text("cli.db"))
    evaluate.set_defaults(run=run_eval)

    diff = commands.add_parser("diff", help=text("cli.diff"), epilog=text("cli.epilog"))
    diff.add_argument("old", type=Path, metavar="ANCIEN", help=text("cli.diff_old"))
    diff.add_argument("new", type=Path, metavar="NOUVEAU", help=text("cli.diff_new"))
    diff.add_argument("candidates", type=Path, metavar="CANDIDATS", help=text("cli.candidates"))
    diff.add_argument("--encoding", help=text("cli.encoding"))
    _format(diff, "table", "json")
    diff.set_defaults(run=run_diff)

    explain = commands.add_parser("explain", help=text("cli.explain"), epilog=text("cli.epilog"))
    _inputs(explain)
    explain.add_argument("--id", required=True, help=text("cli.id"))
    _format(explain, "tree", "json")
    explain.set_defaults(run=run_explain)

    audit = commands.add_parser("audit", help=text("cli.audit"), epilog=text("cli.epilog"))
    audit.add_argument("store", type=Path, metavar="REGISTRE", help=text("cli.store"))
    audit.add_argument("--verify", action="store_true", help=text("cli.verify"))
    audit.add_argument("--id", metavar="CANDIDAT", help=text("cli.audit_id"))
    audit.add_argument("--outcome", metavar="RESULTAT", help=text("cli.audit_outcome"))
    audit.add_argument("--rule", metavar="REGLE", help=text("cli.audit_rule"))
    audit.add_argument("--regulation", metavar="SHA256", help=text("cli.audit_regulation"))
    audit.add_argument("--batch", type=_whole_number, metavar="LOT", help=text("cli.audit_batch"))
    _format(audit, "table", "json")
    audit.set_defaults(run=run_audit)

    replay = commands.add_parser("replay", help=text("cli.replay"), epilog=text("cli.epilog"))
    replay.add_argument("records", type=Path, metavar="DECISIONS", help=text("cli.records"))
    replay.add_argument("--seq", type=_whole_number, metavar="NUMERO", help=text("cli.seq"))
    replay.add_argument("--id", help=text("cli.audit_id"))
    replay.add_argument("--regulation", type=Path, metavar="REGLEMENT", help=text("cli.replay_reg"))
    _format(replay, "table", "json")
    replay.set_defaults(run=run_replay)
    return parser


def _whole_number(value: str) -> int:
    """An option's whole number (`--batch 2`); otherwise a sentence in the catalogue."""
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(text("cli.whole_number") % {"value": value}) from None


def _format(command: argparse.ArgumentParser, *choices: str) -> None:
    """--format, the first choice by default."""
    command.add_argument("--format", choices=choices, default=choices[0], help=text("cli.format"))


def _inputs(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "regulation", nargs="+", type=Path, metavar="REGLEMENT", help=text("cli.versions")
    )
    command.add_argument("candidates", type=Path, metavar="CANDIDATS", help=text("cli.candidates"))
    command.add_argument("--encoding", help=text("cli.encoding"))


class _Console(Console):
    """rich's console, leaving a closed pipe to `main` (rich would exit with 1)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def _stdout() -> Console:
    """The terminal, or a wide page when piped, so tables keep their columns."""
    return _Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


# --- check -------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    failed, report = False, []
    diplomas: dict[str, list[tuple[SourceFile, Program]]] = {}
    for path in args.regulations:
        source = SourceFile.read(path)
        program, diagnostics = compile_source(source)
        rejected = has_errors(diagnostics) or (args.strict and bool(diagnostics))
        failed |= rejected
        if args.format == "json":
            report.extend(d.as_json() for d in diagnostics)
        else:
            _show_check(source, program, diagnostics, rejected)
        if program is not None and program.diploma.span is not None:
            diplomas.setdefault(program.diploma.code, []).append((source, program))
    for versions in diplomas.values():  # several versions of one diploma: one after the other
        diagnostics = version_diagnostics([p for _, p in versions])
        failed |= bool(diagnostics)
        if args.format == "json":
            report.extend(d.as_json() for d in diagnostics)
        else:
            _show_check(versions[-1][0], None, diagnostics, bool(diagnostics))
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return EXIT_INVALID_REGULATION if failed else EXIT_OK


def _show_check(
    source: SourceFile, program: Program | None, diagnostics: list[Diagnostic], rejected: bool
) -> None:
    console = _stderr() if rejected else _stdout()
    for diagnostic in diagnostics:
        style = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        console.print(diagnostic.render(source), markup=False, style=style, soft_wrap=True)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    if rejected or errors:
        summary = text("check.failed", errors=errors, warnings=len(diagnostics) - errors)
        console.print(summary, markup=False, style="bold red")
    elif program is not None:
        rules = sum(len(r.rules) for r in program.regimes)
        ok = text("check.ok", path=source.path, regimes=len(program.regimes), rules=rules)
        console.print(ok, markup=False, style="green")


# --- fmt --------------------------------------------------------------------------
def run_fmt(args: argparse.Namespace) -> int:
    """Rewrite each file in the canonical layout (or, with --check, only say which
    would change); a file that does not parse is left alone and reported."""
    from ndrc_rules.language.formatter import format_source

    failed = False
    for path in args.regulations:
        source = SourceFile.read(path)
        formatted, diagnostics = format_source(source)
        if formatted is None:
            for diagnostic in diagnostics:
                _stderr().print(
                    diagnostic.render(source), markup=False, style="red", soft_wrap=True
                )
            failed = True
            continue
        original = path.read_text("utf-8")
        if formatted == original:
            _stdout().print(text("fmt.unchanged", path=path), markup=False)
        elif args.check:
            _stderr().print(text("fmt.would_change", path=path), markup=False, style="yellow")
            failed = True
        else:
            with _output(path) as out:
                out.write(formatted)
            _stdout().print(text("fmt.changed", path=path), markup=False, style="green")
    return EXIT_INVALID_REGULATION if failed else EXIT_OK


# --- test -------------------------------------------------------------------------
def run_test(args: argparse.Namespace) -> int:
    """Replay each file's examples; fail on a failed example (or, with --complete,
    on a rule no example reaches)."""
    from ndrc_rules.api import Regulation
    from ndrc_rules.cli import render
    from ndrc_rules.examples import run_examples

    failed = False
    for path in args.regulations:
        report = run_examples(Regulation.from_source(SourceFile.read(path)))
        _stdout().print(render.examples_report(report))
        failed |= not report.ok or (args.complete and not report.complete)
    return EXIT_EXAMPLES_FAILED if failed else EXIT_OK


# --- eval ----------------------------------------------------------------------------
def run_eval(args: argparse.Namespace) -> int:
    from ndrc_rules.audit.records import from_line
    from ndrc_rules.cli import render
    from ndrc_rules.versions import Versions

    versions = Versions.load(args.regulation)
    regulation = versions.latest
    ignored: set[str] = set()
    rows = _noting_ignored(versions.read(args.candidates, encoding=args.encoding), ignored)
    figures = [f.name for f in regulation.program.regimes[0].figures]
    with _output(args.output) as out, _progress(args.output is not None) as advance:
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
                counts = render.write_lines(lines, out)
            case "csv":
                counts = render.write_csv(results, figures, out)
            case "json":
                counts = _write_json(regulation, list(results), out)
            case _:
                counts = _write_table(regulation, results, figures, out)
    if args.format != "table":
        _summary(_stderr(), counts)
    if ignored:
        _stderr().print(
            text("F009", columns=", ".join(sorted(ignored))),
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    return EXIT_ROW_ERRORS if counts[ERROR] else EXIT_OK


def _store(path: Path | None) -> Store | None:
    from ndrc_rules.audit.store import Store

    if path is None:
        return None

    def waiting(seconds: float) -> None:
        shown = text("store.waiting", path=path, seconds=f"{seconds:g}")
        _stderr().print(shown, markup=False, soft_wrap=True)

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


def _write_json(regulation: Regulation, results: list[render.Result], out: IO[str]) -> Counter[str]:
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
    regulation: Regulation, results: Iterable[render.Result], figures: list[str], out: IO[str]
) -> Counter[str]:
    """The decisions as they come (in bounded memory), then the counts."""
    from ndrc_rules.cli import render

    console = _Console(file=out, highlight=False, width=160) if out is not sys.stdout else _stdout()
    counts: Counter[str] = Counter()
    title = text("eval.title", diploma=regulation.program.diploma.title)
    tones = outcome_tones(regulation.program)
    decided = _counting(results, counts)
    for table in render.decision_tables(decided, figures, title, console, tones):
        console.print(table)
    labels = {o.name: o.label for o in regulation.program.outcomes}
    console.print(render.counts_table(counts, labels, tones))
    _summary(console, counts)
    return counts


def _counting(results: Iterable[render.Result], counts: Counter[str]) -> Iterator[render.Result]:
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
    with Progress(*columns, console=_stderr(), transient=True) as progress:
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


def _outcome(result: render.Result) -> str:
    from ndrc_rules.io.candidates import RowError

    return ERROR if isinstance(result, RowError) else result.decision


def _summary(console: Console, counts: Counter[str]) -> None:
    rows = sum(counts.values())
    console.print(
        text("eval.summary", rows=rows, decisions=rows - counts[ERROR], errors=counts[ERROR]),
        markup=False,
    )


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or the file `path` names. A symbolic link is followed: its
    target is written, the link stays. A regular file (or a new one) appears complete
    or not at all; a device, a FIFO or a socket is written in place, never replaced."""
    if path is None:
        yield sys.stdout
        return
    target = Path(os.path.realpath(path))
    written = _in_place if _special(target) else _replaced
    with written(path, target) as handle:
        yield handle


def _special(target: Path) -> bool:
    """Whether `target` exists and is not a regular file (a device, a FIFO, a socket)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _in_place(path: Path, target: Path) -> Iterator[IO[str]]:
    """A device or a FIFO, opened and written as it is (`-o /dev/null`)."""
    try:
        handle = target.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with handle:
            yield handle
    except OSError as error:
        if error.filename in (None, str(target), str(path)):
            raise _unwritable(path, error) from None
        raise


@contextmanager
def _replaced(path: Path, target: Path) -> Iterator[IO[str]]:
    """A file that appears complete or not at all: written to a hidden file beside
    it, renamed over it when whole, removed otherwise. The file keeps the mode of
    the one it replaces; a new one gets the umask's."""
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, in `with`)
            "w",
            encoding="utf-8",
            newline="",
            delete=False,
            dir=_output_folder(path, target),
            prefix=f".{target.name}.",
        )
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with handle:
            yield handle
        os.chmod(handle.name, _mode(target))
        os.replace(handle.name, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(handle.name)
        if isinstance(error, OSError) and error.filename in (None, handle.name, str(target)):
            raise _unwritable(path, error) from None  # the output's own failure, not a read's
        raise


def _output_folder(path: Path, target: Path) -> Path:
    """The folder the output goes to; refused up front if it cannot hold it."""
    if target.is_dir():
        raise InputFileError("F040", {"path": str(path), "example": str(path / "resultats.csv")})
    folder = target.parent
    if not folder.exists():
        raise InputFileError("F041", {"path": str(path), "folder": str(folder)})
    return folder


def _unwritable(path: Path, error: OSError) -> InputFileError:
    return InputFileError("F042", {"path": str(path), "reason": os_reason(error)})


def _mode(path: Path) -> int:
    """The mode of the file `path` names, or the umask's for a new file (0666 less it)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# --- diff ---------------------------------------------------------------------------
def run_diff(args: argparse.Namespace) -> int:
    """Decide the cohort under both versions; show who changes and through which rules."""
    from ndrc_rules.api import Regulation
    from ndrc_rules.cli import render
    from ndrc_rules.diffing import compare, read_both

    old = Regulation.from_source(SourceFile.read(args.old))
    new = Regulation.from_source(SourceFile.read(args.new))
    report = compare(old, new, read_both(old, new, args.candidates, encoding=args.encoding))
    if args.format == "json":
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        for line in render.diff_headline(report):
            _stderr().print(line, markup=False, soft_wrap=True)
    else:
        _stdout().print(render.diff_report(report))
    return EXIT_OK


# --- explain -------------------------------------------------------------------------
def run_explain(args: argparse.Namespace) -> int:
    from ndrc_rules.cli import render
    from ndrc_rules.io.candidates import RowError
    from ndrc_rules.versions import Versions

    regulation = Versions.load(args.regulation)
    rows = regulation.read(args.candidates, encoding=args.encoding)
    wanted = args.id.strip()
    for row in rows:
        if row.id != wanted:
            continue
        result = row if isinstance(row, RowError) else regulation.try_decide(row)
        if isinstance(result, RowError):
            _stderr().print(
                text(
                    "cli.row_error",
                    row=result.row,
                    id=result.id,
                    field=result.field or "—",
                    message=result.message,
                ),
                markup=False,
                style="red",
            )
            return EXIT_ROW_ERRORS
        if args.format == "json":
            print(result.model_dump_json(indent=2))
        else:
            versions = regulation.regulations.values()
            tones = {k: v for r in versions for k, v in outcome_tones(r.program).items()}
            _stdout().print(render.trace_tree(result, tones))
        return EXIT_OK
    _stderr().print(text("F008", id=wanted, path=args.candidates), markup=False, style="red")
    return EXIT_USAGE


# --- audit ---------------------------------------------------------------------------
def run_audit(args: argparse.Namespace) -> int:
    """Answer an auditor's questions from a decision store, or verify its chain."""
    import sqlite3

    from ndrc_rules.audit.store import Store

    store = Store(args.store)
    try:
        return _audit(args, store)
    except sqlite3.DatabaseError as error:  # a batch being written, past the busy timeout
        raise store._error(error) from None
    finally:
        store.close()


def _audit(args: argparse.Namespace, store: Store) -> int:
    from ndrc_rules.cli import render

    if args.verify:
        problems, head, count = store.verify()
        report = {"records": count, "head": head, "problems": [asdict(p) for p in problems]}
        _show(args, report, lambda: render.verification(problems, head, count))
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
        _stderr().print(unknown, markup=False, soft_wrap=True, style="red")
        return EXIT_USAGE
    if any(v is not None for v in filters.values()):
        found = [dict(r) for r in store.records(**filters)]
        _show(args, [_listed(r) for r in found], lambda: render.audit_records(found))
    else:
        batches, counts = [dict(r) for r in store.batches()], [dict(r) for r in store.counts()]
        summary = {"batches": batches, "counts": counts}
        _show(args, summary, lambda: render.audit_summary(batches, counts))
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
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _stdout().print(rendered())


def _listed(row: dict[str, object]) -> dict[str, object]:
    """A stored row for a listing: its columns, the full record parsed."""
    return {
        **{k: v for k, v in row.items() if k not in {"record", "prev"}},
        "record": json.loads(str(row["record"])),
    }


# --- replay --------------------------------------------------------------------------
def run_replay(args: argparse.Namespace) -> int:
    """Decide stored records again; exit 5 unless every one comes out the same."""
    from ndrc_rules.cli import render
    from ndrc_rules.replay import Replayer, records_in

    if not args.records.is_file():
        raise InputFileError("F001", {"path": str(args.records)})
    replayer = Replayer(args.regulation)
    results = (
        replayer.replay(key, text) for key, text in records_in(args.records, args.seq, args.id)
    )
    console = _stdout()
    count = same = identical = skipped = 0  # each result is shown, then dropped
    for result in results:
        count, same, skipped = count + 1, same + result.same, skipped + bool(result.skipped)
        identical += result.same and not result.skipped
        if args.format == "json":
            _json_item(asdict(result), first=count == 1)
        else:
            for line in render.replay_lines(result):
                console.print(line)
    if args.format == "json":
        print("\n]" if count else "[]")
    else:
        console.print(render.replay_summary(count, identical, skipped))
    return EXIT_VERIFICATION_FAILED if same < count or not count else EXIT_OK


def _json_item(item: object, *, first: bool) -> None:
    """One item of a JSON list printed as it comes, as `json.dumps(list, indent=2)`
    would print it whole: `[`, then each item indented, separated by commas."""
    shown = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    sys.stdout.write(("[\n  " if first else ",\n  ") + shown)
