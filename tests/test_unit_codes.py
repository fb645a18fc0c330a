"""Unit codes as the arrêté writes them (`U2.1`, `U2.2`): in the language, in candidate
files, in examples and records, end to end with a small diploma that uses them
(tests/conformance/bts_codes_pointes/, whose cases the conformance suite replays)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.audit.records import result_line
from ndrc_rules.common.columns import split_column
from ndrc_rules.io.candidates import RowError, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
DOTTED = ROOT / "tests" / "conformance" / "bts_codes_pointes" / "bts_codes_pointes.reg"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
COHORT = (
    "id;regime;U1;U2.1;U2.2;U3;U4;U5;U2.1.rattrapage;U3.rattrapage\n"
    "A;scolaire;10;10;10;10;10;10;;\n"
    "B;scolaire;6;6;6;6;10;10;;\n"
    "C;scolaire;6;6;6;6;10;10;12;14\n"
    "D;scolaire;10;DISP;10;10;10;10;;\n"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("column", "code", "part"),
    [
        ("U2", "U2", ""),
        ("U2.1", "U2.1", ""),
        ("U2.12", "U2.12", ""),
        ("U2.1.rattrapage", "U2.1", "rattrapage"),
        ("U2.1.acquis", "U2.1", "acquis"),
        ("U5.ecrit", "U5", "ecrit"),
        ("U4.S1", "U4", "S1"),
        ("U4.2.S1", "U4.2", "S1"),
        ("U1.rattrapage", "U1", "rattrapage"),
    ],
)
def test_a_dot_followed_by_digits_is_part_of_the_code(column: str, code: str, part: str) -> None:
    assert split_column(column) == (code, part)


def test_the_dotted_diploma_checks_strictly_and_its_examples_cover_it() -> None:
    for command in (("check", "--strict"), ("test", "--complete"), ("fmt", "--check")):
        result = run(*command, DOTTED)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "vouliez-vous dire" not in result.stdout + result.stderr


def test_eval_reads_dotted_unit_columns_and_their_resit(tmp_path: Path) -> None:
    cohort = tmp_path / "candidats.csv"
    cohort.write_text(COHORT, "utf-8")
    result = run("eval", DOTTED, cohort, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["decision"], r["deciding_rule"]) for r in records] == [
        ("A", "admis", "admission"),
        ("B", "rattrapage", "rattrapage"),
        ("C", "admis", "admission"),  # (144 + 2 × 6 + 3 × 8)/18 = 10
        ("D", "admis", "admission"),  # U2.1 exempted: 160/16 = 10
    ]
    assert records[0]["ignored_columns"] == []
    codes = [u["code"] for u in records[0]["trace"]["units"]]
    assert codes == ["U4", "U5", "U1", "U2.1", "U2.2", "U3"]
    chosen = records[2]["resit_phase"]["units"]
    assert [u["code"] for u in chosen] == ["U2.1", "U3"]


def test_the_fast_record_writer_gives_the_general_record_for_dotted_codes(
    tmp_path: Path,
) -> None:
    cohort = tmp_path / "candidats.csv"
    cohort.write_text(COHORT, "utf-8")
    regulation = ndrc_rules.load(DOTTED)
    at = "2026-07-01T00:00:00+00:00"
    for candidate in regulation.read(cohort):
        assert not isinstance(candidate, RowError)
        general = result_line(regulation.try_decide(candidate, decided_at=at))
        assert regulation.record_line(candidate, at) == general


def test_a_dotted_column_the_diploma_lacks_is_named() -> None:
    regulation = ndrc_rules.load(DOTTED)
    grades = {"U1": "10", "U2.1": "10", "U2.2": "10", "U3": "10", "U4": "10", "U5": "10"}
    row = {"id": "x", "regime": "scolaire", **grades, "U2.3": "9"}
    candidate = candidate_from_mapping(1, row)
    assert not isinstance(candidate, RowError)
    result = regulation.try_decide(candidate)
    assert isinstance(result, RowError)
    assert (result.code, result.field) == ("C007", "U2.3")
