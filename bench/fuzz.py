"""Deterministic fuzzing of the shipped regulations and candidate files.

    python bench/fuzz.py --regulations 100000 --candidates 10000 --seed 1 [--cli 50] [--jobs 2]

Every mutant is built from (seed, kind, index) alone, so any failure is
reproduced by its number (`--only reg:123`). Each goes in-process through the
public API, in a worker process the campaign can kill when an input stalls
(`--jobs N`: N workers, each taking the next input as it is free; the same
figures whatever N):

- a regulation mutant (bytes, characters, tokens or lines deleted, inserted,
  duplicated or swapped; hostile snippets spliced in; Unicode oddities) through
  `ndrc_rules.loads`; every diagnostic must point inside its file; a mutant that
  still checks decides the sample cohort (its own time limit), where the three
  paths must agree (outcome; the record text of the fast writer and of the
  general path, byte for byte) and every decision must replay;
- a candidates mutant read and recorded as `eval --format jsonl` does (the fast
  writer): every row read is one record, of its row, numbered once, in order, and
  as many as the file's rows counted another way (rows in = decisions +
  errors); then (its own time limit) the first GENERAL_ROWS candidates give the
  same record text on the general path, and every decision replays byte for
  byte with `ndrc_rules.replay.Replayer`;
- a small sample of both through the real `ndrc-rules` console script: `check`;
  `eval --format jsonl --db`, then `replay` of the store: no traceback, a
  documented exit code, rows = decisions + errors, every record replayed the same.

A failure is any exception that is not the project's own, any phase of an input
over the time limit (2 s of CPU; for a candidates file, 2 s per 50,000 rows
decided beyond the first 50,000: deciding is linear), any diagnostic outside its file, rows that do
not reconcile, a record that differs between the paths or does not replay.
The figures printed: counts, failures by class (kind, exception, stage) with
the smallest input of each class, the slowest inputs. Exit code 1 on failures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = sorted((ROOT / "regulations").glob("*.reg"))
CANDIDATE_FILES = sorted(
    p
    for p in [*(ROOT / "examples").glob("*.csv"), *(ROOT / "tests" / "hostile").iterdir()]
    if p.is_file() and p.name != "expected.json"
)
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
SAMPLE_COHORT = ROOT / "examples" / "candidats_ndrc.csv"
LIMIT = 2.0  # seconds of CPU per input
ROWS_PER_LIMIT = 50_000  # rows of a candidates file decided within LIMIT (40 µs a row)
STALL = 10.0  # seconds of CPU before an input is stopped where it stands: a stall
KILL = 120.0  # seconds of wall time before a worker stuck outside Python code is killed
# (both in CPU time where they can be: on a loaded machine, 1 s of CPU can take 10 of wall)
EXITS = {0, 1, 2, 3}  # what `check` and `eval` may answer (130/141 need a signal)

# --- mutations -------------------------------------------------------------------------

ODD = [
    "\ud800",  # a lone surrogate
    "\udfff",
    "\u2028",  # line and paragraph separators
    "\u2029",
    "\x85",  # next line
    "\x0b",
    "\x0c",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",  # a BOM inside the text
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u0301",  # a combining accent
    "\u00a0",
    "\u202f",
    "\t",
    "😀",
    "ﬁ",
    "Ⅻ",
    "١٢",
    "１２",
    "\U0010ffff",
]
SNIPPETS = [
    "(moyenne_pro + ",
    "U1 + ",
    "(",
    ")",
    "si ",
    "alors admis ",
    "sinon ajourne\n",
    "1" * 50,
    "9" * 5000,
    "1e999999999",
    "0,0000000000000000000001",
    "/ 0",
    "/ (U1 - U1)",
    " / moyenne_generale",
    '"',
    "«",
    "»",
    "#",
    'importe "bts_national.reg"\n',
    'importe "bts_ndrc.reg"\n',
    'importe "/etc/passwd"\n',
    'importe "../../../../../../dev/zero"\n',
    'importe ""\n',
    'regime x "X" herite de x\n',
    '  chiffre a "A" = b\n  chiffre b "B" = a\n',
    '  regle r "R"\n    si moyenne_generale >= 10 alors admis\n',
    'exemple "e" : U1 = 10 attendu admis\n',
    "entre 8 inclus et 10 exclu",
    "arrondi au centieme superieur",
    "dispensable ",
    "coefficient 0 ",
    "coefficient -1 ",
    "coefficient 99999999999999999999 ",
    "session 2026\n",
    "derniere session 1900\n",
]
TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


def regulation_mutant(seed: int, index: int) -> tuple[Path, str, list[str]]:
    """The mutant `index` of the campaign `seed`: (file it derives from, text, steps)."""
    rng = random.Random(f"reg:{seed}:{index}")
    base = rng.choice(REGULATIONS)
    text = base.read_text("utf-8")
    steps: list[str] = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 5, 8])):
        text, step = _mutate_text(rng, text)
        steps.append(step)
    return base, text, steps


def _mutate_text(rng: random.Random, text: str) -> tuple[str, str]:
    op = rng.choice(_TEXT_OPS)
    return op(rng, text)


def _position(rng: random.Random, text: str) -> int:
    return rng.randrange(len(text) + 1)


def _delete_chars(rng: random.Random, text: str) -> tuple[str, str]:
    at, size = _position(rng, text), rng.choice([1, 1, 2, 5, 20, 200])
    return text[:at] + text[at + size :], f"delete {size} chars at {at}"


def _insert_odd(rng: random.Random, text: str) -> tuple[str, str]:
    at, odd = _position(rng, text), rng.choice(ODD)
    return text[:at] + odd + text[at:], f"insert {odd!r} at {at}"


def _insert_char(rng: random.Random, text: str) -> tuple[str, str]:
    at, char = _position(rng, text), rng.choice(text or "x")
    return text[:at] + char + text[at:], f"insert {char!r} at {at}"


def _splice(rng: random.Random, text: str) -> tuple[str, str]:
    at, snippet = _position(rng, text), rng.choice(SNIPPETS)
    times = rng.choice([1, 1, 1, 3, 30, 300, 3000])
    if rng.random() < 0.5:  # at a line start
        at = text.rfind("\n", 0, at) + 1
    return text[:at] + snippet * times + text[at:], f"splice {snippet!r}×{times} at {at}"


def _tokens(rng: random.Random, text: str) -> tuple[str, str]:
    tokens = TOKEN.findall(text)
    if not tokens:
        return text, "tokens: none"
    step = _rearrange(rng, tokens, ["delete", "duplicate", "swap", "copy"], "token")
    return "".join(tokens), step


def _lines(rng: random.Random, text: str) -> tuple[str, str]:
    lines = text.split("\n")
    actions = ["delete", "duplicate", "swap", "move", "indent", "dedent"]
    step = _rearrange(rng, lines, actions, "line")
    return "\n".join(lines), step


def _rearrange(rng: random.Random, items: list, actions: list[str], what: str) -> str:  # type: ignore[type-arg]
    """One edit of a list of tokens or lines (text or bytes), in place; its step."""
    i, j = rng.randrange(len(items)), rng.randrange(len(items))
    action = rng.choice(actions)
    if action == "delete":
        del items[i]
    elif action == "duplicate":
        items.insert(i, items[i])
    elif action == "swap":
        items[i], items[j] = items[j], items[i]
    elif action == "copy":
        items.insert(i, items[j])
    elif action == "move":
        items.insert(j, items.pop(i))
    elif action == "many":
        items[i:i] = [items[i]] * 2000
    elif action == "indent":
        items[i] = "  " + items[i]
    else:
        items[i] = items[i].lstrip()
    return f"{what} {action} {i} {j}"


def _bytes(rng: random.Random, text: str) -> tuple[str, str]:
    """A byte flipped in the UTF-8 text, read back as the loader would not: with
    replacement characters (`loads` takes text)."""
    raw = bytearray(text.encode("utf-8", "surrogatepass"))
    if not raw:
        return text, "bytes: none"
    at = rng.randrange(len(raw))
    raw[at] = rng.randrange(256)
    return raw.decode("utf-8", "replace"), f"byte {raw[at]:#x} at {at}"


def _truncate(rng: random.Random, text: str) -> tuple[str, str]:
    at = _position(rng, text)
    return text[:at], f"truncate at {at}"


_TEXT_OPS: list[Callable[[random.Random, str], tuple[str, str]]] = [
    _delete_chars,
    _delete_chars,
    _insert_odd,
    _insert_char,
    _splice,
    _splice,
    _tokens,
    _tokens,
    _tokens,
    _lines,
    _lines,
    _bytes,
    _truncate,
]

CELLS = [
    "1e999999999",
    "1e10000000",
    "-1e999999999",
    "9" * 5000,
    "1." + "0" * 4300,
    "0," + "1" * 5000,
    "1" * 200_000,
    "20.000000000000000000001",
    "-0",
    "+12",
    "NaN",
    "inf",
    "-inf",
    "1_0",
    "0x10",
    "١٢",
    "１２",
    "12,5,5",
    "12.5.5",
    "DISP",
    "ABS",
    "abs",
    "disp",
    "",
    " ",
    '"',
    '""',
    ";",
    ",",
    "\t",
    "\r",
    "\n",
    "\x00",
    "\u2028",
    "\ufeff",
    "\udced\udca0\udc80",  # the bytes of a lone surrogate (ED A0 80), as a file holds them
    "=1+1",
    "2026-NDRC-0001",
    "apprentissage",
    "x" * 2_000_000,
]
MAX_FILE = 8 * 1024 * 1024  # bytes of a candidates mutant
ENCODINGS = ["cp1252", "latin-1", "utf-16", "utf-8-sig", "utf-32", "mac_roman"]


def candidates_mutant(seed: int, index: int) -> tuple[Path, bytes, list[str]]:
    """The candidates mutant `index` of campaign `seed`: (base file, bytes, steps)."""
    rng = random.Random(f"cand:{seed}:{index}")
    base = rng.choice(CANDIDATE_FILES)
    data = base.read_bytes()
    steps: list[str] = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutated, step = rng.choice(_BYTE_OPS)(rng, data)
        if len(mutated) <= MAX_FILE:  # a bigger one would cost disk, not find more
            data = mutated
            steps.append(step)
    return base, data, steps


def _cell(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    text = data.decode("utf-8", "surrogateescape")
    value = rng.choice(CELLS)
    if text.lstrip("\ufeff").lstrip().startswith(("[", "{")):  # JSON or JSON Lines
        matches = list(re.finditer(r'(?<=: )("[^"]*"|[-\w.]+)', text))
        as_json = value if rng.random() < 0.5 else json.dumps(value)
    else:
        matches = list(re.finditer(r"(?<=[;,\t])[^;,\t\r\n]*", text))
        as_json = value
    if not matches:
        return data, "cell: none"
    match = rng.choice(matches)
    out = text[: match.start()] + as_json + text[match.end() :]
    return out.encode("utf-8", "surrogateescape"), f"cell {match.start()} = {value[:20]!r}"


def _byte_lines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = data.split(b"\n")
    step = _rearrange(rng, lines, ["delete", "duplicate", "swap", "many"], "line")
    return b"\n".join(lines), step


def _separators(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    old, new = (
        rng.choice([b";", b",", b"\t", b"\n", b"\r\n", b"."]),
        rng.choice([b";", b",", b"\t", b"\r", b"\r\n", b"\n\n", b"|", b'"', b""]),
    )
    if rng.random() < 0.5:
        return data.replace(old, new), f"replace all {old!r} by {new!r}"
    at = data.find(old, rng.randrange(len(data) + 1))
    if at < 0:
        return data, "separator: none"
    return data[:at] + new + data[at + len(old) :], f"replace {old!r} at {at} by {new!r}"


def _encoding(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    encoding = rng.choice(ENCODINGS)
    text = data.decode("utf-8", "replace")
    return text.encode(encoding, "replace"), f"encode {encoding}"


def _byte(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return bytes([rng.randrange(256)]), "byte into empty"
    at = rng.randrange(len(data))
    value = rng.randrange(256)
    action = rng.choice(["set", "insert", "delete"])
    if action == "set":
        return data[:at] + bytes([value]) + data[at + 1 :], f"byte {at} = {value:#x}"
    if action == "insert":
        return data[:at] + bytes([value]) + data[at:], f"insert byte {value:#x} at {at}"
    return data[:at] + data[at + 1 :], f"delete byte {at}"


def _cut(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    return data[:at], f"truncate at {at}"


def _nest(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    depth = rng.choice([10, 1000, 100_000])
    at = rng.randrange(len(data) + 1)
    opener = rng.choice([b"[", b"{", b'{"a":'])
    return data[:at] + opener * depth + data[at:], f"nest {opener!r}×{depth} at {at}"


_BYTE_OPS: list[Callable[[random.Random, bytes], tuple[bytes, str]]] = [
    _cell,
    _cell,
    _cell,
    _cell,
    _byte_lines,
    _separators,
    _encoding,
    _byte,
    _byte,
    _cut,
    _nest,
]

# --- running one input -------------------------------------------------------------------


@dataclass
class Outcome:
    """What one input gave: its failures (class → detail) and time."""

    job: str
    size: int
    seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)


class Stalled(BaseException):
    """Raised by the alarm in the worker: where it stands is where the input stalls
    (a BaseException, so that no `except Exception` of the engine swallows it)."""


def _alarm(signum: int, frame: object) -> None:
    raise Stalled


def _bounded(
    phase: str,
    what: str,
    outcome: Outcome,
    run: Callable[[], None],
    limit: Callable[[], float] = lambda: LIMIT,
) -> None:
    """`run` (one phase of an input), timed, and stopped after STALL seconds of CPU:
    a stall is classed by where it stood; over `limit()` in the phase, `what` is slow."""
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, STALL)
    start = time.process_time()  # CPU time: the machine's load does not count
    try:
        run()
    except Stalled as error:
        outcome.failures.setdefault(f"stall (> {STALL:g} s) in {phase}/{_stage(error)}", "")
    except Exception as error:  # not the project's own: the callers catch those
        _escaped(outcome, phase, error)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    seconds = time.process_time() - start
    outcome.seconds += seconds  # the input's time: every phase
    if seconds > limit():
        outcome.failures[f"slow (> {limit():g} s) {what}"] = f"{seconds:.1f} s"


def _project_exceptions() -> tuple[type[BaseException], ...]:
    from ndrc_rules.api import CandidateError
    from ndrc_rules.common.errors import InputFileError, StoreError
    from ndrc_rules.language.diagnostics import RegulationError
    from ndrc_rules.language.source import SourceError

    return (RegulationError, InputFileError, StoreError, CandidateError, SourceError)


def _stage(error: BaseException) -> str:
    """The innermost module of the package the exception came through."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if "ndrc_rules" in f.filename]
    return Path(inside[-1].filename).stem if inside else "outside"


