"""The `ndrc-rules` console script, run as a user would: a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ndrc_rules

pytestmark = pytest.mark.usefixtures("with_national")
ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
BAD_ROWS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def rows_in(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines()) - 1


def test_script_is_installed() -> None:
    assert SCRIPT.exists(), "install the package: pip install '.[dev]'"


def test_check_accepts_the_shipped_regulation() -> None:
    result = run("check", NDRC)
    assert result.returncode == 0, result.stderr
    assert "règlement valide" in result.stdout


def test_check_imports_neither_the_evaluator_nor_pydantic() -> None:
    """`check` starts fast (issue 5: under 0.25 s cold): it needs only the front end."""
    probe = (
        "import sys; from ndrc_rules.cli import main; code = main(['check', sys.argv[1]]);"
        "print(code, sorted(m for m in sys.modules if m.startswith(('pydantic', 'ndrc_rules.ev'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(NDRC)], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 []"


def test_check_reports_file_line_column_and_hint(tmp_path: Path) -> None:
    broken = tmp_path / "casse.reg"
    broken.write_text(
        NDRC.read_text("utf-8").replace("moyenne_pro > 10", "moyenne_pro => 10"), "utf-8"
    )
    result = run("check", broken)
    assert result.returncode == 1
    line = next(
        i for i, text in enumerate(broken.read_text("utf-8").splitlines(), 1) if "=> 10" in text
    )
    assert f"{broken}:{line}:" in result.stderr
    assert "écrivez `>=`" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_json_lists_diagnostics(tmp_path: Path) -> None:
    broken = tmp_path / "inconnu.reg"
    broken.write_text(
        NDRC.read_text("utf-8").replace("parmi general", "parmi generl"),
        "utf-8",
    )
    result = run("check", broken, "--format", "json")
    assert result.returncode == 1
    [diagnostic] = json.loads(result.stdout)
    assert diagnostic["code"] == "E101"
    assert "general" in diagnostic["hint"]


def test_eval_table_shows_every_candidate_and_counts() -> None:
    result = run("eval", NDRC, COHORT)
    assert result.returncode == 0, result.stderr
    assert "2026-NDRC-0040" in result.stdout
    assert f"{rows_in(COHORT)} lignes : {rows_in(COHORT)} décisions, 0 erreur\n" in result.stdout


def test_eval_jsonl_gives_one_record_per_row() -> None:
    result = run("eval", NDRC, BAD_ROWS, "--format", "jsonl")
    assert result.returncode == 3
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == rows_in(BAD_ROWS)
    assert all("error" in r for r in records)
    assert {r["error"]["code"] for r in records} >= {"C001", "C005", "C006", "C008", "C012"}


def test_eval_jsonl_decisions_carry_rule_figures_and_trace() -> None:
    result = run("eval", NDRC, COHORT, "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == rows_in(COHORT)
    first = records[0]
    assert {"id", "regime", "decision", "deciding_rule", "figures", "trace"} <= first.keys()
    assert first["trace"]["regulation"]["sha256"]


def test_eval_csv_and_json_outputs(tmp_path: Path) -> None:
    out = tmp_path / "decisions.csv"
    assert run("eval", NDRC, COHORT, "--format", "csv", "--output", out).returncode == 0
    lines = out.read_text("utf-8").splitlines()
    assert lines[0].startswith("\ufeffLigne;Identifiant;Régime;Résultat;Décision;Règle décisive")
    assert len(lines) == rows_in(COHORT) + 1
    document = json.loads(run("eval", NDRC, COHORT, "--format", "json").stdout)
    assert document["summary"]["rows"] == rows_in(COHORT)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left"


def test_explain_shows_rule_line_figures_and_citation() -> None:
    result = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0014")
    assert result.returncode == 0, result.stderr
    assert "Règle décisive : résultat par défaut — bts_national.reg:" in result.stdout
    assert "écartée par l'exception" in result.stdout
    assert "Moyenne générale = 11,14 (moyenne_generale)" in result.stdout
    assert "sauf si la moyenne dans les enseignements" in result.stdout
    national = ndrc_rules.load(NDRC).program.imports[0][1]
    assert f"qui importe {NDRC.parent / 'bts_national.reg'} — SHA-256 {national}" in result.stdout
    assert "Ligne 13 lue — SHA-256 " in result.stdout and "rejouable" in result.stdout


def test_explain_json_is_the_decision_record() -> None:
    result = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0006", "--format", "json")
    decision = json.loads(result.stdout)
    assert (decision["decision"], decision["deciding_rule"]) == ("rattrapage", "rattrapage")
    assert decision["resit"] == {
        "count": 2,
        "units": ["U1", "U2", "U3"],
        "exempted": [],
        "required": None,
    }


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("explain", NDRC, COHORT, "--id", "personne"), 2),
        (("explain", NDRC, BAD_ROWS, "--id", "2026-NDRC-0012"), 3),
        (("eval", NDRC, ROOT / "absent.csv"), 2),
        (("eval", NDRC, ROOT / "README.md"), 2),
        (("eval",), 2),
    ],
)
def test_exit_codes(args: tuple[str | Path, ...], code: int) -> None:
    result = run(*args)
    assert result.returncode == code
    assert "Traceback" not in result.stderr


def test_changing_a_threshold_in_the_text_changes_decisions(tmp_path: Path) -> None:
    """The admission threshold lives in the national base the NDRC file imports."""
    national = tmp_path / "bts_national.reg"
    national.write_text(
        national.read_text("utf-8").replace(
            "si moyenne_generale >= 10 alors admis", "si moyenne_generale >= 12 alors admis", 1
        ),
        "utf-8",
    )
    stricter = tmp_path / "ndrc_strict.reg"
    stricter.write_text(NDRC.read_text("utf-8"), "utf-8")

    def admitted(path: Path) -> int:
        out = run("eval", path, COHORT, "--format", "jsonl").stdout
        return sum(json.loads(line)["decision"] == "admis" for line in out.splitlines())

    assert admitted(stricter) < admitted(NDRC)


def test_eval_reads_json_and_jsonl_and_reports_ignored_columns(tmp_path: Path) -> None:
    row = {
        "id": "j1",
        "regime": "Apprentissage",
        "nom": "Dupont",  # read as text (the papers show it), never ignored
        "classe": "BTS 2",
        "U1": 12,
        "U2": 11.5,
        "U3": "10,5",
        "U4": 14,
        "U5": "ABJ",
        "U6": 15,
    }
    as_json, as_jsonl = tmp_path / "c.json", tmp_path / "c.jsonl"
    as_json.write_text(json.dumps([row]), "utf-8")
    as_jsonl.write_text(json.dumps(row) + "\n\n" + "{pas du json\n", "utf-8")
    decided = run("eval", NDRC, as_json, "--format", "jsonl")
    [record] = [json.loads(line) for line in decided.stdout.splitlines()]
    assert (record["decision"], record["ignored_columns"]) == ("admis", ["classe"])
    assert record["trace"]["units"][1]["status"] == "ABJ"  # U5, counted 0
    assert "colonnes ignorées (inconnues du règlement) : classe" in decided.stderr
    streamed = run("eval", NDRC, as_jsonl, "--format", "jsonl")
    records = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert [r.get("error", {}).get("code") for r in records] == [None, "C014"]
    assert streamed.returncode == 3


def test_test_command_replays_examples_and_reports_coverage(tmp_path: Path) -> None:
    passing = run("test", NDRC)
    assert passing.returncode == 0, passing.stdout
    assert "26 exemple(s) : 26 réussi(s), 0 échoué(s)" in passing.stdout
    wrong = tmp_path / "faux.reg"
    wrong.write_text(
        NDRC.read_text("utf-8").replace("attendu admis par admission", "attendu ajourne", 1),
        "utf-8",
    )
    failing = run("test", wrong)
    assert failing.returncode == 4
    assert "✘" in failing.stdout and "Règle décisive : Admission (admission)" in failing.stdout
    few = tmp_path / "peu.reg"
    few.write_text(NDRC.read_text("utf-8").split("# Exemples")[0], "utf-8")
    assert run("test", few).returncode == 0
    assert run("test", "--complete", few).returncode == 4


def test_fmt_rewrites_in_place_and_check_reports(tmp_path: Path) -> None:
    messy = tmp_path / "desordre.reg"
    messy.write_text(
        NDRC.read_text("utf-8").replace(
            '  regle rattrapage "Éligibilité au rattrapage"\n',
            'regle   rattrapage  "Éligibilité au rattrapage"  \n',
        ),
        "utf-8",
    )
    assert run("fmt", "--check", messy).returncode == 1
    assert run("fmt", messy).returncode == 0
    assert messy.read_text("utf-8") == NDRC.read_text("utf-8")
    assert run("fmt", "--check", messy).returncode == 0
    broken = tmp_path / "casse.reg"
    broken.write_text("regle si\n", "utf-8")
    result = run("fmt", broken)
    assert result.returncode == 1 and "E0" in result.stderr
    assert broken.read_text("utf-8") == "regle si\n"


def test_a_folder_or_a_path_through_a_file_is_reported_not_raised(tmp_path: Path) -> None:
    result = run("check", tmp_path)
    assert result.returncode == 2 and "impossible de lire" in result.stderr
    importing = tmp_path / "importe.reg"
    text = NDRC.read_text("utf-8").replace('importe "bts_national.reg"', 'importe "x.reg/y.reg"')
    importing.write_text(text, "utf-8")
    (tmp_path / "x.reg").write_text("", "utf-8")
    result = run("check", importing)
    assert result.returncode == 1 and "[E136]" in result.stderr
    assert "Traceback" not in result.stderr
