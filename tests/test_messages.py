"""The message catalogue: every key rendered in every language, and the languages in step."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.common.messages import CATALOGUES, ENGLISH, FRENCH, language, text, translate

SOURCES = Path(ndrc_rules.__file__).resolve().parent

# Plausible values for the fields that appear in templates; any other field gets a name.
SAMPLE_ARGS: dict[str, object] = {
    "line": 12,
    "first_row": 3,
    "row": 4,
    "column": 7,
    "count": 2,
    "available": 1,
    "expected": 5,
    "value": "21",
    "limit": 64,
    "position": 118,
    "low": 12,
    "high": 8,
    "threshold": 10,
    "total": 3,
    "passed": 2,
    "failed": 1,
    "errors": 1,
    "warnings": 0,
    "rows": 10,
    "decisions": 9,
    "regimes": 3,
    "rules": 7,
    "path": "bts_ndrc.reg",
    "file": "bts_ndrc.reg",
    "kind": "unité",
    "cycle": "a → b → a",
}
pytestmark = pytest.mark.usefixtures("with_national")


def fields(template: str) -> set[str]:
    """The `{named}` fields of a template (empty for argparse's %-style texts)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def sample_args(template: str) -> dict[str, object]:
    return {name: SAMPLE_ARGS.get(name, f"<{name}>") for name in fields(template)}


def without_fields(template: str) -> str:
    """The template's literal text, placeholders removed (`{{`/`}}` read as one brace)."""
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(template))


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
@pytest.mark.parametrize("key", list(FRENCH))
def test_every_key_renders(monkeypatch: pytest.MonkeyPatch, lang: str, key: str) -> None:
    monkeypatch.setenv("NDRC_LANG", lang)
    template = CATALOGUES[lang][key]
    rendered = text(key, **sample_args(FRENCH[key]))
    assert rendered == template.format(**sample_args(template))
    assert rendered.strip()


def test_english_and_french_have_the_same_keys() -> None:
    assert set(ENGLISH) == set(FRENCH)
    assert CATALOGUES == {"fr": FRENCH, "en": ENGLISH}


@pytest.mark.parametrize("key", list(FRENCH))
def test_english_and_french_have_the_same_fields(key: str) -> None:
    assert fields(ENGLISH[key]) == fields(FRENCH[key])


def test_argparse_keys_are_their_own_english_text() -> None:
    argparse_keys = [key for key in FRENCH if key.startswith("argparse.")]
    assert argparse_keys
    for key in argparse_keys:
        assert ENGLISH[key] == key.removeprefix("argparse.")


def test_english_switches_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRC_LANG", "fr")
    assert language() == "fr"
    assert text("E101", name="U9") == "nom inconnu `U9`"
    monkeypatch.setenv("NDRC_LANG", "en")
    assert language() == "en"
    assert text("E101", name="U9") == "unknown name `U9`"
    assert text("hint.did_you_mean", suggestion="U4") == "did you mean `U4`?"


def test_translate_follows_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRC_LANG", "en")
    assert translate("positional arguments") == "positional arguments"
    assert translate("not in the catalogue") == "not in the catalogue"
    monkeypatch.setenv("NDRC_LANG", "fr")
    assert translate("positional arguments") == FRENCH["argparse.positional arguments"]


@pytest.mark.parametrize("lang", ["de", "", "EN", "en_GB"])
def test_unknown_language_falls_back_to_french(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("NDRC_LANG", lang)
    assert language() == "fr"
    assert text("E101", name="U9") == "nom inconnu `U9`"


def test_no_language_set_means_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NDRC_LANG", raising=False)
    assert language() == "fr"
    assert text("severity.error") == "erreur"


def test_missing_entry_falls_back_to_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CATALOGUES, "xx", {"E101": "xx `{name}`"})
    monkeypatch.setenv("NDRC_LANG", "xx")
    assert text("E101", name="U9") == "xx `U9`"
    assert text("E103", name="admis") == FRENCH["E103"].format(name="admis")


def codes_used_in_sources() -> set[str]:
    found: set[str] = set()
    for source in sorted(SOURCES.rglob("*.py")):
        if source.name != "messages.py":
            found |= set(re.findall(r"[\"']([ECWF]\d{3})[\"']", source.read_text("utf-8")))
    return found


def test_every_code_used_in_the_sources_is_in_the_catalogue() -> None:
    used = codes_used_in_sources()
    assert len(used) > 20  # the scan does see the diagnostics
    assert sorted(used - set(FRENCH)) == []
    assert sorted(used - set(ENGLISH)) == []


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_messages_are_clean(lang: str) -> None:
    catalogue = CATALOGUES[lang]
    problems = []
    for key, template in catalogue.items():
        literal = without_fields(template)
        if "{" in literal or "}" in literal:
            problems.append(f"{key}: stray brace in {template!r}")
        if key.startswith("argparse."):
            # argparse's own texts keep the source's surrounding whitespace ("usage: ").
            source = key.removeprefix("argparse.")
            trailing = source[len(source.rstrip()) :]
            if template[len(template.rstrip()) :] != trailing:
                problems.append(f"{key}: trailing whitespace differs from {source!r}")
        elif template != template.strip():
            problems.append(f"{key}: leading or trailing whitespace in {template!r}")
        if "  " in template:
            problems.append(f"{key}: double space in {template!r}")
    assert problems == []


def test_english_keeps_the_regulation_keywords() -> None:
    # The regulation files are written in French: keywords stay French in every language.
    assert "`sinon …`" in ENGLISH["E109"]
    assert "`points au-dessus de`" in ENGLISH["E128"]
    assert 'cite "' in ENGLISH["hint.add_citation"]


def run_check(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "NDRC_LANG"}
    return subprocess.run(
        [Path(sys.executable).parent / "ndrc-rules", "check", str(path)],
        env={**base, **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.fixture
def broken_regulation(tmp_path: Path, ndrc_path: Path) -> Path:
    """The NDRC regulation with a misspelt group name: one E101."""
    source = ndrc_path.read_text("utf-8")
    assert "parmi general" in source
    broken = tmp_path / "broken.reg"
    broken.write_text(source.replace("parmi general", "parmi generl", 1))
    return broken


def test_console_script_speaks_english(broken_regulation: Path) -> None:
    result = run_check(broken_regulation, NDRC_LANG="en")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "error[E101]: unknown name `generl`" in output
    assert "did you mean `general`?" in output
    assert "nom inconnu" not in output


def test_console_script_speaks_french_by_default(broken_regulation: Path) -> None:
    result = run_check(broken_regulation)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "nom inconnu `generl`" in output
    assert "unknown name" not in output