def _escaped(outcome: Outcome, phase: str, error: BaseException) -> None:
    key = f"exception {type(error).__name__} in {phase}/{_stage(error)}"
    outcome.failures.setdefault(key, f"{type(error).__name__}: {str(error)[:200]}")


def run_regulation(seed: int, index: int) -> Outcome:
    """Check the mutant (phase `loads`); a valid one decides the sample cohort
    (phase `cohort`, its own time limit)."""
    from ndrc_rules import loads
    from ndrc_rules.language.diagnostics import RegulationError

    base, text, steps = regulation_mutant(seed, index)
    outcome = Outcome(f"reg:{index}", len(text))
    valid = []

    def run() -> None:
        try:
            valid.append(loads(text, str(base)))
        except RegulationError as error:
            outcome.stats["regulation refused"] += 1
            _check_positions(outcome, text, str(base), error.diagnostics)
        except _project_exceptions():
            outcome.stats["regulation refused (file)"] += 1
        else:
            outcome.stats["regulation valid"] += 1
            _check_positions(outcome, text, str(base), valid[0].warnings)

    _bounded("loads", "regulation", outcome, run)
    if valid:
        _bounded("cohort", "cohort", outcome, lambda: _decide_cohort(outcome, valid[0]))
    outcome.stats["steps"] += len(steps)
    return outcome


