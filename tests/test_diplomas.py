"""The diplomas other than NDRC, built on the national base: BTS Communication and
BTS Assistant de gestion de PME-PMI (2009 tables).

Each file must pass what docs/adding-a-diploma.md asks of a new diploma:
`check --strict`, `test --complete`, `fmt --check`, run as a user would; and
its units must carry the official table's coefficients exactly.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.common.columns import (
    ID,
    JURY,
    JURY_REASON,
    KEPT_SUFFIX,
    REGIME,
    RESIT_SUFFIX,
    SESSION,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "ndrc-rules"

# The official tables (docs/regulation/national_rules.md): unit → coefficient.
TABLES = {
    "bts_communication.reg": {
        "professionnel": {"U4": 4, "U5": 4, "U6": 4},
        "general": {"U1": 3, "U21": 2, "U22": 1, "U31": 4, "U32": 2},
    },
    "bts_ag_pme_pmi.reg": {
        "professionnel": {"U41": 4, "U42": 4, "U5": 7, "U61": 2, "U62": 5},
        "general": {"U1": 6, "U21": 4, "U22": 2, "U31": 4, "U32": 2},
    },
}
TOTALS = {"bts_communication.reg": 24, "bts_ag_pme_pmi.reg": 40}
REGIMES = {"bts_communication.reg": {"scolaire", "ponctuel"}, "bts_ag_pme_pmi.reg": {"scolaire"}}
FILES = sorted(TABLES)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize(
    "command",
    [("check", "--strict"), ("test", "--complete"), ("fmt", "--check")],
    ids=" ".join,
)
def test_the_documented_commands_pass(name: str, command: tuple[str, ...]) -> None:
    result = run(*command, ROOT / "regulations" / name)
    assert result.returncode == 0, result.stdout + result.stderr


def guide_template() -> str:
    """The template of docs/adding-a-diploma.md, section 4, as a reader copies it."""
    guide = (ROOT / "docs" / "adding-a-diploma.md").read_text("utf-8")
    start = guide.index("```\n# Règlement d'examen du BTS Modèle") + len("```\n")
    return guide[start : guide.index("```", start)]


@pytest.mark.parametrize(
    "command",
    [("check", "--strict"), ("test", "--complete"), ("fmt", "--check")],
    ids=" ".join,
)
def test_the_guides_template_passes_the_documented_commands(
    with_national: Path, command: tuple[str, ...]
) -> None:
    template = with_national / "bts_modele.reg"
    template.write_text(guide_template(), "utf-8")
    result = run(*command, template)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_guides_template_tests_the_rules_after_the_resit() -> None:
    assert guide_template().count("apres controle") == 3


def guide_section(title: str) -> str:
    guide = (ROOT / "docs" / "adding-a-diploma.md").read_text("utf-8")
    start = guide.index(f"\n## {title}\n")
    return guide[start : guide.find("\n## ", start + 1)]


def test_the_guide_lists_every_column_of_a_candidates_file() -> None:
    section = guide_section("13. Trying it on candidates")
    for column in (ID, REGIME, "U5.ecrit", "U4.S1", "U1." + RESIT_SUFFIX, SESSION):
        assert f"`{column}`" in section, column
    for column in ("U3" + KEPT_SUFFIX, JURY, JURY_REASON):
        assert f"`{column}`" in section, column


def test_the_guides_checklist_keeps_the_optional_group_as_section_5_says() -> None:
    assert "keep the `facultatives` group with no unit" in guide_section(
        "5. The national base and its three groups"
    )
    checklist = guide_section("16. Checklist")
    assert "zero-points override" not in checklist
    assert "`facultatives`\n      stays, empty (section 5)" in checklist


@pytest.mark.parametrize("name", FILES)
def test_the_units_carry_the_official_coefficients(name: str) -> None:
    program = ndrc_rules.load(ROOT / "regulations" / name).program
    assert {r.name for r in program.regimes} == REGIMES[name]
    for regime in program.regimes:
        found: dict[str, dict[str, Fraction | None]] = {}
        for unit in regime.units:
            found.setdefault(unit.group, {})[unit.code] = unit.coefficient
        expected = {g: {u: Fraction(c) for u, c in us.items()} for g, us in TABLES[name].items()}
        assert found == {**expected, "facultatives": {"UF1": None}}, regime.name
        compulsory = [u.coefficient for u in regime.units if not u.optional]
        assert sum(compulsory) == TOTALS[name]
        assert all(u.exemptable == (u.group == "general") for u in regime.units)


def test_ponctuel_changes_only_the_forms_of_u4_and_u6() -> None:
    program = ndrc_rules.load(ROOT / "regulations" / "bts_communication.reg").program
    regimes = {r.name: r for r in program.regimes}
    scolaire, ponctuel = regimes["scolaire"], regimes["ponctuel"]
    changed = {
        a.code for a, b in zip(scolaire.units, ponctuel.units, strict=True) if a.forms != b.forms
    }
    assert changed == {"U4", "U6"}
    assert [u.forms[0].kind for u in ponctuel.units if u.code in changed] == ["EPFF", "EPFF"]
    assert [(u.code, u.coefficient) for u in scolaire.units] == [
        (u.code, u.coefficient) for u in ponctuel.units
    ]
    assert [r.name for r in scolaire.rules] == [r.name for r in ponctuel.rules]


@pytest.mark.parametrize("name", FILES)
def test_professional_average_exactly_10_opens_the_resit(name: str) -> None:
    """The national rule (« au moins égale à 10 »), unlike the NDRC regulation (> 10)."""
    regulation = ndrc_rules.load(ROOT / "regulations" / name)
    units = TABLES[name]
    grades = {u: "9" for u in units["general"]} | {u: "10" for u in units["professionnel"]}
    decision = regulation.decide({"id": "1", "regime": "scolaire", **grades})
    assert (decision.decision, decision.deciding_rule) == ("rattrapage", "rattrapage")
