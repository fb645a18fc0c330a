"""The decision store: batches appended whole or not at all, tampering found, queries."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.audit.records import result_line
from ndrc_rules.audit.store import Batch, Store
from ndrc_rules.common.errors import StoreError
from ndrc_rules.io.candidates import RowError, read_candidates

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
BAD_ROWS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
BATCH = Batch("2026-06-30T12:00:00+00:00", str(NDRC), "sha", "0.1.0", str(COHORT))


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def lines_of(path: Path) -> list[tuple[str, str]]:
    """(outcome, JSON record) of every row, as `eval --format jsonl` makes them."""
    regulation = ndrc_rules.load(NDRC)
    rows = read_candidates(path, keep=lambda c: True)
    return [
        result_line(row) if isinstance(row, RowError) else regulation.record_line(row)
        for row in rows
    ]


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with two batches: the sample cohort, then the rows in error."""
    path = tmp_path_factory.mktemp("store") / "registre.sqlite"
    assert run("eval", NDRC, COHORT, "--db", path, "--format", "jsonl").returncode == 0
    assert run("eval", NDRC, BAD_ROWS, "--db", path).returncode == 3
    return path


@pytest.fixture
def store(two_batches: Path, tmp_path: Path) -> Path:
    """A fresh copy of `two_batches` for each test, which may tamper with it."""
    return Path(shutil.copy(two_batches, tmp_path / two_batches.name))


def verify(path: Path) -> tuple[int, str]:
    result = run("audit", path, "--verify", "--format", "json")
    return result.returncode, result.stdout


def tamper(path: Path, *statements: str) -> None:
    """What someone with the file and sqlite3 could do: drop the guards, then edit."""
    db = sqlite3.connect(path)
    for table in ("records", "batches"):
        db.execute(f"DROP TRIGGER {table}_no_update")
        db.execute(f"DROP TRIGGER {table}_no_delete")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


# --- writing ----------------------------------------------------------------------------
def test_every_row_is_stored_with_its_record(store: Path) -> None:
    db = sqlite3.connect(store)
    rows_in = len(COHORT.read_text("utf-8").splitlines()) + len(BAD_ROWS.read_text().splitlines())
    stored = db.execute("SELECT count(*) FROM records").fetchone()[0]
    assert stored == rows_in - 2  # the two headers
    batches = db.execute("SELECT rows, errors FROM batches ORDER BY id").fetchall()
    assert batches == [(38, 0), (6, 6)]
    outcome, record = db.execute("SELECT outcome, record FROM records WHERE seq = 1").fetchone()
    assert json.loads(record)["decision"] == outcome == "admis"


def test_stored_records_are_the_lines_eval_writes(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run("eval", NDRC, COHORT, "--format", "jsonl", "-o", out)
    db = sqlite3.connect(store)
    stored = [json.loads(r) for (r,) in db.execute("SELECT record FROM records WHERE batch = 1")]
    written = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    for record in stored + written:
        record.pop("decided_at")
    assert stored == written


def test_the_store_refuses_updates_and_deletions(store: Path) -> None:
    db = sqlite3.connect(store)
    for statement in ("UPDATE records SET outcome = 'admis'", "DELETE FROM batches"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)


def test_a_batch_interrupted_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "registre.sqlite"
    store = Store(path, create=True)
    lines = lines_of(COHORT)

    def interrupted() -> object:
        yield from lines[:10]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(store.append(BATCH, interrupted()))  # type: ignore[arg-type]
    assert store.records() == [] and store.batches() == []
    list(store.append(BATCH, lines))
    assert len(store.records()) == len(lines)
    assert store.verify()[0] == []


def test_a_killed_eval_leaves_no_half_batch(tmp_path: Path, store: Path) -> None:
    big = tmp_path / "big.csv"
    rows = COHORT.read_text("utf-8").splitlines()
    body = [f"X{i};{row.split(';', 1)[1]}" for i in range(3000) for row in rows[1:]]
    big.write_text("\n".join([rows[0], *body]) + "\n", "utf-8")
    process = subprocess.Popen([str(SCRIPT), "eval", NDRC, big, "--db", store, "--format", "csv"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(2.0)
    assert process.poll() is None, "the run ended before it could be killed: make it bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    code, report = verify(store)
    assert code == 0 and json.loads(report)["records"] == 44  # the two earlier batches only
    assert run("eval", NDRC, COHORT, "--db", store).returncode == 0  # and the store still works


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "autre.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError) as caught:
        Store(other)
    assert caught.value.code == "S002"
    result = run("audit", tmp_path / "absent.sqlite")
    assert result.returncode == 2 and "registre introuvable" in result.stderr
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("pas une base", "utf-8")
    result = run("eval", NDRC, COHORT, "--db", text_file)
    assert result.returncode == 2 and "n'est pas un registre" in result.stderr
    assert "Traceback" not in result.stderr


# --- verifying --------------------------------------------------------------------------
def test_an_untouched_store_verifies(store: Path) -> None:
    code, report = verify(store)
    assert code == 0
    assert json.loads(report)["problems"] == []
    assert len(json.loads(report)["head"]) == 64


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            ["UPDATE records SET record = replace(record, 'admis', 'ajourne') WHERE seq = 1"],
            {(1, "audit.edited"), (1, "audit.columns")},
        ),
        (["UPDATE records SET outcome = 'admis' WHERE seq = 6"], {(6, "audit.columns")}),
        (["DELETE FROM records WHERE seq = 20"], {(21, "audit.gap"), (21, "audit.broken_chain")}),
        (
            ["DELETE FROM records WHERE seq = 44"],
            {(2, "audit.batch_rows")},
        ),
        (
            ["UPDATE batches SET regulation_path = 'autre.reg' WHERE id = 1"],
            {(1, "audit.batch_edited")},
        ),
        (
            [
                "UPDATE records SET record = replace(record, 'admis', 'ajourne'), hash = 'x' "
                "WHERE seq = 1"
            ],
            {(1, "audit.edited"), (1, "audit.columns"), (2, "audit.broken_chain")},
        ),
        (
            ["DROP TRIGGER meta_no_update", "UPDATE meta SET value = 'ndrc-rules-store-0'"],
            {(0, "audit.meta"), (0, "audit.guards")},
        ),
        (["DROP TRIGGER meta_no_delete", "DELETE FROM meta"], {(0, "audit.meta")}),
        (["INSERT INTO meta VALUES ('note', 'ajoutée')"], {(0, "audit.meta")}),
        (["DROP TABLE meta"], {(0, "audit.meta"), (0, "audit.guards")}),
    ],
    ids=[
        "record-edited",
        "column-edited",
        "row-deleted",
        "last-row-deleted",
        "batch-edited",
        "rehashed",
        "meta-edited",
        "meta-emptied",
        "meta-row-added",
        "meta-dropped",
    ],
)
def test_tampering_is_found(
    store: Path, statements: list[str], expected: set[tuple[int, str]]
) -> None:
    tamper(store, *statements)
    code, report = verify(store)
    assert code == 5
    found = {(p["key"], p["code"]) for p in json.loads(report)["problems"]}
    assert expected <= found