def _check_positions(outcome: Outcome, text: str, path: str, diagnostics: list) -> None:
    """Every diagnostic inside its file: line and column within the text they name,
    and it renders (a caret under the text)."""
    from ndrc_rules.language.source import SourceError, SourceFile

    try:
        main = SourceFile.from_text(text, path)
    except UnicodeError:  # the engine had refused it: a lone surrogate
        return
    files: dict[str, list[str]] = {path: main.text.split("\n")}
    for diagnostic in diagnostics:
        span = diagnostic.span
        if span.file not in files:
            try:
                files[span.file] = SourceFile.read(span.file).text.split("\n")
            except (OSError, SourceError, UnicodeError):
                files[span.file] = []
        lines = files[span.file]
        if not _inside(span, lines):
            key = f"position {diagnostic.code} outside the file"
            outcome.failures.setdefault(
                key,
                f"{span.file}:{span.line}:{span.column}-{span.end_line}:{span.end_column}"
                f" in a file of {len(lines)} lines",
            )
        try:
            diagnostic.render(main)
        except Exception as error:
            _escaped(outcome, f"render {diagnostic.code}", error)


def _inside(span, lines: list[str]) -> bool:  # type: ignore[no-untyped-def]
    def fits(line: int, column: int) -> bool:
        return 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 2

    return (
        fits(span.line, span.column)
        and fits(span.end_line, span.end_column)
        and (span.end_line, span.end_column) >= (span.line, span.column)
    )


