"""Regulation conformance: every case of tests/conformance, run through the engine.

The cases are data (see tests/conformance/README.md); this file only replays
them: input row → expected decision and deciding rule, or expected error.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.io.candidates import RowError, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
SUITES = json.loads((ROOT / "tests" / "conformance" / "suites.json").read_text("utf-8"))["suites"]
META = {"case", "description", "expected_decision", "expected_rule", "expected_error_field"}


@cache
def regulation(path: str) -> ndrc_rules.Regulation:
    return ndrc_rules.load(ROOT / path)


def cases() -> list[pytest.param]:
    params = []
    for suite in SUITES:
        with (ROOT / suite["cases"]).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                params.append(
                    pytest.param(suite["regulation"], row, id=f"{suite['name']}:{row['case']}")
                )
    return params


@pytest.mark.parametrize(("regulation_path", "case"), cases())
def test_case(regulation_path: str, case: dict[str, str]) -> None:
    data = {"id": case["case"], **{k: v for k, v in case.items() if k not in META}}
    candidate = candidate_from_mapping(1, data)
    result = (
        candidate
        if isinstance(candidate, RowError)
        else regulation(regulation_path).try_decide(candidate)
    )
    if case["expected_decision"] == "erreur":
        assert isinstance(result, RowError), f"{case['description']}: decided {result}"
        assert (result.code, result.field) == (
            case["expected_rule"],
            case["expected_error_field"],
        ), result.message
    else:
        assert not isinstance(result, RowError), f"{case['description']}: {result.message}"
        assert (result.decision, result.deciding_rule) == (
            case["expected_decision"],
            case["expected_rule"],
        ), case["description"]


def test_every_suite_has_cases_for_each_outcome() -> None:
    """Guards the data itself: a suite that lost its boundary cases would still pass."""
    for suite in SUITES:
        with (ROOT / suite["cases"]).open(encoding="utf-8", newline="") as handle:
            outcomes = {row["expected_decision"] for row in csv.DictReader(handle)}
        assert outcomes >= {"admis", "rattrapage", "ajourne", "erreur"}, suite["name"]