def test_an_edited_meta_table_is_tampering_and_takes_no_batch(store: Path) -> None:
    tamper(store, "DROP TRIGGER meta_no_update", "UPDATE meta SET value = 'autre'")
    result = run("audit", store, "--verify")
    assert result.returncode == 5, result.stderr
    assert "✘ registre : la table meta (le format du registre) a été modifiée" in result.stdout
    appended = run("eval", NDRC, COHORT, "--db", store, "--format", "csv")
    assert appended.returncode == 2 and "Traceback" not in appended.stderr
    assert f"le registre {store} a été modifié (sa table meta)" in " ".join(appended.stderr.split())
    assert json.loads(verify(store)[1])["records"] == 44  # nothing appended


def test_verify_speaks_french(store: Path) -> None:
    tamper(store, "DELETE FROM records WHERE seq = 3")
    result = run("audit", store, "--verify")
    assert result.returncode == 5
    assert "Registre altéré" in result.stdout and "enregistrement 4" in result.stdout


# --- querying ---------------------------------------------------------------------------
def test_audit_by_candidate_outcome_rule_and_regulation(store: Path) -> None:
    def listed(*options: str) -> list[dict[str, object]]:
        result = run("audit", store, "--format", "json", *options)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    (one,) = listed("--id", "2026-NDRC-0006")
    assert one["outcome"] == "rattrapage" and one["record"]["id"] == "2026-NDRC-0006"
    assert {r["deciding_rule"] for r in listed("--outcome", "ajourne")} == {"absence", "sinon"}
    assert len(listed("--rule", "rattrapage")) == 7
    assert len(listed("--outcome", "erreur")) == 6
    sha = ndrc_rules.load(NDRC).program.sha256
    assert len(listed("--regulation", sha[:10])) == 38
    assert listed("--regulation", "ffff") == []


def test_audit_summary_counts_per_rule(store: Path) -> None:
    result = run("audit", store, "--format", "json")
    summary = json.loads(result.stdout)
    assert [b["rows"] for b in summary["batches"]] == [38, 6]
    counts = {(c["outcome"], c["deciding_rule"]): c["count"] for c in summary["counts"]}
    assert counts[("rattrapage", "rattrapage")] == 7
    assert sum(counts.values()) == 44
    table = run("audit", store)
    assert "Lots" in table.stdout and "rattrapage" in table.stdout


def test_readers_open_the_store_so_that_nothing_can_be_written(store: Path) -> None:
    """`audit`, `replay` and the web pages open the store read-only: a write through
    their connection is refused by SQLite itself, and reading leaves the file as it was."""
    before = store.read_bytes()
    reader = Store(store, readonly=True)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.db.execute("INSERT INTO meta VALUES ('x', 'y')")
    finally:
        reader.close()
    assert run("audit", store, "--verify").returncode == 0
    assert run("replay", store).returncode == 0
    assert store.read_bytes() == before