DECIDED_AT = "2026-07-01T12:00:00+00:00"  # one stamp for both paths, so records compare as text
GENERAL_ROWS = 100  # candidates of an input also decided on the general path
REPLAY_ROWS = 5000  # decisions of an input kept to replay (a record is about 9 kB)


def _decide_cohort(outcome: Outcome, regulation) -> None:  # type: ignore[no-untyped-def]
    """The sample cohort under a valid mutant: every row decided or reported,
    numbered once in order, the three paths agreeing (outcome; record text byte
    for byte), and every decision replaying under the mutant."""
    from ndrc_rules.replay import Replayer

    written = _records(outcome, regulation, SAMPLE_COHORT)
    if written is None:
        return
    replayer = Replayer()
    replayer.loaded[regulation.program.path] = regulation  # the mutant is not on disk
    _verify(outcome, regulation, replayer, written, len(written), outcome_too=True)


def _records(outcome: Outcome, regulation, path: Path) -> list | None:  # type: ignore[no-untyped-def]
    """What `eval --format jsonl` writes for the file, row by row: (row, outcome,
    record text); None when the file is refused. Raises what escapes."""
    from ndrc_rules.audit.records import result_line
    from ndrc_rules.io.candidates import RowError

    written = []
    try:
        for row in regulation.read(path):
            if isinstance(row, RowError):
                written.append((row, *result_line(row)))
            else:
                written.append((row, *regulation.record_line(row, DECIDED_AT)))
    except _project_exceptions():
        outcome.stats["candidates file refused"] += 1
        return None
    return written


