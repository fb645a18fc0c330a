"""`eval --format csv` for Excel users and `eval --format xlsx`: French headers (or
identifiers), the same columns in both, numbers that never show more than the value."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
ERRORS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
NATIONAL = (ROOT / "regulations" / "bts_national.reg").read_text("utf-8").splitlines()
# Where the national base states its first default outcome (`sinon ajourne`).
DEFAULT_LINE = next(n for n, text in enumerate(NATIONAL, 1) if text.lstrip().startswith("sinon"))
DEFAULT = f"bts_national.reg:{DEFAULT_LINE}"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
HEADER = "id;regime;U1;U2;U3;U4;U5;U6;U1.rattrapage;U2.rattrapage"
COHORT = (
    f"{HEADER}\n"
    "N1;apprentissage;10;10;10;10;10;9,9965;;\n"  # moyenne_generale = 9.9995 exactly
    "N2;apprentissage;8;8;8;10;10;10,02;;\n"  # moyenne_pro = 10.005 against > 10
    "N3;apprentissage;8;8;8;11;11;11;9;9\n"  # admitted after the resit
    "=1+1;apprentissage;12;12;12;12;12;12;;\n"  # an id a spreadsheet would compute
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohorte.csv"
    path.write_text(COHORT, "utf-8")
    return path


def workbook(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_a_workbook_cell_never_shows_more_than_the_value(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "decisions.xlsx"
    done = run("eval", NDRC, cohort, "--format", "xlsx", "-o", out)
    assert done.returncode == 0, done.stderr
    sheets = workbook(out)
    assert list(sheets) == ["Décisions", "Erreurs"]
    titles, *rows = sheets["Décisions"]
    found = {row[1]: dict(zip(titles, row, strict=True)) for row in rows}
    # 9.9995 is written 9.99 (format 0.00): Excel would show float(9.9995) as 10.00
    assert found["N1"]["Moyenne générale"] == 9.99
    assert found["N1"]["U6 Relation client et animation de réseaux"] == 9.99
    assert found["N2"]["Moyenne des unités professionnelles"] == 10.005  # the digits that decide
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    assert 'formatCode="0.00"' in styles and 'formatCode="0.000"' in styles
    assert found["N3"]["Moyenne générale"] == 9.71
    assert found["N3"]["Moyenne générale après contrôle"] == 10.0
    assert found["N3"]["Décision"] == "Admis"
    assert found["N1"]["Ligne"] == 2 and found["N1"]["Fichier et ligne"] == DEFAULT
    assert found["=1+1"]["Identifiant"] == "=1+1"  # text, never a formula
    assert sheets["Erreurs"] == [
        ["Ligne", "Identifiant", "Code d'erreur", "Colonne en erreur", "Message d'erreur"]
    ]


def test_the_workbook_and_the_csv_have_the_same_columns(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "decisions.xlsx"
    assert (
        run("eval", NDRC, cohort, "--format", "xlsx", "-o", out, "--headers", "fr+id").returncode
        == 0
    )
    shown = run("eval", NDRC, cohort, "--format", "csv", "--headers", "fr+id").stdout
    titles, keys, *_ = csv.reader(io.StringIO(shown.removeprefix("\ufeff")), delimiter=";")
    sheet = workbook(out)["Décisions"]
    assert sheet[0] == titles[:-3] and sheet[1] == keys[:-3]  # the CSV adds the error columns
    assert keys[-3:] == ["error_code", "error_field", "error_message"]


def test_row_errors_go_to_the_second_sheet(tmp_path: Path) -> None:
    out = tmp_path / "decisions.xlsx"
    assert run("eval", NDRC, ERRORS, "--format", "xlsx", "-o", out).returncode == 3
    sheets = workbook(out)
    assert len(sheets["Décisions"]) == 1  # the headers only
    assert sheets["Erreurs"][1] == [
        2.0,
        "2026-NDRC-0012",
        "C001",
        "U3",
        "note illisible `abs.` : attendu un nombre de 0 à 20 ou ABS, ABJ, DISP",
    ]
    assert len(sheets["Erreurs"]) == 7


def test_xlsx_without_an_output_file_is_a_usage_error(cohort: Path) -> None:
    done = run("eval", NDRC, cohort, "--format", "xlsx")
    assert done.returncode == 2 and done.stdout == ""
    assert (
        "--format xlsx écrit un classeur, un fichier binaire : indiquez-le avec -o" in done.stderr
    )


def test_the_csv_is_for_excel_by_default(cohort: Path) -> None:
    shown = run("eval", NDRC, cohort, "--format", "csv").stdout
    assert shown.startswith("\ufeffLigne;Identifiant;Régime;Résultat;Décision;Règle décisive;")
    titles, *rows = csv.reader(io.StringIO(shown.removeprefix("\ufeff")), delimiter=";")
    found = {row[1]: dict(zip(titles, row, strict=True)) for row in rows}
    assert len(rows) == 4
    assert found["N1"]["Moyenne générale"] == "9,99"
    assert found["N1"]["Fichier et ligne"] == DEFAULT
    # The rule by its title, its identifier beside it; the default outcome said so.
    assert found["N1"]["Règle décisive"] == "aucune règle ne s'applique : résultat par défaut"
    assert found["N1"]["Règle (identifiant)"] == "sinon"
    assert found["N3"]["Règle décisive"] == "Admission après l'épreuve de contrôle"
    assert found["N3"]["Moyenne générale après contrôle"] == "10,00"
    assert found["N3"]["Moyenne générale"] == "9,71"
    assert found["N2"]["Moyenne générale après contrôle"] == ""


def test_identifier_headers_are_for_programs(cohort: Path) -> None:
    shown = run("eval", NDRC, cohort, "--format", "csv", "--headers", "id").stdout
    assert not shown.startswith("\ufeff")
    keys = shown.splitlines()[0].split(";")
    assert keys[:8] == [
        "row",
        "id",
        "regime",
        "decision",
        "label",
        "deciding_rule_title",
        "deciding_rule",
        "deciding_rule_source",
    ]
    assert "moyenne_generale" in keys and "moyenne_generale.apres_controle" in keys
    assert keys[-7:] == [
        "proposal_decision",
        "proposal_rule_title",
        "proposal_rule",
        "proposal_rule_source",
        "error_code",
        "error_field",
        "error_message",
    ]
    both = run("eval", NDRC, cohort, "--format", "csv", "--headers", "fr+id").stdout.splitlines()
    assert both[0].startswith("\ufeffLigne;") and both[1].split(";") == keys
