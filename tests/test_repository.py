"""The repository stands alone: every file a shipped regulation points at is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REGULATIONS = sorted((ROOT / "regulations").glob("*.reg"))
# A relative path to a document, as the regulations' comments write them.
_PATH = re.compile(r"(?:\.\./)+[\w./-]+\.(?:md|reg|csv)")


@pytest.mark.parametrize("reg", REGULATIONS, ids=lambda p: p.name)
def test_documents_a_regulation_points_at_are_shipped(reg: Path) -> None:
    for reference in _PATH.findall(reg.read_text(encoding="utf-8")):
        target = (reg.parent / reference).resolve()
        assert target.is_relative_to(ROOT), f"{reg.name}: {reference} leaves the repository"
        assert target.is_file(), f"{reg.name}: {reference} is not in the repository"


def test_the_regulation_texts_are_shipped() -> None:
    texts = ROOT / "docs" / "regulation"
    assert (texts / "reglement_examen_bts_ndrc.md").is_file()
    assert (texts / "national_rules.md").is_file()
    assert any(_PATH.search(reg.read_text(encoding="utf-8")) for reg in REGULATIONS)
