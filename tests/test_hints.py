"""Hints that say how to fix: swapped command arguments, optional groups, overlapping versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_lints import CITED

import ndrc_rules
from ndrc_rules.cli import main
from ndrc_rules.cli.console import EXIT_USAGE
from ndrc_rules.versions import Versions

ROOT = Path(__file__).resolve().parent.parent
NDRC = "regulations/bts_ndrc.reg"
COHORT = "examples/candidats_ndrc.csv"


@pytest.mark.parametrize(
    ("argv", "fixed"),
    [
        (["eval", COHORT, NDRC], f"ndrc-rules eval {NDRC} {COHORT}"),
        (["explain", COHORT, NDRC, "--id", "7"], f"ndrc-rules explain {NDRC} {COHORT} --id 7"),
        (["diff", NDRC, COHORT, NDRC], f"ndrc-rules diff {NDRC} {NDRC} {COHORT}"),
    ],
)
def test_candidates_given_before_the_regulation_are_said_to_be_swapped(
    argv: list[str], fixed: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "300")
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.strip() == (
        "arguments inversés : le règlement (.reg) d'abord, puis le fichier des candidats : " + fixed
    )


def test_an_optional_unit_with_a_coefficient_names_the_group_that_made_it_optional() -> None:
    text = CITED.replace(
        '    unite U2 "Deux" coefficient 1\n',
        '  groupe facultatives "Facultatives" facultatif\n    unite UF1 "Option"\n'
        '    unite U2 "Deux" coefficient 2\n',
    )
    with pytest.raises(ndrc_rules.RegulationError) as caught:
        ndrc_rules.loads(text)
    [d] = caught.value.diagnostics
    assert (d.code, d.span.line, d.args) == (
        "E108",
        9,
        {"name": "U2", "group": "facultatives", "line": 7},
    )
    assert "groupe `facultatives` (déclaré `facultatif` à la ligne 7)" in d.message
    assert d.hint_text is not None and "déclarez-la avant la ligne 7" in d.hint_text


def _versions(tmp_path: Path, *sessions: str) -> list[str]:
    base = (ROOT / "tests" / "golden" / "versions" / "ndrc_2020_2025.reg").read_text("utf-8")
    header = "  session 2020\n  derniere session 2025\n"
    paths = []
    for number, lines in enumerate(sessions):
        path = tmp_path / f"v{number}.reg"
        path.write_text(base.replace(header, lines), "utf-8")
        paths.append(str(path))
    return paths


@pytest.mark.parametrize(
    ("first", "second", "hint"),
    [
        (
            "  session 2020\n  derniere session 2025\n",
            "  session 2025\n",
            "terminez la version précédente l'année d'avant (`derniere session 2024` dans {path})"
            " ou faites commencer celle-ci après elle (`session 2026`)",
        ),
        (
            "  session 2020\n",
            "  session 2026\n",
            "terminez la version précédente l'année d'avant : `derniere session 2025` dans {path}",
        ),
        (  # the later version lies within the earlier one: only ending the earlier helps
            "  session 2020\n  derniere session 2030\n",
            "  session 2024\n  derniere session 2026\n",
            "terminez la version précédente l'année d'avant : `derniere session 2023` dans {path}",
        ),
    ],
)
def test_overlapping_versions_say_how_to_stop_overlapping(
    tmp_path: Path, first: str, second: str, hint: str
) -> None:
    paths = _versions(tmp_path, first, second)
    assert assert_raises_e138(paths) == hint.format(path=paths[0])


def assert_raises_e138(paths: list[str]) -> str | None:
    with pytest.raises(ndrc_rules.RegulationError) as caught:
        Versions.load([Path(p) for p in paths])
    [d] = caught.value.diagnostics
    assert d.code == "E138"
    return d.hint_text
