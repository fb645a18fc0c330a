"""Workbooks in (.xlsx, .ods): the same decisions as the CSV they hold, cells read
exactly, typed cells named; the generated corpus is what its script writes.
The hostile workbooks themselves run with the rest of the corpus
(`tests/hostile/expected.json`, `test_hostile_input.py`)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ndrc_rules.cli import main
from ndrc_rules.io.spreadsheets import _cell_text, cell_name, column_index

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
REGULATION = ROOT / "regulations" / "bts_ndrc.reg"
SAMPLE = ROOT / "examples" / "candidats_ndrc"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"


def records(path: Path, *options: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [str(SCRIPT), "eval", str(REGULATION), str(path), "--format", "jsonl", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 3), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_committed_workbooks_are_what_the_script_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_workbooks", HOSTILE / "make_workbooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.files()
    assert len(made) >= 18
    for path, data in made.items():
        assert path.read_bytes() == data, path


def test_xlsx_ods_and_csv_give_the_same_records_byte_for_byte() -> None:
    """The sample cohort as CSV, .xlsx and .ods: every record the same, but for the
    input row as read ('11,5' in the CSV, the number 11.5 in a workbook) and the time."""

    def comparable(path: Path) -> list[str]:
        kept = []
        for record in records(path):
            record.pop("input"), record.pop("decided_at")
            kept.append(json.dumps(record, ensure_ascii=False))
        return kept

    csv = comparable(SAMPLE.with_suffix(".csv"))
    assert len(csv) == 38
    assert comparable(SAMPLE.with_suffix(".xlsx")) == csv
    assert comparable(SAMPLE.with_suffix(".ods")) == csv


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_cells_are_read_as_they_hold_numbers(suffix: str) -> None:
    found = {r["id"]: r for r in records(HOSTILE / f"workbook_cells{suffix}")}
    first = found["1234"]["input"]["columns"]  # type: ignore[index]
    assert first == {
        "id": "1234",
        "regime": "apprentissage",
        "u1": "12.3",
        "U2": "12.345",
        "U3": "11",
        "U4": "12",
        "U5": "13",
        "U6": "14",
        "session": "2026",
        "naissance": "2008-05-01",
    }
    units = {u["code"]: u for u in found["1234"]["trace"]["units"]}  # type: ignore[index]
    assert (units["U1"]["value"], units["U2"]["value"]) == ("123/10", "2469/200")
    assert units["U2"]["display"] == "12.34"  # truncated, never rounded up
    assert found["W9"]["input"]["columns"]["u1"] == "0.1"  # type: ignore[index]
    error = found["W3"]["error"]
    assert error == {
        "code": "C039",
        "field": "U2",
        "message": "la cellule D5 contient une date, pas une note : saisissez-y la valeur"
        " elle-même (nombre ou texte)",
    }
    assert "cellule F7 contient une erreur de formule" in found["W5"]["error"]["message"]  # type: ignore[index]
    assert "cellule I9 contient une date, pas une année" in found["W7"]["error"]["message"]  # type: ignore[index]


def test_a_cell_holding_a_binary_artefact_keeps_what_it_holds() -> None:
    """0.30000000000000004 has 17 significant digits, within the 20 a grade may have:
    it is that grade exactly (the cell holds it), never silently 0.3."""
    found = {r["id"]: r for r in records(HOSTILE / "workbook_cells.ods")}
    units = {u["code"]: u for u in found["W10"]["trace"]["units"]}  # type: ignore[index]
    assert found["W10"]["input"]["columns"]["u1"] == "0.30000000000000004"  # type: ignore[index]
    assert units["U1"]["value"] == "7500000000000001/25000000000000000"
    assert units["U1"]["display"] == "0.30"


def test_number_cells_become_their_shortest_decimal_text() -> None:
    assert [_cell_text(v) for v in (12.3, 12.345, 1234.0, 1e-7, 0.1 + 0.2, 20.0, -1.5)] == [
        "12.3",
        "12.345",
        "1234",
        "0.0000001",
        "0.30000000000000004",
        "20",
        "-1.5",
    ]
    assert [_cell_text(v) for v in ("12,5", " ABS ", 7)] == ["12,5", " ABS ", "7"]


def test_cells_are_named_as_the_sheet_names_them() -> None:
    assert [cell_name(6, 1), cell_name(0, 25), cell_name(0, 26), cell_name(9, 1024)] == [
        "B7",
        "Z1",
        "AA1",
        "AMK10",
    ]
    assert [column_index(c) for c in ("A", "Z", "AA", "AMK")] == [0, 25, 26, 1024]


def test_explain_and_diff_read_workbooks(capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = str(SAMPLE.with_suffix(".xlsx"))
    code = main(["explain", str(REGULATION), xlsx, "--id", "2026-NDRC-0001", "--format", "json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "admis"
    ods = str(HOSTILE / "workbook_cells.ods")
    code = main(["diff", str(REGULATION), str(REGULATION), ods, "--sheet", "Seconde"])
    assert code == 0
    assert "(1 décidé(s) par les deux versions)" in capsys.readouterr().out


def test_sheet_is_refused_for_a_file_that_is_not_a_workbook(
    capsys: pytest.CaptureFixture[str],
) -> None:
    csv = str(SAMPLE.with_suffix(".csv"))
    assert main(["eval", str(REGULATION), csv, "--sheet", "Notes"]) == 2
    assert "--sheet choisit une feuille d'un classeur" in capsys.readouterr().err
