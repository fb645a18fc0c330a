"""The decision store: every record of every batch, in an append-only SQLite file.

`eval --db FILE` appends a batch: one row per input row (its decision or its
error, the full JSON record as `eval` writes it) and one row for the batch,
all in one transaction, so that an interrupted run leaves nothing of its batch.
Records are chained: each row's `hash` is the SHA-256 of the previous row's
hash and its own record, and each batch holds the hash of its last record
(the head) and is chained to the previous batch in the same way. Triggers
refuse updates and deletions; `verify` finds any row edited, inserted, removed
or reordered behind their back. What no chain can see is the removal of whole
batches at the end: keep the head that `verify` prints elsewhere, and compare.

The columns beside the record (candidate, outcome, rule…) are for queries;
`verify` checks them against the record they come from.

A store is kept in SQLite's write-ahead-log mode, so that readers (`audit`,
`replay`) read the last committed batches while another is being written.
Only one batch is written at a time: a second writer waits for the first
(`on_wait` is told once, so that the wait can be shown), at most `wait` seconds,
then stops with S006.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from ndrc_rules.common.errors import StoreError
from ndrc_rules.common.status import ERROR
from ndrc_rules.language.names import fold

FORMAT = "ndrc-rules-store-1"
GENESIS = "0" * 64
BUSY_TIMEOUT = 10.0  # seconds a reader waits for a store being created or switched to WAL
WAIT = 300.0  # seconds a writer waits for a batch written by another `eval --db`
WAIT_VARIABLE = "NDRC_STORE_WAIT"  # overrides WAIT (seconds)
FOLDED = ("candidate_id", "outcome", "deciding_rule")  # matched as the language folds names

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    regulation_path TEXT NOT NULL,
    regulation_sha256 TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    candidates_path TEXT NOT NULL,
    rows INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    first_seq INTEGER,
    last_seq INTEGER,
    head TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL REFERENCES batches(id),
    row INTEGER,
    candidate_id TEXT,
    outcome TEXT NOT NULL,
    deciding_rule TEXT,
    error_code TEXT,
    regulation_sha256 TEXT,
    input_sha256 TEXT,
    decided_at TEXT,
    record TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_candidate ON records(candidate_id);
CREATE INDEX IF NOT EXISTS records_outcome ON records(outcome);
CREATE INDEX IF NOT EXISTS records_rule ON records(deciding_rule);
CREATE INDEX IF NOT EXISTS records_regulation ON records(regulation_sha256);
"""
_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'ndrc-rules: append-only store'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'ndrc-rules: append-only store'); END;
"""
_GUARDS = {f"{t}_no_{w}" for t in ("records", "batches", "meta") for w in ("update", "delete")}
# The query columns, in the order `_columns` gives them.
_INDEXED = (
    "row",
    "candidate_id",
    "outcome",
    "deciding_rule",
    "error_code",
    "regulation_sha256",
    "input_sha256",
    "decided_at",
)
_BATCH_FIELDS = (
    "id",
    "started_at",
    "regulation_path",
    "regulation_sha256",
    "engine_version",
    "candidates_path",
    "rows",
    "errors",
    "first_seq",
    "last_seq",
    "head",
)


@dataclass(frozen=True, slots=True)
class Batch:
    """What is known of a batch before its rows: where they come from, which rules."""

    started_at: str
    regulation_path: str
    regulation_sha256: str
    engine_version: str
    candidates_path: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing `verify` found wrong: where (table, key) and which check failed."""

    table: str
    key: int
    code: str  # a catalogue key: audit.broken_chain, audit.edited, …


def chained(previous: str, text: str) -> str:
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