def _verify(  # type: ignore[no-untyped-def]
    outcome: Outcome, regulation, replayer, written: list, general: int, outcome_too: bool = False
) -> None:
    """Rows numbered once, in order, each record of its row and of its kind; the
    first `general` candidates decided again on the general path (same record
    text; with `outcome_too`, the same outcome from `Regulation.outcome`); every
    decision (up to REPLAY_ROWS) replayed byte for byte."""
    from ndrc_rules.audit.records import ERROR, result_line
    from ndrc_rules.io.candidates import RowError

    numbers = [row.row for row, _, _ in written]
    if numbers != sorted(set(numbers)):
        outcome.failures["rows numbered twice or out of order"] = str(numbers[:20])
    decided = [(row, line) for row, kind, line in written if kind != ERROR]
    outcome.stats["decisions"] += len(decided)
    outcome.stats["row errors"] += len(written) - len(decided)
    candidates = [(row, kind, line) for row, kind, line in written if not isinstance(row, RowError)]
    for row, kind, line in candidates[:general]:
        again = result_line(regulation.try_decide(row, decided_at=DECIDED_AT))
        if again != (kind, line):
            outcome.failures["records differ (fast writer, general path)"] = (
                f"row {row.row}: {_parting(again[1], line)}"
            )
        if outcome_too and not _outcome_agrees(regulation.outcome(row), kind, line):
            outcome.failures["paths disagree (outcome, record_line)"] = (
                f"row {row.row}: {line[:120]}"
            )
    for row, kind, line in written:
        record = json.loads(line)
        if record.get("row") != row.row or ("error" in record) != (kind == ERROR):
            outcome.failures["record not of its row"] = f"row {row.row}: {line[:120]}"
    for row, line in decided[:REPLAY_ROWS]:
        replayed = replayer.replay(f"row {row.row}", line)
        if not replayed.same or replayed.skipped:
            where = [f"{d.path}: {d.old} → {d.new}" for d in replayed.differences[:3]]
            outcome.failures[
                f"replay differs{f' ({replayed.skipped})' if replayed.skipped else ''}"
            ] = f"row {row.row}: {'; '.join(where)}"[:300]
    outcome.stats["decisions replayed"] += min(len(decided), REPLAY_ROWS)


