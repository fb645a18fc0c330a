"""Deterministic fuzzing of the shipped regulations and candidate files.

    python bench/fuzz.py --regulations 100000 --candidates 10000 --seed 1 [--cli 50]

Every mutant is built from (seed, kind, index) alone, so any failure is
reproduced by its number (`--only reg:123`). Each goes in-process through the
public API, in a worker process the campaign can kill when an input stalls:

- a regulation mutant (bytes, characters, tokens or lines deleted, inserted,
  duplicated or swapped; hostile snippets spliced in; Unicode oddities) through
  `ndrc_rules.loads`; every diagnostic must point inside its file; a mutant that
  still checks decides the sample cohort on its three paths, which must agree;
- a candidates mutant (cells replaced by huge numbers, separators, markers,
  control characters; lines cut, doubled, swapped; other encodings; truncation)
  read by `Regulation.read` and decided row by row: every row read is a
  decision or an error, numbered once, in order;
- a small sample of both through the real `ndrc-rules` console script: no
  traceback, a documented exit code, and rows = decisions + errors.

A failure is any exception that is not the project's own, any input over the
time limit (2 s of CPU), any diagnostic outside its file, rows that do not reconcile.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
STALL = 10.0  # seconds before an input is stopped where it stands: a stall
KILL = 30.0  # seconds before a worker stuck outside Python code is killed
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


def _bounded(phase: str, what: str, outcome: Outcome, run: Callable[[], None]) -> None:
    """`run`, timed, and stopped after STALL seconds: a stall is classed by where it
    stood; over LIMIT, the input is slow."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, STALL)
    start = time.process_time()  # CPU time: the machine's load does not count
    try:
        run()
    except Stalled as error:
        outcome.failures.setdefault(f"stall (> {STALL:g} s) in {phase}/{_stage(error)}", "")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome.seconds = time.process_time() - start
    if outcome.seconds > LIMIT:
        outcome.failures[f"slow (> {LIMIT:g} s) {what}"] = f"{outcome.seconds:.1f} s"


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
    from ndrc_rules import loads
    from ndrc_rules.language.diagnostics import RegulationError

    base, text, steps = regulation_mutant(seed, index)
    outcome = Outcome(f"reg:{index}", len(text))

    def run() -> None:
        try:
            regulation = loads(text, str(base))
        except RegulationError as error:
            outcome.stats["regulation refused"] += 1
            _check_positions(outcome, text, str(base), error.diagnostics)
        except _project_exceptions():
            outcome.stats["regulation refused (file)"] += 1
        except Exception as error:
            _escaped(outcome, "loads", error)
        else:
            outcome.stats["regulation valid"] += 1
            _check_positions(outcome, text, str(base), regulation.warnings)
            _decide_cohort(outcome, regulation, SAMPLE_COHORT)

    _bounded("loads", "regulation", outcome, run)
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


