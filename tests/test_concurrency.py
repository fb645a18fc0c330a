"""Two people on one store (issue 11, point 8): a second `eval --db` waits for the
batch being written, saying so, or stops with the true reason; readers read the
committed batches meanwhile. Real processes, each bounded by a timeout."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import repeated_cohort

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
WAITING = "est occupé par un autre lot (un autre `eval --db` y écrit) : attente de sa fin"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample cohort, 120 times over (4,560 rows): a batch of several seconds."""
    return repeated_cohort(tmp_path_factory.mktemp("cohorte"), 120)


def run(*args: str | Path, wait: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NDRC_STORE_WAIT": str(wait)}
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def _taken(store: Path) -> bool:
    """Whether another connection holds the store's write lock."""
    db = sqlite3.connect(store, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


@pytest.fixture
def writing(tmp_path: Path, big: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A store holding one batch, and a first `eval --db` writing a big batch to it."""
    store = tmp_path / "registre.sqlite"
    assert run("eval", NDRC, COHORT, "--db", store, "--format", "csv").returncode == 0
    first = subprocess.Popen(
        [str(SCRIPT), "eval", str(NDRC), str(big), "--db", str(store), "-o", str(tmp_path / "o")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _taken(store):
        assert first.poll() is None and time.monotonic() < deadline, "the batch never started"
        time.sleep(0.05)
    try:
        yield store, first
    finally:
        first.wait(timeout=300)


def test_readers_read_while_a_batch_is_written(writing: tuple[Path, subprocess.Popen[str]]) -> None:
    store, first = writing
    verified = run("audit", store, "--verify", "--format", "json")
    listed = run("audit", store, "--outcome", "admis", "--format", "json")
    replayed = run("replay", store, "--seq", "1")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["records"] == 38  # the committed batch only
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 19, listed.stderr
    assert replayed.returncode == 0, replayed.stderr
    assert first.poll() is None, "the first batch ended before the readers: make it longer"


def test_a_second_writer_waits_for_the_first_and_says_so(
    writing: tuple[Path, subprocess.Popen[str]],
) -> None:
    store, first = writing
    second = run("eval", NDRC, COHORT, "--db", store, "--format", "csv")
    assert first.wait(timeout=300) == 0
    assert second.returncode == 0, second.stderr
    said = " ".join(second.stderr.split())
    assert f"le registre {store} {WAITING}, au plus 120 s" in said
    assert "Traceback" not in said and "n'est pas un registre" not in said
    verified = json.loads(run("audit", store, "--verify", "--format", "json").stdout)
    assert verified["problems"] == [] and verified["records"] == 38 + 4_560 + 38
    batches = json.loads(run("audit", store, "--format", "json").stdout)["batches"]
    assert [b["rows"] for b in batches] == [38, 4_560, 38]  # the second after the first


def test_a_second_writer_past_its_wait_stops_with_the_true_reason(
    writing: tuple[Path, subprocess.Popen[str]],
) -> None:
    store, first = writing
    second = run("eval", NDRC, COHORT, "--db", store, "--format", "csv", wait=0.5)
    assert first.poll() is None, "the first batch ended before the wait ran out"
    assert second.returncode == 2
    said = " ".join(second.stderr.split())
    assert WAITING in said
    assert f"le registre {store} est occupé : un autre `eval --db` y écrit un lot" in said
    assert "Traceback" not in said and "n'est pas un registre" not in said
    assert first.wait(timeout=300) == 0
    verified = json.loads(run("audit", store, "--verify", "--format", "json").stdout)
    assert verified["problems"] == [] and verified["records"] == 38 + 4_560
