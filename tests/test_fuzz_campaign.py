"""A bounded sample of the fuzz campaign (`bench/fuzz.py`): mutated shipped
regulations and candidate files through the public API and the console script.

No exception but the project's own, no input over the time limit, no diagnostic
outside its file, every row a decision or an error. The whole campaign runs
from the command line (`python bench/fuzz.py --regulations 100000 …`).
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
    report = fuzz.campaign(regulations=160, candidates=60, cli=2, seed=11)
    assert report.counts == {"reg": 160, "cand": 60, "cli-check": 2, "cli-eval": 2}
    assert report.stats["regulation valid"] > 20  # the sample reaches the evaluator too
    assert report.stats["decisions"] > 100
    assert not report.failures, report.render(11)


def test_the_harness_sees_a_failure(fuzz: ModuleType, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An escaped exception is reported with its class and stage, not hidden."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("ndrc_rules.api.Regulation.try_decide", broken)
    report = fuzz.campaign(regulations=0, candidates=12, seed=0)
    assert any(key.startswith("exception KeyError in read/") for key in report.failures)
