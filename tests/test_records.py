"""Decision records: the input row and stamps a replay needs."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from fractions import Fraction

import ndrc_rules
from ndrc_rules.audit.records import input_record, now
from ndrc_rules.io.candidates import Candidate, Marker, candidate_from_mapping

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
