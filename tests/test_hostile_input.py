"""Hostile candidate files: every row decided or reported, the counts reconcile, and
every decision stored by `eval --db` replays byte for byte.

The corpus is data (`tests/hostile/`, described in `expected.json`): files as
exam offices' spreadsheets export them, broken in every way we have met, each
with the exact outcome expected row by row. A case with `generated` (pieces,
each repeated) is a file too large to commit: it is written in a temporary
folder and run there. Every run is bounded by a subprocess timeout, so an input
that stalls the engine fails the test rather than hanging it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ndrc_rules.io.candidates import MAX_LINE, OVERLONG, _lines
from ndrc_rules.replay import records_in

HOSTILE = Path(__file__).resolve().parent / "hostile"
MANIFEST = json.loads((HOSTILE / "expected.json").read_text("utf-8"))
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
SUMMARY = re.compile(r"(\d+) lignes? : (\d+) décisions?, (\d+) erreurs?")


def eval_jsonl(
    path: str | Path, *options: str, cwd: Path = HOSTILE
) -> subprocess.CompletedProcess[str]:
    regulation = str(HOSTILE / MANIFEST["regulation"])
    command = [str(SCRIPT), "eval", regulation, str(path), "--format", "jsonl"]
    return subprocess.run(
        [*command, *options], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def case_folder(case: dict[str, object], tmp_path: Path) -> Path:
    """Where the case's file is: the corpus, or a temporary folder it is generated in."""
    if "generated" not in case:
        return HOSTILE
    pieces = "".join(piece * count for piece, count in case["generated"])  # type: ignore[attr-defined]
    (tmp_path / str(case["file"])).write_text(pieces, "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "case", MANIFEST["cases"], ids=lambda c: " ".join([c["file"], *c["options"]])
)
def test_every_row_is_decided_or_reported(case: dict[str, object], tmp_path: Path) -> None:
    folder = case_folder(case, tmp_path)
    result = eval_jsonl(str(case["file"]), *case["options"], cwd=folder)  # type: ignore[misc]
    assert "Traceback" not in result.stderr
    assert result.returncode == case["exit"], result.stderr
    if "file_error" in case:
        assert result.stdout == ""
        assert result.stderr.strip() == case["file_error"]["message"]  # type: ignore[index]
        return
    records = [json.loads(line) for line in result.stdout.splitlines()]
    decisions = {
        str(r["row"]): [r["id"], r["decision"], r["deciding_rule"]]
        for r in records
        if "error" not in r
    }
    errors = {
        str(r["row"]): [r["error"]["code"], r["error"]["field"]] for r in records if "error" in r
    }
    assert decisions == case["decisions"]
    assert errors == case["errors"]
    rows, decided, failed = map(int, SUMMARY.search(result.stderr).groups())  # type: ignore[union-attr]
    assert rows == len(records) == case["rows"] == decided + failed
    assert (decided, failed) == (len(decisions), len(errors))


@pytest.mark.parametrize(
    "case",
    [c for c in MANIFEST["cases"] if "file_error" not in c],
    ids=lambda c: " ".join([c["file"], *c["options"]]),
)
def test_every_stored_decision_replays_byte_for_byte(
    case: dict[str, object], tmp_path: Path
) -> None:
    """`eval --format jsonl --db`, then `replay` of the store, through the console script:
    the store holds the records eval wrote, one per row; each decision comes out the
    same, each row error is said to have nothing to decide again."""
    folder = case_folder(case, tmp_path)
    store = tmp_path / "registre.sqlite"
    result = eval_jsonl(str(case["file"]), *case["options"], "--db", str(store), cwd=folder)  # type: ignore[misc]
    assert result.returncode == case["exit"], result.stderr
    assert [text for _, text in records_in(store)] == result.stdout.splitlines()
    replay = subprocess.run(
        [str(SCRIPT), "replay", str(store), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in replay.stderr
    assert replay.returncode == (0 if case["rows"] else 5), replay.stdout[-2000:]  # 5: nothing
    replayed = json.loads(replay.stdout)
    rows = sorted([*case["decisions"], *case["errors"]], key=int)  # type: ignore[list-item]
    assert len(replayed) == len(rows) == case["rows"]
    assert [r["skipped"] for r in replayed] == [
        None if row in case["decisions"] else "replay.row_error"  # type: ignore[operator]
        for row in rows
    ]
    assert all(r["same"] and not r["differences"] for r in replayed)


def test_the_corpus_covers_every_file_in_the_folder() -> None:
    described = ("expected.json", "make_workbooks.py")  # the manifest, the workbooks' script
    files = {p.name for p in HOSTILE.iterdir() if p.is_file() and p.name not in described}
    assert files == {c["file"] for c in MANIFEST["cases"] if "generated" not in c}


def test_messages_quote_input_values_clipped_and_escaped() -> None:
    result = eval_jsonl("long_cell_in_quotes.csv")
    (error,) = [json.loads(line)["error"] for line in result.stdout.splitlines() if "error" in line]
    assert len(error["message"]) < 200 and "\\n" in error["message"] and "…" in error["message"]
    result = eval_jsonl("nul_bytes.csv")
    (error,) = [json.loads(line)["error"] for line in result.stdout.splitlines() if "error" in line]
    assert "`12\\x00`" in error["message"]


def test_overlong_lines_never_accumulate() -> None:
    """A 'line' of 64 MB with no line break: one OVERLONG, never the text in memory."""
    chunk = "9" * (1 << 16)
    pieces = (chunk for _ in range(1 << 10))
    assert list(_lines(pieces)) == [OVERLONG]
    lines = list(_lines(["a;b\n", "x" * (MAX_LINE + 5), "\nc;d\n"]))
    assert lines == ["a;b\n", OVERLONG, "c;d\n"]


def test_bare_carriage_returns_end_lines_only_in_a_file_without_line_feeds() -> None:
    assert list(_lines(["a;b\rc;d\r", "e;f"])) == ["a;b\n", "c;d\n", "e;f"]
    assert list(_lines(["a;b\r\nc;\rd\r\n"])) == ["a;b\r\n", "c;\rd\r\n"]


def test_a_large_file_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """About 200 MB of hostile lines: memory stays far below the file's size."""
    path = tmp_path / "gros.csv"
    good = "G{};apprentissage;12;11,5;13;14;12,5;15;\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("id;regime;U1;U2;U3;U4;U5;U6;UF1\n")
        for block in range(100):
            out.write(good.format(block))
            out.write("X;" + "9" * (2 * MAX_LINE) + "\n")  # 2 MB: not read, reported
    probe = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, "
        "r.stdout.count('C032'), r.stdout.count('\"decision\": \"admis\"'))"
    )
    command = [str(SCRIPT), "eval", str(HOSTILE / MANIFEST["regulation"]), str(path)]
    out = subprocess.run(
        [sys.executable, "-c", probe, *command, "--format", "jsonl"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split()
    peak_kb, code, overlong, admitted = map(int, out)
    assert path.stat().st_size > 200_000_000
    assert (code, overlong, admitted) == (3, 100, 100)
    assert peak_kb < 120_000, f"peak {peak_kb} kB"
