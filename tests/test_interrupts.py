"""Interrupted runs: a result file is complete or absent, a store batch whole or absent."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import repeated_cohort

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample cohort, 5,000 times over (190,000 rows): long enough to interrupt."""
    return repeated_cohort(tmp_path_factory.mktemp("cohorte"), 5000)


def interrupted(
    *args: str | Path, how: signal.Signals, under_way: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The command, sent `how` once it is under way, deciding and writing: once a
    hidden temporary file in the folder `under_way` holds records, or else once it
    has written to its standard output. No fixed wait: a loaded machine only delays it."""
    process = subprocess.Popen(
        [str(SCRIPT), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _started(process, under_way):
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run never got under way"
    process.send_signal(how)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _size(path: Path) -> int:
    """A file's size; 0 once it is gone (renamed into place, or removed)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _started(process: subprocess.Popen[str], folder: Path | None) -> bool:
    if folder is not None:
        time.sleep(0.02)
        return any(p.name.startswith(".") and _size(p) for p in folder.iterdir())
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], 0.02)
    return bool(readable)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_an_interrupted_eval_leaves_the_previous_result_untouched(
    big: Path, tmp_path: Path, how: signal.Signals
) -> None:
    out = tmp_path / "resultats.jsonl"
    out.write_text("résultats de la veille\n", "utf-8")
    result = interrupted(
        "eval", NDRC, big, "--format", "jsonl", "-o", out, how=how, under_way=tmp_path
    )
    assert result.returncode == 130
    assert "interrompu" in result.stderr and "Traceback" not in result.stderr
    assert out.read_text("utf-8") == "résultats de la veille\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resultats.jsonl"]  # no leftovers


def test_an_interrupted_eval_writes_no_file(big: Path, tmp_path: Path) -> None:
    out = tmp_path / "resultats.csv"
    result = interrupted(
        "eval", NDRC, big, "--format", "csv", "-o", out, how=signal.SIGINT, under_way=tmp_path
    )
    assert result.returncode == 130
    assert list(tmp_path.iterdir()) == []


def test_a_killed_eval_never_shows_a_partial_file(big: Path, tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the partial text stays in a hidden temporary file,
    never under the name asked for."""
    out = tmp_path / "resultats.jsonl"
    interrupted(
        "eval", NDRC, big, "--format", "jsonl", "-o", out, how=signal.SIGKILL, under_way=tmp_path
    )
    assert not out.exists()
    assert all(p.name.startswith(".resultats.jsonl.") for p in tmp_path.iterdir())


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_an_interrupted_batch_leaves_the_store_as_it_was(
    big: Path, tmp_path: Path, how: signal.Signals
) -> None:
    store = tmp_path / "registre.sqlite"
    assert (
        subprocess.run([SCRIPT, "eval", NDRC, COHORT, "--db", store], check=False).returncode == 0
    )
    result = interrupted("eval", NDRC, big, "--db", store, "--format", "csv", how=how)
    assert result.returncode == 130
    verify = subprocess.run(
        [SCRIPT, "audit", store, "--verify", "--format", "json"], capture_output=True, text=True
    )
    assert verify.returncode == 0
    assert json.loads(verify.stdout)["records"] == 38
