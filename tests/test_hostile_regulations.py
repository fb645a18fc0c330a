"""Hostile regulation text: bounded time and output, a clear diagnostic, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules.language.diagnostics import RegulationError
from ndrc_rules.language.source import MAX_SOURCE_BYTES, SourceError

ROOT = Path(__file__).resolve().parent.parent
NDRC = (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8")
SCRIPT = Path(sys.executable).parent / "ndrc-rules"


def _figures(count: int) -> Callable[[str], str]:
    block = "".join(f"  chiffre f{i} = moyenne_pro + {i % 20}\n" for i in range(count))
    return lambda text: text.replace("  regle admission\n", block + "  regle admission\n", 1)


def _rules(count: int) -> Callable[[str], str]:
    block = "".join(
        f"  regle r{i}\n    si moyenne_generale >= {i % 19} et moyenne_pro < {i % 19 + 1}"
        " alors ajourne\n"
        for i in range(count)
    )
    return lambda text: text.replace("  regle rattrapage", block + "  regle rattrapage", 1)


# name → (change to the NDRC text, expected exit code, codes the output must show)
CASES: dict[str, tuple[Callable[[str], str], int, set[str]]] = {
    "nested_parentheses": (
        lambda t: t.replace("moyenne_pro > 10", "(" * 5000 + "moyenne_pro" + ")" * 5000 + " > 10"),
        0,
        set(),
    ),
    "deeply_nested_sum": (
        lambda t: t.replace(
            "moyenne_pro > 10", "(moyenne_pro + " * 400 + "0" + ")" * 400 + " > 10"
        ),
        1,
        {"E006"},
    ),
    "very_long_sum": (
        lambda t: t.replace("moyenne_pro > 10", " + ".join(["moyenne_pro"] * 8_000) + " > 10"),
        1,
        {"E006"},
    ),
    "very_long_name": (
        lambda t: t.replace("regle rattrapage", "regle r" + "x" * 100_000),
        1,
        {"E007"},
    ),
    "very_long_quotation": (
        lambda t: t.replace('cite "les candidats sont', 'cite "' + "a" * 100_000 + '" "les', 1),
        0,
        set(),
    ),
    "error_on_a_very_long_line": (
        lambda t: t.replace("regle admission\n", "regle admission " + "§" * 50_000 + "\n", 1),
        1,
        {"E002"},
    ),
    "terminal_escape_sequence": (
        lambda t: t.replace("regle admission\n", "regle admission\x1b[2J\x07\n", 1),
        1,
        {"E008"},
    ),
    "control_character_in_a_title": (
        lambda t: t.replace('"EF1 Communication', '"EF1\x00\x011\x01 Communication', 1),
        1,
        {"E008"},
    ),
    # Issue 11, point 4: each bad character of a long line re-split the line (quadratic:
    # 20,000 terms took 300 s); thousands of damaged statements end in a count (E010).
    # Each text stays under the size limit (MAX_SOURCE_BYTES), which refuses longer ones.
    "bad_characters_along_a_long_sum": (
        lambda t: t.replace(
            "moyenne_pro > 10", " +§ ".join(["U1"] * 15_000) + " > 10 alors admis", 1
        ),
        1,
        {"E006"},
    ),
    "thousands_of_damaged_clauses": (
        lambda t: t.replace(
            "  regle admission\n", "  regle admission\n" + "    si § > 10\n" * 7_000, 1
        ),
        1,
        {"E002", "E010"},
    ),
    "open_sums_at_line_starts": (
        lambda t: t.replace(
            "  regle admission\n", "(moyenne_pro + \n" * 7_000 + "  regle admission\n", 1
        ),
        1,
        {"E001"},
    ),
    # Found by the fuzz campaign (seed 2028, reg:35139): a run of `#` between a skipped
    # line and the next error made the blank test backtrack exponentially.
    "comment_run_between_two_errors": (
        lambda t: t.replace(
            "  regle admission\n",
            "  regle admission §\n" + "#" * 3_000 + "\n    si moyenne_pro > § 10\n",
            1,
        ),
        1,
        {"E002"},
    ),
    "thousands_of_figures": (_figures(3_000), 0, {"W001"}),
    "thousands_of_rules": (_rules(1_400), 0, {"W006", "W002"}),
    "comments_up_to_the_limit": (lambda t: t + "# commentaire\n" * 8_000, 0, set()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_regulation_is_bounded_and_explained(name: str, with_national: Path) -> None:
    change, exit_code, codes = CASES[name]
    path = with_national / f"{name}.reg"
    path.write_text(change(NDRC), "utf-8")
    result = subprocess.run(  # the timeout bounds the test; no timed assertion
        [str(SCRIPT), "check", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "RecursionError" not in output
    assert result.returncode == exit_code, output[-2000:]
    assert all(f"[{code}]" in output for code in codes), output[-2000:]
    longest = max(map(len, output.splitlines()), default=0)
    assert longest < 400, "a line of the report quotes too much of the file"
    assert "\x1b" not in output and "\x07" not in output


def test_bytes_that_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binaire.reg"
    path.write_bytes(bytes(range(256)) * 400)
    result = subprocess.run(
        [str(SCRIPT), "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "n'est pas en UTF-8 (octet 128)" in result.stderr


# Issue 11, point 4: a regulation longer than the limit is refused before it is
# read or parsed, in constant time, whatever its size; the limit's edge is exact.
def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "enorme.reg"
    with path.open("wb") as file:  # 4 GiB, sparse: reading it would take minutes
        file.truncate(4 << 30)
    result = _check(path)
    assert result.returncode == 2, result.stderr
    assert "enorme.reg est trop long (4\u202f194\u202f304 Kio, au plus 128 Kio" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_size_limit_is_exact(tmp_path: Path) -> None:
    padding = MAX_SOURCE_BYTES - len(NDRC.encode("utf-8"))
    at_limit, over = tmp_path / "juste.reg", tmp_path / "trop.reg"
    at_limit.write_text(NDRC + "#" * (padding - 1) + "\n", "utf-8")
    over.write_text(NDRC + "#" * padding + "\n", "utf-8")
    (tmp_path / "bts_national.reg").write_text(
        (ROOT / "regulations" / "bts_national.reg").read_text("utf-8"), "utf-8"
    )
    assert at_limit.stat().st_size == MAX_SOURCE_BYTES
    assert _check(at_limit).returncode == 0
    result = _check(over)
    assert result.returncode == 2 and "trop long (129 Kio" in result.stderr


def test_loads_refuses_a_text_over_the_limit_by_its_bytes() -> None:
    """The limit counts bytes of UTF-8: 70,000 « é » are 140,000 bytes."""
    with pytest.raises(SourceError) as caught:
        ndrc_rules.loads(NDRC + "# " + "é" * 70_000)
    assert caught.value.code == "F017"
    room = (MAX_SOURCE_BYTES - len(NDRC.encode("utf-8")) - 3) // 2  # "# " and "\n"
    beside_the_shipped = str(ROOT / "regulations" / "long.reg")
    assert ndrc_rules.loads(NDRC + "# " + "é" * room + "\n", beside_the_shipped).regimes


def test_an_import_over_the_limit_is_named_at_the_import(tmp_path: Path) -> None:
    (tmp_path / "bts_national.reg").write_text("#" * (MAX_SOURCE_BYTES + 1), "utf-8")
    path = tmp_path / "ndrc.reg"
    path.write_text(NDRC, "utf-8")
    result = _check(path)
    assert result.returncode == 1
    assert "[E136]" in result.stdout + result.stderr


# Issue 11, point 6: every Unicode line break but \n (and CR, read as \n) is refused
# where it stands, and no pass counts lines another way (U+2028 was a line end for
# the non-breaking-space lint only: W004 pointed past the end of the file).
LINE_BREAKS = ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=[f"U+{ord(c):04X}" for c in LINE_BREAKS])
def test_every_diagnostic_points_inside_the_file_whatever_the_line_break(
    brk: str, with_national: Path
) -> None:
    text = NDRC.replace("# `ndrc-rules test`", f"# un{brk}saut\u00a0: `ndrc-rules test`", 1)
    path = with_national / "saut.reg"
    path.write_text(text, "utf-8")
    result = subprocess.run(
        [str(SCRIPT), "check", "--strict", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = json.loads(result.stdout)
    lines = text.split("\n")
    assert found and all(0 < d["line"] <= len(lines) for d in found), found
    assert all(0 < d["column"] <= len(lines[d["line"] - 1]) for d in found), found
    control = [d for d in found if d["code"] == "E008"]
    assert [lines[d["line"] - 1][d["column"] - 1] for d in control] == [brk]


def test_a_lone_surrogate_is_a_diagnostic() -> None:
    """Issue 11, point 5: a str (never bytes read from disk) may hold one."""
    text = NDRC.replace("regle admission", "regle adm\ud800ission", 1)
    with pytest.raises(RegulationError) as raised:
        ndrc_rules.loads(text)
    (diagnostic,) = raised.value.diagnostics
    line = text.split("\n")[diagnostic.span.line - 1]
    assert diagnostic.code == "E008" and line[diagnostic.span.column - 1] == "\ud800"
    shown = raised.value.render()
    assert "U+D800" in shown and "\ufffd" in shown and "\ud800" not in shown


def test_errors_past_the_limit_are_counted_exactly(with_national: Path) -> None:
    """Issue 11, point 4: 100 errors shown, one note counting the 50 others."""
    text = NDRC.replace("  regle admission\n", "  regle admission\n" + "    si § > 10\n" * 150, 1)
    path = with_national / "damaged.reg"
    path.write_text(text, "utf-8")
    result = subprocess.run(
        [str(SCRIPT), "--lang", "en", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    *shown, note = json.loads(result.stdout)
    assert result.returncode == 1 and len(shown) == 100
    assert {d["code"] for d in shown} == {"E002"} and note["code"] == "E010"
    assert note["message"].startswith("50 more error(s)") and note["line"] == shown[-1]["line"] + 1


# --- a device named as a regulation or an import is refused, never read (fuzz find) ---
@pytest.mark.parametrize("importing", [False, True])
def test_a_device_is_refused_not_read(tmp_path: Path, importing: bool) -> None:
    target = "/dev/zero"  # read to its end, it never ends
    if importing:
        target = str(tmp_path / "imports.reg")
        Path(target).write_text('importe "/dev/zero"\n', "utf-8")
    done = subprocess.run(
        [str(SCRIPT), "check", target], capture_output=True, text=True, timeout=20, check=False
    )
    assert "Traceback" not in done.stderr
    if importing:
        assert done.returncode == 1
        assert "[E136]: fichier importé introuvable ou illisible : /dev/zero" in done.stderr
    else:
        assert done.returncode == 2
        expected = "impossible de lire /dev/zero : ce n'est pas un fichier ordinaire"
        assert done.stderr.startswith(expected)


# --- a CCF of 10^5000 situations is refused, not built part by part (fuzz find) ---
@pytest.mark.parametrize("count", ["21", "9" * 12, "9" * 5000])
def test_a_ccf_with_too_many_situations_is_refused_at_once(count: str) -> None:
    from ndrc_rules.api import loads
    from ndrc_rules.language.diagnostics import RegulationError

    text = NDRC.replace("CCF 2 situations", f"CCF {count} situations", 1)
    with pytest.raises(RegulationError) as caught:
        loads(text, str(ROOT / "regulations" / "bts_ndrc.reg"))
    first = caught.value.diagnostics[0]
    assert first.code == "E134"
    assert "de 1 à 20 situations" in first.message
