"""What people and files receive: displayed values, output files, the terminal table,
the audit filters (issue 10, points 4, 8, 9, 10)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"

# U6 10,02 puts the professional average at 2001/200 = 10.005, just above `> 10`;
# the general average is 9.14: a resit, decided by `moyenne_pro > 10`.
NEAR = "id;regime;U1;U2;U3;U4;U5;U6\nP1;apprentissage;8;8;8;10;10;10,02\n"


def run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


@pytest.fixture
def near(tmp_path: Path) -> Path:
    path = tmp_path / "near.csv"
    path.write_text(NEAR, "utf-8")
    return path


# --- point 4: the digits that decide are shown -----------------------------------------
def test_explain_shows_the_digits_that_decide(near: Path) -> None:
    result = run("explain", NDRC, near, "--id", "P1")
    assert result.returncode == 0, result.stderr
    assert "moyenne_pro = 10.005" in result.stdout
    assert "moyenne_pro > 10  [10.005 comparé à 10.00]" in result.stdout


def test_csv_json_and_table_show_the_digits_that_decide(near: Path) -> None:
    csv = run("eval", NDRC, near, "--format", "csv").stdout.splitlines()
    assert csv[1].split(";")[7:10] == ["10,005", "0,00", "9,14"]
    for format in ("json", "jsonl"):
        out = run("eval", NDRC, near, "--format", format).stdout
        record = json.loads(out)["results"][0] if format == "json" else json.loads(out)
        assert record["figures"]["moyenne_pro"] == "10.005"
        assert record["trace"]["figures"][0]["display"] == "10.005"
    assert "10.005" in run("eval", NDRC, near).stdout


# --- point 8: output files complete or absent, French errors, modes, closed pipes --------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_output_to_a_folder_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    result = run("eval", NDRC, COHORT, "-o", ".", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        ". est un dossier : indiquez un fichier de sortie, par exemple resultats.csv"
    )
    assert list(tmp_path.iterdir()) == []


def test_output_in_a_missing_folder_names_the_users_path(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.csv"
    result = run("eval", NDRC, COHORT, "-o", target, "--format", "csv")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"impossible d'écrire {target} : le dossier {target.parent} n'existe pas"
    )
    through_a_file = tmp_path / "fichier"
    through_a_file.write_text("", "utf-8")
    result = run("eval", NDRC, COHORT, "-o", through_a_file / "out.csv")
    assert "un élément du chemin n'est pas un dossier" in result.stderr
    assert "Errno" not in result.stderr and ".out.csv." not in result.stderr


def test_a_write_failing_midway_leaves_no_file(tmp_path: Path) -> None:
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    target = tmp_path / "out.jsonl"
    result = run("eval", NDRC, COHORT, "-o", target, "--format", "jsonl", preexec_fn=small_files)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"impossible d'écrire {target} : fichier trop grand (limite du système) ; "
        "aucun fichier n'a été écrit"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_new_output_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    import os
    import stat

    target = tmp_path / "out.csv"
    result = run(
        "eval", NDRC, COHORT, "-o", target, "--format", "csv", preexec_fn=lambda: os.umask(umask)
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o644)
    run("eval", NDRC, COHORT, "-o", target, "--format", "csv", preexec_fn=lambda: os.umask(0o077))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # a replaced file keeps its mode
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("format", ["jsonl", "csv", "table", "json"])
def test_a_closed_pipe_ends_quietly(format: str) -> None:
    process = subprocess.Popen(
        [str(SCRIPT), "eval", NDRC, COHORT, "--format", format],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # `| head -c 10`
    # 141 (128 + SIGPIPE) when a write meets the closed pipe; 0 if the system took
    # the whole output before the reader went away (one large write).
    assert process.wait(timeout=60) in ({0, 141} if format == "json" else {141})
    said = process.stderr.read().decode()
    assert "Errno" not in said and "Traceback" not in said and "Broken pipe" not in said