def _outcome_agrees(verdict, kind: str, line: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the fast path's outcome (a Verdict or a RowError) is the record's."""
    from ndrc_rules.audit.records import ERROR
    from ndrc_rules.io.candidates import RowError

    record = json.loads(line)
    if kind == ERROR:
        return isinstance(verdict, RowError) and verdict.code == record["error"]["code"]
    return not isinstance(verdict, RowError) and verdict == (kind, record["deciding_rule"])


def _parting(old: str, new: str) -> str:
    """Where two texts part, with a little of each."""
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    at = min(len(old), len(new)) if at is None else at
    return f"at {at}: {old[max(0, at - 30) : at + 50]!r} / {new[max(0, at - 30) : at + 50]!r}"


_WORKER_STATE: dict[str, object] = {}  # the regulation and replayer a worker loads once


def run_candidates(seed: int, index: int, folder: Path) -> Outcome:
    """Read and record the mutant as `eval --format jsonl` does (phase `eval`); then
    reconcile its rows in with its records, compare the paths and replay them
    (phase `replay`, its own time limit)."""
    from ndrc_rules import load
    from ndrc_rules.replay import Replayer

    if not _WORKER_STATE:
        _WORKER_STATE.update(regulation=load(NDRC), replayer=Replayer())
    regulation, replayer = _WORKER_STATE["regulation"], _WORKER_STATE["replayer"]
    base, data, steps = candidates_mutant(seed, index)
    outcome = Outcome(f"cand:{index}", len(data))
    path = folder / f"mutant{base.suffix}"
    path.write_bytes(data)
    read: list = []  # type: ignore[type-arg]  # the records, once read (none if refused)

    def run() -> None:
        read.append(_records(outcome, regulation, path))

    def verify() -> None:
        if read and read[0] is not None:
            _reconcile(outcome, path.suffix.lower(), data, len(read[0]))
            _verify(outcome, regulation, replayer, read[0], GENERAL_ROWS)

    _bounded("eval", "candidates", outcome, run, lambda: _rows_limit(read))
    _bounded("replay", "replay", outcome, verify)
    outcome.stats["steps"] += len(steps)
    return outcome


def _rows_limit(read: list) -> float:  # type: ignore[type-arg]
    """The CPU time a candidates file may take: LIMIT, and as much again for every
    ROWS_PER_LIMIT rows beyond the first (deciding is linear: a national cohort of
    200,000 rows is no stall)."""
    records = len(read[0]) if read and read[0] is not None else 0
    return LIMIT * max(1.0, records / ROWS_PER_LIMIT)


def _reconcile(outcome: Outcome, suffix: str, data: bytes, records: int) -> None:
    """rows in = decisions + errors: the records against the file's rows counted
    another way, where that is simple (see `rows_in`)."""
    expected = rows_in(suffix, data)
    if expected is None:
        outcome.stats["rows in not counted"] += 1
    elif expected != records:
        outcome.failures["rows in != decisions + errors"] = f"{expected} rows, {records} records"


def rows_in(suffix: str, data: bytes) -> int | None:
    """The rows of a candidates file counted without the reader: for CSV with no quote
    and no CR, the non-empty lines after the header; for JSON Lines with no CR, the
    non-blank lines; for JSON, the array's length. None for anything else, or
    a file that does not decode (the reader refuses it)."""
    codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    try:
        text = data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's last line break ends a line, it starts none
    if suffix in {".csv", ".txt"} and '"' not in text and "\r" not in text:
        header = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
        return sum(1 for line in lines[header + 1 :] if line)
    if suffix == ".jsonl" and "\r" not in text:
        return sum(1 for line in lines if line.strip())
    if suffix == ".json":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return len(document) if isinstance(document, list) else None
    return None


# --- the console script ------------------------------------------------------------------

SUMMARY = re.compile(r"(\d+) lignes? : (\d+) décisions?, (\d+) erreurs?")


def _script() -> str:
    return shutil.which("ndrc-rules", path=str(Path(sys.executable).parent)) or "ndrc-rules"


def run_cli(seed: int, index: int, folder: Path) -> list[Outcome]:
    """One regulation mutant through `check`; one candidates mutant through
    `eval --format jsonl --db`, then `replay` of the store."""
    env = {**os.environ, "NDRC_LANG": "fr", "COLUMNS": "120"}
    base, text, _ = regulation_mutant(seed, index)
    reg = folder / base.name  # beside a copy of the national base it imports
    shutil.copy(ROOT / "regulations" / "bts_national.reg", folder / "bts_national.reg")
    reg.write_bytes(text.encode("utf-8", "surrogatepass"))
    if base.name == "bts_national.reg":
        shutil.copy(ROOT / "regulations" / "bts_ndrc.reg", folder / "bts_ndrc.reg")
    check, _ = _command(f"cli-check:{index}", [_script(), "check", str(reg)], env)
    base, data, _ = candidates_mutant(seed, index)
    cand = folder / f"mutant{base.suffix}"
    cand.write_bytes(data)
    store = folder / "registre.sqlite"
    for old in folder.glob("registre.sqlite*"):
        old.unlink()
    command = [_script(), "eval", str(NDRC), str(cand), "--format", "jsonl", "--db", str(store)]
    evaluation, done = _command(f"cli-eval:{index}", command, env)
    records = _eval_records(evaluation, done)
    command = [_script(), "replay", str(store), "--format", "json"]
    replay, done = _command(f"cli-replay:{index}", command, env) if records else (None, None)
    if replay is not None and done is not None:
        _replayed(replay, done, records)
    return [o for o in (check, evaluation, replay) if o is not None]


def _eval_records(outcome: Outcome, done: subprocess.CompletedProcess[bytes] | None) -> int:
    """The records `eval` wrote, reconciled with its summary (rows = decisions + errors)."""
    if done is None or done.returncode not in {0, 3}:
        return 0
    records = done.stdout.count(b"\n")
    found = SUMMARY.search(done.stderr.decode("utf-8", "replace"))
    if not found or not int(found[1]) == records == int(found[2]) + int(found[3]):
        outcome.failures["rows in != decisions + errors (cli)"] = (
            f"{records} records, summary {found and found.group(0)}"
        )
    return records


def _replayed(outcome: Outcome, done: subprocess.CompletedProcess[bytes], records: int) -> None:
    """`replay` of the store: every record replayed, each the same (exit 0)."""
    try:
        results = json.loads(done.stdout)
    except ValueError:
        results = []
    different = [r["key"] for r in results if not r["same"]]
    if done.returncode != 0 or len(results) != records or different:
        outcome.failures["replay differs (cli)"] = (
            f"exit {done.returncode}, {len(results)} of {records} records replayed,"
            f" different: {different[:5]}"
        )


def _command(
    job: str, command: list[str], env: dict[str, str]
) -> tuple[Outcome, subprocess.CompletedProcess[bytes] | None]:
    outcome = Outcome(job, 0)
    start = _children_cpu()
    try:
        done = subprocess.run(command, capture_output=True, env=env, timeout=KILL)
    except subprocess.TimeoutExpired:
        outcome.failures[f"stall (> {KILL:g} s) {job.split(':')[0]}"] = " ".join(command)
        outcome.seconds = _children_cpu() - start
        return outcome, None
    outcome.seconds = _children_cpu() - start  # CPU time, as in-process
    stderr = done.stderr.decode("utf-8", "replace")
    name = job.split(":")[0]
    if "Traceback" in stderr:
        last = stderr.strip().splitlines()[-1][:200]
        outcome.failures[f"traceback in {name}: {last.split(':')[0]}"] = last
    elif done.returncode not in EXITS:
        outcome.failures[f"exit {done.returncode} in {name}"] = stderr[-200:]
    if outcome.seconds > LIMIT + 1.0:  # a cold process: its start-up on top
        outcome.failures[f"slow (> {LIMIT + 1:g} s) {name}"] = f"{outcome.seconds:.1f} s"
    return outcome, done


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the campaign ------------------------------------------------------------------------

Job = tuple[str, int, int]  # (kind, seed, index)


def _worker(conn: Connection, folder: Path) -> None:
    campaign = os.getppid()
    while True:
        while not conn.poll(1.0):
            if os.getppid() != campaign:  # the campaign was killed: so is its worker
                shutil.rmtree(folder, ignore_errors=True)
                return
        job = conn.recv()
        if job is None:
            return
        try:
            result = _run(job, folder)
        except Exception as error:  # the harness's own fault: said, not a stall
            result = [Outcome(f"{job[0]}:{job[2]}", 0)]
            result[0].failures[f"harness error {type(error).__name__}"] = repr(error)[:200]
        conn.send(result)


def _run(job: Job, folder: Path) -> list[Outcome]:
    kind, seed, index = job
    if kind == "reg":
        return [run_regulation(seed, index)]
    if kind == "cand":
        return [run_candidates(seed, index, folder)]
    return run_cli(seed, index, folder)


def _timeout(job: Job) -> float:
    """Seconds of wall time before a worker is killed: three commands for `cli`."""
    return KILL * (4 if job[0] == "cli" else 1)


class Worker:
    """One worker process, running one input at a time; killed and replaced when
    its input overruns its time."""

    def __init__(self, context: mp.context.BaseContext) -> None:
        self.context = context
        self.job: Job | None = None
        self.deadline = 0.0
        self._start()

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ndrc-fuzz-"))  # removed here, even if killed
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, self.folder), daemon=True)
        self.process.start()
        child.close()  # so that a crash is seen as the end of the pipe

    def send(self, job: Job) -> None:
        self.job, self.deadline = job, time.monotonic() + _timeout(job)
        self.conn.send(job)

    def result(self) -> list[Outcome]:
        """The outcomes of its input, once the pipe is readable (a crash too)."""
        try:
            outcomes: list[Outcome] = self.conn.recv()
        except EOFError:
            return self.killed()
        self.job = None
        return outcomes

    def killed(self) -> list[Outcome]:
        """Its input overran or crashed it: the worker is replaced, the input a stall."""
        assert self.job is not None
        self.process.kill()
        self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)
        self._start()
        job, self.job = self.job, None
        outcome = Outcome(f"{job[0]}:{job[2]}", 0, _timeout(job))
        key = f"stall (> {_timeout(job):g} s, outside Python) or crash {job[0]}"
        outcome.failures[key] = "killed"
        return [outcome]

    def close(self) -> None:
        if self.job is None:
            self.conn.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)


def run_all(
    todo: Iterable[Job], workers: int = 1, done: Callable[[list[Outcome]], None] = lambda _: None
) -> None:
    """Every input on `workers` processes, each given the next input as it is free;
    `done` gets each input's outcomes (in the order they finish)."""
    context = mp.get_context("spawn" if sys.platform == "darwin" else "fork")
    pool = [Worker(context) for _ in range(max(1, workers))]
    pending = iter(todo)
    try:
        idle, busy = list(pool), []
        while True:
            while idle and (job := next(pending, None)) is not None:
                worker = idle.pop()
                worker.send(job)
                busy.append(worker)
            if not busy:
                return
            wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = mp_connection.wait([w.conn for w in busy], timeout=wait)
            for worker in list(busy):
                if worker.conn in ready:
                    outcomes = worker.result()
                elif time.monotonic() >= worker.deadline:
                    outcomes = worker.killed()
                else:
                    continue
                busy.remove(worker)
                idle.append(worker)
                done(outcomes)
    finally:
        for worker in pool:
            worker.close()


@dataclass
class Report:
    """The figures of a campaign, the same whatever order its inputs finish in."""

    counts: Counter[str] = field(default_factory=Counter)
    stats: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # smallest
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.job.split(":")[0]] += 1
        self.stats.update(outcome.stats)
        for key, detail in outcome.failures.items():
            self.failures[key] += 1
            example = (outcome.size, outcome.job, detail)
            if key not in self.examples or _order(example) < _order(self.examples[key]):
                self.examples[key] = example
        self.slowest = sorted([*self.slowest, (outcome.seconds, outcome.job)], reverse=True)[:10]

    def render(self, seed: int) -> str:
        lines = [f"seed {seed}: " + ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))]
        lines.append("  " + ", ".join(f"{k}: {n}" for k, n in sorted(self.stats.items())))
        total = sum(self.failures.values())
        lines.append(f"failures: {total}")
        for key, count in sorted(self.failures.items(), key=lambda item: (-item[1], item[0])):
            size, job, detail = self.examples[key]
            lines.append(f"  {count:>6}  {key}")
            lines.append(f"          smallest: --only {job} ({size} chars/bytes): {detail}")
        lines.append("slowest: " + ", ".join(f"{job} {s:.2f} s" for s, job in self.slowest))
        return "\n".join(lines)