def _decide_cohort(outcome: Outcome, regulation, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every row decided or reported, numbered once in order, the three paths agreeing."""
    from ndrc_rules.api import Verdict
    from ndrc_rules.audit.records import ERROR
    from ndrc_rules.io.candidates import RowError

    try:
        rows = list(regulation.read(path))
    except _project_exceptions():
        outcome.stats["candidates file refused"] += 1
        return
    except Exception as error:
        _escaped(outcome, "read", error)
        return
    numbers = [row.row for row in rows]
    if numbers != sorted(set(numbers)):
        outcome.failures["rows numbered twice or out of order"] = str(numbers[:20])
    for row in rows:
        if isinstance(row, RowError):
            outcome.stats["row errors"] += 1
            continue
        try:
            full = regulation.try_decide(row)
            fast = regulation.outcome(row)
            kind, line = regulation.record_line(row)
        except Exception as error:  # a row never raises: it is a decision or an error
            _escaped(outcome, "decide", error)
            return
        if isinstance(full, RowError):
            outcome.stats["row errors"] += 1
            agree = isinstance(fast, RowError) and kind == ERROR and fast.code == full.code
        else:
            outcome.stats["decisions"] += 1
            record = json.loads(line)
            agree = fast == Verdict(full.decision, full.deciding_rule) and (
                record.get("decision"),
                record.get("deciding_rule"),
            ) == (full.decision, full.deciding_rule)
        if not agree:
            outcome.failures["paths disagree (outcome, decide, record_line)"] = (
                f"row {row.row}: {full!r:.120} / {fast!r:.120} / {line[:120]}"
            )


_REGULATION = None


def run_candidates(seed: int, index: int, folder: Path) -> Outcome:
    from ndrc_rules import load
    from ndrc_rules.io.candidates import RowError

    global _REGULATION
    if _REGULATION is None:
        _REGULATION = load(NDRC)
    base, data, steps = candidates_mutant(seed, index)
    outcome = Outcome(f"cand:{index}", len(data))
    path = folder / f"mutant{base.suffix}"
    path.write_bytes(data)
    regulation = _REGULATION

    def run() -> None:
        try:
            results = list(regulation.decide_all(regulation.read(path), trace=False))
        except _project_exceptions():
            outcome.stats["candidates file refused"] += 1
        except Exception as error:
            _escaped(outcome, "read", error)
        else:
            errors = sum(isinstance(r, RowError) for r in results)
            outcome.stats["row errors"] += errors
            outcome.stats["decisions"] += len(results) - errors
            numbers = [r.row for r in results]
            if numbers != sorted(set(numbers)):
                outcome.failures["rows numbered twice or out of order"] = str(numbers[:20])

    _bounded("read", "candidates", outcome, run)
    outcome.stats["steps"] += len(steps)
    return outcome


# --- the console script ------------------------------------------------------------------

SUMMARY = re.compile(r"(\d+) lignes : (\d+) décisions, (\d+) erreurs")


def _script() -> str:
    return shutil.which("ndrc-rules", path=str(Path(sys.executable).parent)) or "ndrc-rules"


def run_cli(seed: int, index: int, folder: Path) -> list[Outcome]:
    """One regulation mutant through `check`, one candidates mutant through `eval`."""
    env = {**os.environ, "NDRC_LANG": "fr", "COLUMNS": "120"}
    base, text, _ = regulation_mutant(seed, index)
    reg = folder / base.name  # beside a copy of the national base it imports
    shutil.copy(ROOT / "regulations" / "bts_national.reg", folder / "bts_national.reg")
    reg.write_bytes(text.encode("utf-8", "surrogatepass"))
    if base.name == "bts_national.reg":
        shutil.copy(ROOT / "regulations" / "bts_ndrc.reg", folder / "bts_ndrc.reg")
    check = _command(f"cli-check:{index}", [_script(), "check", str(reg)], env)
    _, data, _ = candidates_mutant(seed, index)
    cand = folder / f"mutant{candidates_mutant(seed, index)[0].suffix}"
    cand.write_bytes(data)
    command = [_script(), "eval", str(NDRC), str(cand), "--format", "jsonl"]
    evaluation = _command(f"cli-eval:{index}", command, env)
    return [check, evaluation]


def _command(job: str, command: list[str], env: dict[str, str]) -> Outcome:
    outcome = Outcome(job, 0)
    start = _children_cpu()
    try:
        done = subprocess.run(command, capture_output=True, env=env, timeout=KILL)
    except subprocess.TimeoutExpired:
        outcome.failures[f"stall (> {KILL:g} s) {job.split(':')[0]}"] = " ".join(command)
        outcome.seconds = _children_cpu() - start
        return outcome
    outcome.seconds = _children_cpu() - start  # CPU time, as in-process
    stderr = done.stderr.decode("utf-8", "replace")
    name = job.split(":")[0]
    if "Traceback" in stderr:
        last = stderr.strip().splitlines()[-1][:200]
        outcome.failures[f"traceback in {name}: {last.split(':')[0]}"] = last
    elif done.returncode not in EXITS:
        outcome.failures[f"exit {done.returncode} in {name}"] = stderr[-200:]
    if name == "cli-eval" and done.returncode in {0, 3}:
        records = done.stdout.count(b"\n")
        found = SUMMARY.search(stderr)
        if not found or not int(found[1]) == records == int(found[2]) + int(found[3]):
            outcome.failures["rows in != decisions + errors (cli)"] = (
                f"{records} records, summary {found and found.group(0)}"
            )
    if outcome.seconds > LIMIT + 1.0:  # a cold process: its start-up on top
        outcome.failures[f"slow (> {LIMIT + 1:g} s) {name}"] = f"{outcome.seconds:.1f} s"
    return outcome


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the campaign ------------------------------------------------------------------------


def _worker(conn: Connection, folder: Path) -> None:
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            result = _run(job, folder)
        except Exception as error:  # the harness's own fault: said, not a stall
            result = [Outcome(f"{job[0]}:{job[2]}", 0)]
            result[0].failures[f"harness error {type(error).__name__}"] = repr(error)[:200]
        conn.send(result)


def _run(job: tuple[str, int, int], folder: Path) -> list[Outcome]:
    kind, seed, index = job
    if kind == "reg":
        return [run_regulation(seed, index)]
    if kind == "cand":
        return [run_candidates(seed, index, folder)]
    return run_cli(seed, index, folder)


class Pool:
    """One worker process, killed and replaced when an input stalls."""

    def __init__(self) -> None:
        self.context = mp.get_context("spawn" if sys.platform == "darwin" else "fork")
        self._start()

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ndrc-fuzz-"))  # removed here, even if killed
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, self.folder), daemon=True)
        self.process.start()

    def run(self, job: tuple[str, int, int], timeout: float) -> list[Outcome]:
        self.conn.send(job)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:
                pass
        self.process.kill()
        self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)
        self._start()
        outcome = Outcome(f"{job[0]}:{job[2]}", 0, timeout)
        outcome.failures[f"stall (> {timeout:g} s, outside Python) or crash {job[0]}"] = "killed"
        return [outcome]

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(5)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Report:
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
            if key not in self.examples or outcome.size < self.examples[key][0]:
                self.examples[key] = (outcome.size, outcome.job, detail)
        self.slowest = sorted([*self.slowest, (outcome.seconds, outcome.job)], reverse=True)[:10]

    def render(self, seed: int) -> str:
        lines = [f"seed {seed}: " + ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))]
        lines.append("  " + ", ".join(f"{k}: {n}" for k, n in sorted(self.stats.items())))
        total = sum(self.failures.values())
        lines.append(f"failures: {total}")
        for key, count in self.failures.most_common():
            size, job, detail = self.examples[key]
            lines.append(f"  {count:>6}  {key}")
            lines.append(f"          smallest: --only {job} ({size} chars/bytes): {detail}")
        lines.append("slowest: " + ", ".join(f"{job} {s:.2f} s" for s, job in self.slowest))
        return "\n".join(lines)


def jobs(regulations: int, candidates: int, cli: int, seed: int) -> Iterator[tuple[str, int, int]]:
    """Interleaved, so that a partial run samples every kind."""
    plan = [("reg", regulations), ("cand", candidates), ("cli", cli)]
    longest = max(n for _, n in plan) if plan else 0
    for index in range(longest):
        for kind, count in plan:
            if index < count:
                yield (kind, seed, index)


def campaign(
    regulations: int,
    candidates: int,
    cli: int = 0,
    seed: int = 0,
    progress: Callable[[Report, int], None] | None = None,
) -> Report:
    report = Report()
    pool = Pool()
    try:
        for done, job in enumerate(jobs(regulations, candidates, cli, seed), 1):
            timeout = KILL * (2 if job[0] == "cli" else 1)
            for outcome in pool.run(job, timeout):
                report.add(outcome)
            if progress:
                progress(report, done)
    finally:
        pool.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regulations", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--cli", type=int, default=10, help="mutant pairs through the script")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="one input, e.g. reg:123 or cand:45: print and run it")
    parser.add_argument("--every", type=int, default=0, help="print the figures every N inputs")
    args = parser.parse_args(argv)
    if args.only:
        return _only(args.only, args.seed)

    def progress(report: Report, done: int) -> None:
        if args.every and done % args.every == 0:
            print(f"--- after {done} inputs\n{report.render(args.seed)}", flush=True)

    start = time.perf_counter()
    report = campaign(args.regulations, args.candidates, args.cli, args.seed, progress)
    print(report.render(args.seed))
    print(f"{time.perf_counter() - start:.0f} s")
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
    pool = Pool()
    try:
        for outcome in pool.run((kind, seed, index), KILL * 2):
            report.add(outcome)
    finally:
        pool.close()
    print(report.render(seed))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
