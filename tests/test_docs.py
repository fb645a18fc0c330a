"""docs/diagnostics.md documents every code the tool can emit, and only those.

The codes are derived from the source: the message catalogue's code keys and
every code literal written in the package, so a new code without its entry in
the documentation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import ndrc_rules
from ndrc_rules.common.messages import ENGLISH, FRENCH

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
CODE = re.compile(r"[EWCFS]\d{3}")
LITERAL = re.compile(r"[\"']([EWCFS]\d{3})[\"']")
ROW = re.compile(r"^\| ([EWCFS]\d{3}) \| [^|]*\S[^|]* \| [^|]*\S[^|]* \|$", re.MULTILINE)


def catalogue_codes() -> set[str]:
    return {key for key in FRENCH if CODE.fullmatch(key)}


def source_codes() -> set[str]:
    """Every code literal in the package's modules (`Diagnostic("E133", …)`)."""
    package = Path(ndrc_rules.__file__).parent
    return {
        code
        for module in package.rglob("*.py")
        if module.name != "messages.py"
        for code in LITERAL.findall(module.read_text("utf-8"))
    }


def documented_codes() -> list[str]:
    """The codes of the table rows of docs/diagnostics.md, with a meaning and a remedy."""
    return ROW.findall(DOC.read_text("utf-8"))


def test_every_code_written_in_the_source_has_a_message() -> None:
    assert source_codes() - catalogue_codes() == set()
    assert source_codes() >= {"E133", "C018", "F001", "W001"}


def test_every_code_has_its_entry_in_the_documentation() -> None:
    missing = sorted((catalogue_codes() | source_codes()) - set(documented_codes()))
    assert not missing, f"docs/diagnostics.md has no row for {missing}"


def test_the_documentation_names_no_code_the_tool_lacks_and_each_once() -> None:
    documented = documented_codes()
    assert sorted(set(documented) - catalogue_codes()) == []
    assert len(documented) == len(set(documented)), "a code documented twice"


def test_every_code_has_an_english_message() -> None:
    assert catalogue_codes() - set(ENGLISH) == set()
