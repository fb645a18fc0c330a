"""Hostile regulation text: bounded time and output, a clear diagnostic, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

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
        lambda t: t.replace("moyenne_pro > 10", " + ".join(["moyenne_pro"] * 20_000) + " > 10"),
        1,
        {"E006"},
    ),
    "very_long_name": (
        lambda t: t.replace("regle rattrapage", "regle r" + "x" * 200_000),
        1,
        {"E007"},
    ),
    "very_long_quotation": (
        lambda t: t.replace('cite "les candidats sont', 'cite "' + "a" * 3_000_000 + '" "les', 1),
        0,
        set(),
    ),
    "error_on_a_very_long_line": (
        lambda t: t.replace("regle admission\n", "regle admission " + "§" * 500_000 + "\n", 1),
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
    "thousands_of_figures": (_figures(5_000), 0, {"W001"}),
    "thousands_of_rules": (_rules(2_000), 0, {"W006", "W002"}),
    "ten_megabytes_of_comments": (lambda t: t + "# commentaire\n" * 700_000, 0, set()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_regulation_is_bounded_and_explained(name: str, with_national: Path) -> None:
    change, exit_code, codes = CASES[name]
    path = with_national / f"{name}.reg"
    path.write_text(change(NDRC), "utf-8")
    start = time.perf_counter()
    result = subprocess.run(
        [str(SCRIPT), "check", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "RecursionError" not in output
    assert result.returncode == exit_code, output[-2000:]
    assert all(f"[{code}]" in output for code in codes), output[-2000:]
    assert seconds < 60
    longest = max(map(len, output.splitlines()), default=0)
    assert longest < 400, "a line of the report quotes too much of the file"
    assert "\x1b" not in output and "\x07" not in output


def test_bytes_that_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binaire.reg"
    path.write_bytes(bytes(range(256)) * 1000)
    result = subprocess.run(
        [str(SCRIPT), "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "n'est pas en UTF-8 (octet 128)" in result.stderr


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
    from ndrc_rules.errors import RegulationError

    text = NDRC.replace("CCF 2 situations", f"CCF {count} situations", 1)
    start = time.process_time()
    with pytest.raises(RegulationError) as caught:
        loads(text, str(ROOT / "regulations" / "bts_ndrc.reg"))
    assert time.process_time() - start < 2
    first = caught.value.diagnostics[0]
    assert first.code == "E134"
    assert "de 1 à 20 situations" in first.message
