"""What every command shares: exit codes, the terminal, output files, closed pipes,
and the look of outcomes and file positions."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from rich.console import Console

from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import counted, os_reason, text

EXIT_OK, EXIT_INVALID_REGULATION, EXIT_USAGE, EXIT_ROW_ERRORS, EXIT_EXAMPLES_FAILED = 0, 1, 2, 3, 4
EXIT_VERIFICATION_FAILED = 5  # a replay differs, or the store was altered
EXIT_INTERRUPTED = 130  # Ctrl-C or kill: nothing half-written is left behind
EXIT_BROKEN_PIPE = 141  # the reader of standard output went away (`| head`): 128 + SIGPIPE


def unknown_ids(missing: list[str], path: Path, read: int) -> tuple[str, dict[str, object]]:
    """The catalogue code and fields saying which asked-for ids no row of `path` has."""
    lines = counted("count.rows_read", read)
    if len(missing) == 1:
        return "F008", {"id": missing[0], "path": path, "read": lines}
    shown = ", ".join(f"`{i}`" for i in missing)
    return "F008.many", {"count": len(missing), "ids": shown, "path": path, "read": lines}


# --- the terminal ------------------------------------------------------------------
class PipeConsole(Console):
    """rich's console, leaving a closed pipe to `main` (rich would exit with 1)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def stdout() -> Console:
    """The terminal, or a wide page when piped, so tables keep their columns."""
    return PipeConsole(highlight=False, width=None if sys.stdout.isatty() else 160)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def warn_ignored(columns: Collection[str]) -> None:
    """F009 on standard error: the columns of the candidates file no regime reads."""
    if columns:
        shown = text("F009", columns=", ".join(sorted(columns)))
        stderr().print(shown, style="yellow", markup=False, soft_wrap=True)


def print_json(data: object) -> None:
    """`data` on standard output, as JSON for machines (indented, accents kept)."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


def silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush
    finds no closed pipe to complain about."""
    with suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# --- papers (`pv`, `releve`) ----------------------------------------------------
def paper_format(output: Path | None, chosen: str | None) -> str:
    """The format of a paper: `--format`, else the output file's suffix (.pdf, .html);
    HTML on standard output; F065 for a file of another suffix."""
    if chosen:
        return chosen
    if output is None:
        return "html"
    found = _PAPER_SUFFIXES.get(output.suffix.casefold())
    if found is None:
        raise InputFileError("F065", {"path": str(output)})
    return found


_PAPER_SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html"}


# --- output files --------------------------------------------------------------------
@contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or the file `path` names. A symbolic link is followed: its
    target is written, the link stays. A regular file (or a new one) appears complete
    or not at all; a device, a FIFO or a socket is written in place, never replaced."""
    if path is None:
        yield sys.stdout
        return
    with _opened(path, binary=False) as handle:
        yield handle


@contextmanager
def binary_output(path: Path | None) -> Iterator[IO[bytes]]:
    """`output` for bytes (a PDF): standard output's buffer, or the file `path` names."""
    if path is None:
        yield sys.stdout.buffer
        return
    with _opened(path, binary=True) as handle:
        yield handle


@contextmanager
def _opened(path: Path, binary: bool) -> Iterator[IO[Any]]:
    target = Path(os.path.realpath(path))
    written = _in_place if _special(target) else _replaced
    with written(path, target, binary) as handle:
        yield handle


def _mode_arguments(binary: bool) -> dict[str, Any]:
    """How an output is opened: bytes as they are, text as UTF-8 with its own newlines."""
    return {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}


def _special(target: Path) -> bool:
    """Whether `target` exists and is not a regular file (a device, a FIFO, a socket)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _in_place(path: Path, target: Path, binary: bool) -> Iterator[IO[Any]]:
    """A device or a FIFO, opened and written as it is (`-o /dev/null`)."""
    try:
        handle = target.open(**_mode_arguments(binary))
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
def _replaced(path: Path, target: Path, binary: bool) -> Iterator[IO[Any]]:
    """A file that appears complete or not at all: written to a hidden file beside
    it, renamed over it when whole, removed otherwise. The file keeps the mode of
    the one it replaces; a new one gets the umask's."""
    held = _hold_signals()
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, in `with`)
            **_mode_arguments(binary),
            delete=False,
            dir=_output_folder(path, target),
            prefix=f".{target.name}.",
        )
    except BaseException as error:
        _release(held)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from None
        raise
    try:
        _release(held)  # a Ctrl-C or kill held back lands here, where the file is removed
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


# Ctrl-C and `kill`, held back while the hidden file is made: a signal arriving between
# its creation and the `try` that removes it left it behind.
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


def _hold_signals() -> set[int | signal.Signals] | None:
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows: nothing held back
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)


def _release(held: set[int | signal.Signals] | None) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


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
