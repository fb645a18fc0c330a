"""Decision records: the input row and stamps a replay needs."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest

import ndrc_rules
from ndrc_rules.audit.records import input_record, now
from ndrc_rules.io.candidates import Candidate, Marker, _parse_json, candidate_from_mapping

NDRC = ndrc_rules.load("regulations/bts_ndrc.reg")


def test_the_input_is_the_row_as_read_with_the_hash_of_its_json() -> None:
    row = {"id": "A", "regime": "apprentissage", "U1": "12,50", "Classe": "BTS 2"}
    candidate = candidate_from_mapping(7, row, keep=lambda column: column == "U1")
    assert isinstance(candidate, Candidate)
    record = input_record(candidate)
    assert record.columns == row  # as written: "12,50", unknown columns included
    text = json.dumps(row, ensure_ascii=False)
    assert record.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_a_candidate_built_in_python_gets_its_row_written_exactly() -> None:
    grades = {"U1": Fraction(1, 1024), "U2": Fraction(1, 3), "U3": Fraction(25, 2)}
    candidate = Candidate(
        row=1, id="P", regime="apprentissage", grades={**grades, "U4": Marker.ABS}, session=2026
    )
    columns = input_record(candidate).columns
    assert columns == {
        "id": "P",
        "regime": "apprentissage",
        "U1": "0.0009765625",
        "U2": "1/3",  # no exact decimal: the fraction itself
        "U3": "12.5",
        "U4": "ABS",
        "session": "2026",
    }


def test_json_input_cells_become_text() -> None:
    text = '{"id": 5, "regime": "apprentissage", "U1": 12.5, "ok": true, "x": null}'
    row = json.loads(text, parse_float=Decimal)  # as the JSON readers read numbers
    candidate = candidate_from_mapping(1, row, keep=lambda column: column == "U1")
    assert isinstance(candidate, Candidate)
    columns = input_record(candidate).columns
    assert columns == {"id": "5", "regime": "apprentissage", "U1": "12.5", "ok": "true", "x": None}


def test_records_are_stamped_in_utc_to_the_second() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", now())
    decision = NDRC.decide({"id": "A", "regime": "apprentissage", "U1": "12", "U2": "12",
                            "U3": "12", "U4": "12", "U5": "12", "U6": "12"})  # fmt: skip
    assert decision.decided_at is not None and decision.input is not None
    assert decision.regulation is not None
    assert [i.path for i in decision.regulation.imports] == ["regulations/bts_national.reg"]


@pytest.mark.parametrize(
    ("number", "cell"),
    [
        ("12.50", "12.50"),  # read back as written
        ("1e1", "10"),  # an exponent, which a text cell does not take
        ("0.15e2", "15"),
        ("1e-7", "0.0000001"),
        ("-0.0", "0"),  # a JSON zero is never negative; a text one would be C002
        ("0e999999999999999999999", "0"),
        ("1" + "0" * 70 + "e-70", "1"),  # too long to build: kept as text, read as a grade
    ],
)
def test_json_numbers_are_recorded_as_text_that_reads_back_the_same(number: str, cell: str) -> None:
    """A replay reads the recorded cells as text: a JSON number's cell must read as the
    grade the JSON reader read (`1e1` was recorded `1E+1`, which replays as C001)."""
    row = _parse_json('{"id": "A", "regime": "apprentissage", "U1": ' + number + "}")
    candidate = candidate_from_mapping(1, row)  # type: ignore[arg-type]
    assert isinstance(candidate, Candidate)
    assert input_record(candidate).columns["U1"] == cell
    again = candidate_from_mapping(1, input_record(candidate).columns)
    assert isinstance(again, Candidate) and again.grades == candidate.grades


def test_a_json_number_that_is_no_grade_is_recorded_as_written() -> None:
    row = _parse_json('{"id": "A", "regime": "apprentissage", "Classe": 1e999999999}')
    candidate = candidate_from_mapping(1, row, keep=lambda column: False)  # type: ignore[arg-type]
    assert isinstance(candidate, Candidate)
    assert input_record(candidate).columns["Classe"] == "1E+999999999"
