"""Shared fixtures: paths into the repository, and a small regulation to build on."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A diploma with three outcomes and one regime `r`: a professional unit U4 and two
# exemptable general units U1, U2. Tests append figures and rules.
TWO_GROUPS = """\
diplome T "Test"
resultat admis "Admis"
resultat rattrapage "Rattrapage"
resultat ajourne "Ajourné"
regime r "R"
  groupe pro "Pro"
    unite U4 "Quatre" coefficient 2
  groupe gen "Gen" dispensable
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 1
"""


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def ndrc_path() -> Path:
    return ROOT / "regulations" / "bts_ndrc.reg"


@pytest.fixture
def with_national(tmp_path: Path) -> Path:
    """tmp_path holding the national base, so that copies of a diploma's file
    written there find the file they import."""
    national = ROOT / "regulations" / "bts_national.reg"
    (tmp_path / national.name).write_bytes(national.read_bytes())
    return tmp_path


def repeated_cohort(folder: Path, times: int) -> Path:
    """The sample cohort written `times` over, each copy's ids prefixed so that
    they stay unique: a batch as long as a test needs."""
    path = folder / "grande.csv"
    header, *rows = (ROOT / "examples" / "candidats_ndrc.csv").read_text("utf-8").splitlines()
    body = [f"X{i}-{row}" for i in range(times) for row in rows]
    path.write_text("\n".join([header, *body]) + "\n", "utf-8")
    return path