def _order(example: tuple[int, str, str]) -> tuple[int, str, int]:
    """Smallest first, then by kind and number: whichever input finished first."""
    size, job, _ = example
    kind, number = job.split(":")
    return size, kind, int(number)


def jobs(regulations: int, candidates: int, cli: int, seed: int, start: int = 0) -> Iterator[Job]:
    """Interleaved, so that a partial run samples every kind; numbers from `start`
    (the rest of a campaign that was stopped)."""
    plan = [("reg", regulations), ("cand", candidates), ("cli", cli)]
    longest = max(n for _, n in plan) if plan else 0
    for index in range(start, longest):
        for kind, count in plan:
            if index < count:
                yield (kind, seed, index)


def campaign(
    regulations: int,
    candidates: int,
    cli: int = 0,
    seed: int = 0,
    progress: Callable[[Report, int], None] | None = None,
    workers: int = 1,
    start: int = 0,
) -> Report:
    """The campaign on `workers` processes: the same inputs, and the same figures
    (but the times), whatever their number."""
    report = Report()
    finished = [0]

    def done(outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            report.add(outcome)
        finished[0] += 1
        if progress:
            progress(report, finished[0])

    run_all(jobs(regulations, candidates, cli, seed, start), workers, done)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regulations", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--cli", type=int, default=10, help="mutant pairs through the script")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (the same figures)")
    parser.add_argument("--start", type=int, default=0, help="first number (of every kind)")
    parser.add_argument("--only", help="one input, e.g. reg:123 or cand:45: print and run it")
    parser.add_argument("--every", type=int, default=0, help="print the figures every N inputs")
    args = parser.parse_args(argv)
    if args.only:
        return _only(args.only, args.seed)

    def progress(report: Report, done: int) -> None:
        if args.every and done % args.every == 0:
            print(f"--- after {done} inputs\n{report.render(args.seed)}", flush=True)

    start = time.perf_counter()
    report = campaign(
        args.regulations,
        args.candidates,
        args.cli,
        args.seed,
        progress,
        workers=args.jobs,
        start=args.start,
    )
    print(report.render(args.seed))
    print(f"{time.perf_counter() - start:.0f} s on {args.jobs} worker(s)")
    return 1 if report.failures else 0


def _only(job: str, seed: int) -> int:
    """Show one mutant (its steps; saved beside the current folder) and run it."""
    name, number = job.split(":")
    kind, index = ("cli" if name.startswith("cli") else name), int(number)
    if kind in {"reg", "cli"}:
        base, text, steps = regulation_mutant(seed, index)
        Path(f"fuzz-{kind}-{index}.reg").write_bytes(text.encode("utf-8", "surrogatepass"))
        print(f"from {base.name}: {steps}")
    if kind in {"cand", "cli"}:
        base, data, steps = candidates_mutant(seed, index)
        Path(f"fuzz-{kind}-{index}{base.suffix}").write_bytes(data)
        print(f"from {base.name}: {steps}")
    report = Report()
    run_all([(kind, seed, index)], 1, lambda outcomes: [report.add(o) for o in outcomes])
    print(report.render(seed))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