class Store:
    """An open decision store; `readonly`: opened so that nothing can be written
    (`audit`, the web pages), whatever the code above does."""

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = False,
        readonly: bool = False,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        path = Path(path)
        self.on_wait = on_wait
        if not create and not path.is_file():
            raise StoreError("S001", {"path": str(path)})
        self.path = path
        target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
        try:  # transactions explicit; a batch being written is waited for, then said
            self.db = sqlite3.connect(
                target, isolation_level=None, timeout=BUSY_TIMEOUT, uri=readonly
            )
            self.db.row_factory = sqlite3.Row
            self.db.create_function("fold", 1, _folded, deterministic=True)
            found = self._schema()
        except sqlite3.DatabaseError as error:
            raise self._error(error) from None
        if not found and create:
            self._create()
        elif not {"records", "batches"} <= found:  # an edited `meta` is for `verify` to say
            raise StoreError("S002", {"path": str(path)})

    def _schema(self) -> set[str]:
        """The names of the file's tables and triggers."""
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}

    def _meta(self) -> dict[str, str]:
        """The `meta` table ({"format": FORMAT} in an untouched store), or {} if gone."""
        if "meta" not in self._schema():
            return {}
        return {row[0]: row[1] for row in self.db.execute("SELECT key, value FROM meta")}

    def _create(self) -> None:
        triggers = "".join(_APPEND_ONLY.format(table=t) for t in ("records", "batches", "meta"))
        # a constant of this module; OR IGNORE: another process may have created it meanwhile
        format_ = f"INSERT OR IGNORE INTO meta VALUES ('format', '{FORMAT}');"
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{triggers}{format_}COMMIT;")
        except sqlite3.DatabaseError as error:
            raise self._error(error) from None

    def close(self) -> None:
        self.db.close()

    def _error(self, error: sqlite3.DatabaseError) -> StoreError:
        """Busy (another `eval --db` holds the file) or not a store at all."""
        busy = getattr(error, "sqlite_errorcode", None) in (
            sqlite3.SQLITE_BUSY,
            sqlite3.SQLITE_LOCKED,
        )
        return StoreError("S006" if busy else "S002", {"path": str(self.path)})

    # --- writing ---------------------------------------------------------------------
    def append(self, batch: Batch, lines: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        """Store every (outcome, JSON record) while passing it on; the batch is
        committed when `lines` is exhausted, and rolled back if anything stops it."""
        self._begin()
        if self._meta() != {"format": FORMAT}:
            self.db.execute("ROLLBACK")
            raise StoreError("S007", {"path": str(self.path)})
        try:
            seq = self.db.execute("SELECT max(seq) FROM records").fetchone()[0] or 0
            head, batch_id = self._head(), self._next_batch()
            first_seq: int | None = None
            rows = errors = 0
            for outcome, text in lines:
                seq += 1
                first_seq = first_seq or seq
                rows += 1
                errors += outcome == ERROR
                hash_ = chained(head, text)
                self.db.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, batch_id, *_columns(text), text, head, hash_),
                )
                head = hash_
                yield outcome, text
            last_seq = seq if first_seq else None
            summary = (batch_id, *_batch_values(batch), rows, errors, first_seq, last_seq, head)
            previous = self.db.execute("SELECT hash FROM batches ORDER BY id DESC").fetchone()
            prev = previous[0] if previous else GENESIS
            self.db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*summary, prev, chained(prev, _batch_text(summary))),
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _begin(self) -> None:
        """Take the store for one batch: at once if it is free, otherwise after the
        batch another process is writing (said through `on_wait`), within the wait."""
        self.db.execute("PRAGMA busy_timeout = 0")
        with suppress(sqlite3.OperationalError):  # a store made before WAL: switched now
            self.db.execute("PRAGMA journal_mode = WAL")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if self._error(error).code != "S006":
                raise self._error(error) from None
        wait = _wait()
        if self.on_wait is not None:
            self.on_wait(wait)
        self.db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise self._error(error) from None

    def _head(self) -> str:
        row = self.db.execute("SELECT hash FROM records ORDER BY seq DESC").fetchone()
        return row[0] if row else GENESIS

    def _next_batch(self) -> int:
        row = self.db.execute("SELECT max(id) FROM batches").fetchone()
        return (row[0] or 0) + 1

    # --- reading ---------------------------------------------------------------------
    def batches(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM batches ORDER BY id").fetchall()

    def records(self, **filters: str | int | None) -> list[sqlite3.Row]:
        """Records matching every given filter (candidate_id, outcome, deciding_rule
        folded as the language folds names, regulation_sha256 as a prefix, batch,
        seq), in order."""
        return list(self.each_record(**filters))

    def each_record(self, **filters: str | int | None) -> Iterator[sqlite3.Row]:
        """The records `records` gives, one at a time (a store of any size, in
        constant memory)."""
        clauses: list[str] = []
        values: list[str | int] = []
        for column, value in filters.items():
            if value is None:
                continue
            if column == "regulation_sha256":
                clauses.append("regulation_sha256 LIKE ?")
                values.append(f"{str(value).lower()}%")
            elif column in FOLDED:
                clauses.append(f"fold({column}) = ?")  # column names come from this module only
                values.append(fold(str(value).strip()))
            else:
                clauses.append(f"{column} = ?")  # column names come from this module only
                values.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT * FROM records {where} ORDER BY seq"
        yield from self.db.execute(query, values)

    def known(self, column: str) -> list[str]:
        """The values a folded column takes in the store (outcomes, rules), sorted."""
        assert column in FOLDED
        query = f"SELECT DISTINCT {column} FROM records WHERE {column} IS NOT NULL ORDER BY 1"
        return [row[0] for row in self.db.execute(query)]

    def holds(self, column: str, value: str) -> bool:
        """Whether some record has `value` (folded) in `column`."""
        assert column in FOLDED
        query = f"SELECT 1 FROM records WHERE fold({column}) = ? LIMIT 1"
        return self.db.execute(query, (fold(value.strip()),)).fetchone() is not None

    def counts(self) -> list[sqlite3.Row]:
        """Records per regulation, outcome and deciding rule."""
        return self.db.execute(
            "SELECT regulation_sha256, outcome, deciding_rule, count(*) AS count FROM records "
            "GROUP BY regulation_sha256, outcome, deciding_rule "
            "ORDER BY regulation_sha256, outcome, deciding_rule"
        ).fetchall()

    # --- verifying -------------------------------------------------------------------
    def verify(self) -> tuple[list[Problem], str, int]:
        """(every problem found, the head of the chain, the number of records)."""
        problems: list[Problem] = []
        head, expected_seq = GENESIS, 1
        heads: dict[int, str] = {}
        for record in self.db.execute("SELECT * FROM records ORDER BY seq"):
            seq = record["seq"]
            if seq != expected_seq:
                problems.append(Problem("records", seq, "audit.gap"))
            if record["prev"] != head:
                problems.append(Problem("records", seq, "audit.broken_chain"))
            if record["hash"] != chained(record["prev"], record["record"]):
                problems.append(Problem("records", seq, "audit.edited"))
            if _columns_of(record) != _columns(record["record"]):
                problems.append(Problem("records", seq, "audit.columns"))
            head, expected_seq = record["hash"], seq + 1
            heads[seq] = head
        problems += self._verify_batches(heads)
        problems += self._verify_meta()
        return problems, head, expected_seq - 1

    def _verify_meta(self) -> list[Problem]:
        """The format row, alone in `meta`, and the append-only triggers, all there."""
        problems = []
        if self._meta() != {"format": FORMAT}:
            problems.append(Problem("meta", 0, "audit.meta"))
        if _GUARDS - self._schema():
            problems.append(Problem("meta", 0, "audit.guards"))
        return problems

    def _verify_batches(self, heads: dict[int, str]) -> list[Problem]:
        problems: list[Problem] = []
        prev, next_seq = GENESIS, 1
        for batch in self.batches():
            summary = tuple(batch[f] for f in _BATCH_FIELDS)
            if batch["prev"] != prev or batch["hash"] != chained(prev, _batch_text(summary)):
                problems.append(Problem("batches", batch["id"], "audit.batch_edited"))
            first, last = batch["first_seq"], batch["last_seq"]
            seqs = range(first, last + 1) if first is not None else range(0)
            complete = all(seq in heads for seq in seqs)
            if seqs.start not in (next_seq, 0) or len(seqs) != batch["rows"] or not complete:
                problems.append(Problem("batches", batch["id"], "audit.batch_rows"))
            elif last is not None and heads[last] != batch["head"]:
                problems.append(Problem("batches", batch["id"], "audit.batch_head"))
            prev, next_seq = batch["hash"], (last or next_seq - 1) + 1
        if max(heads, default=0) >= next_seq:
            problems.append(Problem("records", next_seq, "audit.unbatched"))
        return problems


def _wait() -> float:
    """Seconds a writer waits for another batch: WAIT, or NDRC_STORE_WAIT when set."""
    try:
        return max(0.0, float(os.environ.get(WAIT_VARIABLE, WAIT)))
    except ValueError:
        return WAIT


def _folded(value: object) -> str | None:
    return None if value is None else fold(str(value))


def _columns(text: str) -> tuple[object, ...]:
    """The query columns of a record, read from its JSON text."""
    try:
        record = json.loads(text)
    except ValueError:
        return ()
    error = record.get("error") or {}
    regulation = record.get("regulation") or {}
    input_ = record.get("input") or {}
    return (
        record.get("row"),
        record.get("id"),
        ERROR if error else record.get("decision"),
        record.get("deciding_rule"),
        error.get("code"),
        regulation.get("sha256"),
        input_.get("sha256"),
        record.get("decided_at"),
    )


def _columns_of(row: sqlite3.Row) -> tuple[object, ...]:
    return tuple(row[column] for column in _INDEXED)


def _batch_values(batch: Batch) -> tuple[str, ...]:
    return (
        batch.started_at,
        batch.regulation_path,
        batch.regulation_sha256,
        batch.engine_version,
        batch.candidates_path,
    )


def _batch_text(summary: tuple[object, ...]) -> str:
    return json.dumps(dict(zip(_BATCH_FIELDS, summary, strict=True)), ensure_ascii=False)
