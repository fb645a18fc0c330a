"""A bounded sample of the fuzz campaign (`bench/fuzz.py`): mutated shipped
regulations and candidate files through the public API and the console script.

No exception but the project's own, no input over the time limit, no diagnostic
outside its file, every row a decision or an error, the fast and general paths
writing the same records, every decision replaying byte for byte. The whole
campaign runs from the command line (`python bench/fuzz.py --regulations 100000 …`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ndrc_fuzz", ROOT / "bench" / "fuzz.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fuzz() -> ModuleType:
    return _fuzz()


def test_mutants_are_deterministic(fuzz: ModuleType) -> None:
    assert fuzz.regulation_mutant(7, 3) == fuzz.regulation_mutant(7, 3)
    assert fuzz.candidates_mutant(7, 3) == fuzz.candidates_mutant(7, 3)
    assert fuzz.regulation_mutant(7, 3) != fuzz.regulation_mutant(8, 3)


def test_a_bounded_sample_finds_nothing(fuzz: ModuleType, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fuzz, "STALL", 4.0)  # a stall stops early (it fails anyway)
    report = fuzz.campaign(regulations=160, candidates=60, cli=2, seed=11, workers=2)
    assert report.counts["reg"] == 160 and report.counts["cand"] == 60
    assert report.counts["cli-check"] == report.counts["cli-eval"] == 2
    assert report.stats["regulation valid"] > 20  # the sample reaches the evaluator too
    assert report.stats["decisions"] > 100
    assert report.stats["decisions replayed"] == report.stats["decisions"]
    assert not report.failures, report.render(11)


def test_the_figures_do_not_depend_on_the_number_of_workers(fuzz: ModuleType) -> None:
    one, two = (fuzz.campaign(30, 30, seed=5, workers=n) for n in (1, 2))
    assert (one.counts, one.stats, one.failures) == (two.counts, two.stats, two.failures)
    assert one.counts == {"reg": 30, "cand": 30}


def test_rows_in_are_counted_without_the_reader(fuzz: ModuleType) -> None:
    csv = b"\n id;regime;U1\nA;x;1\n\n;;\n   \nB;x;2"
    assert fuzz.rows_in(".csv", csv) == 4  # blank lines are no rows; `;;` and spaces are
    assert fuzz.rows_in(".csv", b'id;regime\n"A";x\n') is None  # quotes: not counted
    assert fuzz.rows_in(".jsonl", b'{"id": 1}\n \n[]\nnot json\n') == 3
    assert fuzz.rows_in(".json", b"\xef\xbb\xbf[1, {}, []]") == 3
    assert fuzz.rows_in(".txt", "id\tregime\nA\tx\n".encode("utf-16")) == 1
    assert fuzz.rows_in(".csv", b"id;regime\n\xff;x\n") is None  # refused by the reader


def test_the_harness_sees_an_escaped_exception(fuzz: ModuleType, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An escaped exception is reported with its class and stage, not hidden."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("ndrc_rules.api.Regulation.record_line", broken)
    report = fuzz.campaign(regulations=0, candidates=12, seed=0)
    assert any(key.startswith("exception KeyError in eval/") for key in report.failures)


def test_the_harness_sees_a_record_the_fast_writer_writes_otherwise(  # type: ignore[no-untyped-def]
    fuzz: ModuleType, monkeypatch
) -> None:
    from ndrc_rules import api

    compile_writer = api.compile_writer

    def skewed(*args: object) -> object:
        writer = compile_writer(*args)  # type: ignore[arg-type]

        def write(*inputs: object) -> tuple[int, str] | None:
            written = writer(*inputs)  # type: ignore[misc]
            return written and (written[0], written[1].replace(", ", ",", 1))

        return writer and write

    monkeypatch.setattr(api, "compile_writer", skewed)
    report = fuzz.campaign(regulations=0, candidates=12, seed=0)
    assert set(report.failures) == {"records differ (fast writer, general path)"}


def test_the_harness_sees_a_decision_that_does_not_replay(fuzz: ModuleType, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ndrc_rules.replay._decide_again", lambda regulation, record: "{}")
    report = fuzz.campaign(regulations=0, candidates=12, seed=0)
    assert set(report.failures) == {"replay differs"}


def test_the_harness_sees_a_row_the_reader_drops(fuzz: ModuleType, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ndrc_rules import api

    read_candidates = api.read_candidates
    monkeypatch.setattr(api, "read_candidates", lambda *a, **k: list(read_candidates(*a, **k))[1:])
    report = fuzz.campaign(regulations=0, candidates=30, seed=0)
    assert set(report.failures) == {"rows in != decisions + errors"}
