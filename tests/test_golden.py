"""Golden diagnostics: each `tests/golden/*.reg` checked by the real console script.

The broken regulations and their expected output are data (see
`tests/golden/README.md`); `tests/golden/update.py` regenerates the expected
files and is imported here, so both run the engine the same way.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from ndrc_rules.common.messages import FRENCH

GOLDEN = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("golden_update", GOLDEN / "update.py")
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

CASES = golden.cases()

# Catalogue codes no regulation can make the engine emit, with the reason.
# Keep this empty unless a code truly cannot be reached from a `.reg` file.
NEVER_EMITTED: dict[str, str] = {
    "E140": "only when eval or explain is given versions of two diplomas; see test_whole_exam",
    "W008": "only for a construct whose table entry lacks its linear form; see test_constructs",
}

CATALOGUE_CODES = sorted(key for key in FRENCH if re.fullmatch(r"[EW]\d{3}", key))
SHOWN_CODE = re.compile(r"\[([EW]\d{3})\]|\"code\": \"([EW]\d{3})\"")
NAMED_CODE = re.compile(r"([EW]\d{3})_")


def shown_codes(expected: str) -> list[str]:
    """The codes of the diagnostics an expected output shows, in order (text or JSON)."""
    return [text or json for text, json in SHOWN_CODE.findall(expected)]


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future]]:
    """One process per selected case, started together: the cases run in parallel."""
    wanted = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_golden" and hasattr(item, "callspec")
    ]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        yield {case.name: pool.submit(golden.run, case) for case in wanted}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, runs: dict[str, Future]) -> None:
    result: subprocess.CompletedProcess[str] = runs[case.name].result()
    assert "\x1b" not in result.stdout + result.stderr, "ANSI escape in the output"
    assert "Traceback" not in result.stderr
    expected = golden.expected_path(case)
    assert expected.exists(), f"no {expected.name}: run python tests/golden/update.py"
    assert golden.render(result) == expected.read_text("utf-8"), (
        "output changed: if on purpose, run python tests/golden/update.py and review the diff"
    )


def test_cases_exist_and_every_expected_file_has_its_regulation() -> None:
    assert len(CASES) >= len(CATALOGUE_CODES)
    orphans = set(GOLDEN.glob("*.expected")) - {golden.expected_path(c) for c in CASES}
    assert not orphans, f"expected files without a .reg: {sorted(p.name for p in orphans)}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if NAMED_CODE.match(c.name)], ids=lambda c: c.stem
)
def test_a_case_named_after_a_code_shows_it_first(case: Path) -> None:
    code = NAMED_CODE.match(case.name).group(1)  # type: ignore[union-attr]
    shown = shown_codes(golden.expected_path(case).read_text("utf-8"))
    assert shown[:1] == [code], f"{case.name} shows {shown}"


def test_warning_cases_state_their_options() -> None:
    """A warning shows up in a failing `check` only with --strict: say so in the file."""
    for case in CASES:
        if case.name.startswith("W") and "without_strict" not in case.name:
            assert "--strict" in golden.options(case), case.name


def test_every_catalogue_code_appears_in_an_expected_file() -> None:
    assert set(NEVER_EMITTED) <= set(CATALOGUE_CODES), "stale NEVER_EMITTED entry"
    shown = {
        code
        for case in CASES
        if golden.expected_path(case).exists()
        for code in shown_codes(golden.expected_path(case).read_text("utf-8"))
    }
    missing = set(CATALOGUE_CODES) - set(NEVER_EMITTED) - shown
    assert not missing, f"no golden file shows {sorted(missing)}: add one (tests/golden/README.md)"


def test_options_line_is_read() -> None:
    strict = GOLDEN / "W001_unused_figure.reg"
    plain = GOLDEN / "E101_unknown_unit.reg"
    assert golden.command(strict)[1:] == [
        "check",
        "--strict",
        "tests/golden/W001_unused_figure.reg",
    ]
    assert golden.command(plain)[1:] == ["check", "tests/golden/E101_unknown_unit.reg"]
