"""What people read says things in the regulation's words: titles before identifiers,
the decimal comma, quotients by their two sides, the default outcome in a sentence
with its citation; and `explain` takes several candidates (issue 13, part 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

import ndrc_rules
from ndrc_rules.cli.explain import trace_tree
from ndrc_rules.common import messages
from ndrc_rules.common.numbers import plain, readable
from ndrc_rules.render.trace import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
BAD_ROWS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
ROWS = len(COHORT.read_text("utf-8").splitlines()) - 1


def run(*args: str | Path, lang: str = "fr") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "300", "NDRC_LANG": lang},
    )


# --- numbers as people read them -------------------------------------------------------
@pytest.mark.parametrize(
    ("machine", "person"),
    [
        ("10.76", "10,76"),
        ("-0.50", "-0,50"),
        ("10.76 comparé à 10.00", "10,76 comparé à 10,00"),
        ("[8.00 ; 10.00[", "[8,00 ; 10,00["),
        ("226/21", "226/21"),
        ("U2.1, U3", "U2.1, U3"),  # a unit code is no number
        ("10", "10"),
    ],
)
def test_readable_gives_the_decimal_comma_of_french(machine: str, person: str) -> None:
    assert readable(machine) == person


def test_readable_keeps_the_point_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRC_LANG", "en")
    assert readable("10.76 compared with 10.00") == "10.76 compared with 10.00"


def test_plain_writes_an_exact_value_as_by_hand() -> None:
    assert [plain(Fraction(n, d)) for n, d in [(287, 2), (226, 21), (21, 1), (1, 8)]] == [
        "143.5",
        "226/21",
        "21",
        "0.125",
    ]


@pytest.mark.parametrize(
    ("lang", "count", "said"),
    [("fr", 0, "0 erreur"), ("fr", 1, "1 erreur"), ("fr", 2, "2 erreurs"), ("en", 0, "0 errors")],
)
def test_counts_take_the_singular_the_language_gives(
    monkeypatch: pytest.MonkeyPatch, lang: str, count: int, said: str
) -> None:
    monkeypatch.setenv("NDRC_LANG", lang)
    assert messages.counted("count.errors", count) == said


def test_a_cohort_of_one_is_one_row(tmp_path: Path) -> None:
    one = tmp_path / "un.csv"
    one.write_text("\n".join(COHORT.read_text("utf-8").splitlines()[:2]) + "\n", "utf-8")
    result = run("eval", NDRC, one, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "1 ligne : 1 décision, 0 erreur"


# --- the tree, in the regulation's words -----------------------------------------------
def test_the_tree_reads_titles_comma_decimals_and_both_sides_of_a_mean() -> None:
    result = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0002")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    regime = "Diplôme préparé dans le cadre d'un contrat d'apprentissage (apprentissage)"
    assert out.startswith(f"Candidat 2026-NDRC-0002 — {regime}\n")
    assert "Règle décisive : Admission (admission) — bts_national.reg:49" in out
    assert "Moyenne générale = 10,76 (moyenne_generale)" in out
    assert "226 points sur 21 coefficients, soit exactement 226/21" in out
    assert "143,5 points sur 12 coefficients, soit exactement 287/24" in out  # moyenne_pro
    assert "10,76 comparé à 10,00" in out
    assert "U4 = 11,00 (coefficient 5)" in out
    assert "Points de l'épreuve facultative au-dessus de 10 = 0,00 (points_facultatifs)" in out
    assert "Admission (admission) → Admis (bts_national.reg:49) : s'applique" in out
    assert "aucune unité absente" in out
    assert "10.76" not in out and "11.00" not in out and "aucune\n" not in out


def test_the_default_outcome_is_said_from_the_rules_examined_and_cited() -> None:
    out = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0014").stdout
    because = (
        "aucune des règles « Absence injustifiée à une unité obligatoire », « Admission »"
        " et « Éligibilité au rattrapage » ne s'applique : Ajourné"
    )
    assert out.count(because) == 2  # under the deciding line, and under the default itself
    assert "Résultat par défaut → Ajourné (bts_national.reg:" in out
    assert "sinon" not in out
    assert "échouent à l'examen" in out and "art. D643-15" in out  # the default's citation
    # a rule that did not hold shows the sentence it transcribes too
    assert "est éligible au rattrapage." in out and "Règlement NDRC, contrat d'apprentissage" in out


def test_the_default_outcome_is_phrased_for_any_regulation(tmp_path: Path) -> None:
    regulation = tmp_path / "autre.reg"
    regulation.write_text(
        'diplome T "Test"\nresultat recu "Reçu"\nresultat refuse "Refusé"\n'
        'regime r "R"\n  groupe pro "Pro"\n    unite U4 "Quatre" coefficient 2\n'
        '  chiffre moy "Moyenne" = moyenne de pro\n'
        '  regle bien "Bien"\n    si moy >= 10 alors recu\n'
        '  sinon refuse\n    cite "Les autres sont refusés."\n',
        "utf-8",
    )
    cohort = tmp_path / "c.csv"
    cohort.write_text("id;regime;U4\nc1;r;8,5\n", "utf-8")
    out = run("explain", regulation, cohort, "--id", "c1").stdout
    assert "la règle « Bien » ne s'applique pas : Refusé" in out
    assert "Règlement : « Les autres sont refusés. »" in out
    assert "Moyenne = 8,50 (moy)" in out and "17 points sur 2 coefficients" in out


def test_the_tree_speaks_english_with_its_point() -> None:
    out = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0002", lang="en").stdout
    assert "226 points over 21 coefficients, exactly 226/21" in out
    assert "10.76 compared with 10.00" in out and "Deciding rule: Admission (admission)" in out


def test_the_tree_holds_in_80_columns() -> None:
    regulation = ndrc_rules.load(NDRC)
    words = Vocabulary.of([regulation.program])
    console = Console(file=StringIO(), width=80, highlight=False)
    for decision in regulation.decide_all(regulation.read(COHORT)):
        console.print(trace_tree(decision, words))  # type: ignore[arg-type]
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "…" not in shown and shown.count("Candidat 2026-NDRC-") == ROWS


# --- quotients on every path ------------------------------------------------------------
def test_an_exempted_unit_leaves_the_coefficients_a_mean_is_divided_by() -> None:
    regulation = ndrc_rules.load(NDRC)
    grades = {"U1": "DISP", "U2": "8", "U3": "8", "U4": "11", "U5": "11", "U6": "11"}
    decision = regulation.decide({"id": "d", "regime": "apprentissage", **grades})
    assert decision.trace is not None
    figures = {f.name: f for f in decision.trace.figures}
    quotient = figures["moyenne_generale"].quotient
    assert quotient is not None
    assert (quotient.numerator, quotient.denominator, quotient.coefficients) == ("180", "18", True)
    assert figures["points_facultatifs"].quotient is None  # a sum is no quotient


def test_a_division_by_anything_else_is_no_weighted_mean(tmp_path: Path) -> None:
    path = tmp_path / "moitie.reg"
    path.write_text(
        'diplome T "Test"\nresultat recu "Reçu"\nresultat refuse "Refusé"\n'
        'regime r "R"\n  groupe pro "Pro"\n    unite U4 "Quatre" coefficient 2\n'
        '  chiffre moitie "Moitié" = U4 / 2\n'
        '  regle bien "Bien"\n    si moitie >= 5 alors recu\n  sinon refuse\n',
        "utf-8",
    )
    regulation = ndrc_rules.load(path)
    cohort = tmp_path / "c.csv"
    cohort.write_text("id;regime;U4\nc;r;13\n", "utf-8")
    [candidate] = regulation.read(cohort)
    record = json.loads(regulation.record_line(candidate)[1])  # type: ignore[arg-type]
    [figure] = record["trace"]["figures"]  # written by the generated writer
    assert figure["quotient"] == {"numerator": "13", "denominator": "2", "coefficients": False}
    decision = regulation.decide({"id": "c", "regime": "r", "U4": "13"})  # the general path
    assert decision.trace is not None and decision.trace.figures[0].quotient is not None
    assert decision.trace.figures[0].quotient.model_dump() == figure["quotient"]
    assert "13 sur 2, soit exactement 6,5" in run("explain", path, cohort, "--id", "c").stdout


def test_the_default_records_its_citation_in_both_phases() -> None:
    regulation = ndrc_rules.load(NDRC)
    grades = {"U1": "8", "U2": "8", "U3": "8", "U4": "11", "U5": "11", "U6": "11"}
    resit = {"U1.rattrapage": "7", "U2.rattrapage": "9,99"}
    decision = regulation.decide({"id": "c", "regime": "apprentissage", **grades, **resit})
    assert decision.resit_phase is not None and decision.resit_phase.trace is not None
    default = decision.resit_phase.trace.rules[-1]
    assert (default.name, default.status) == ("sinon", "default")
    assert default.citation is not None and "D643-15" in (default.citation.source or "")
    assert decision.citation == default.citation  # the deciding rule's, in the record


# --- several candidates ------------------------------------------------------------------
def test_several_ids_give_one_tree_each_in_the_order_asked() -> None:
    result = run("explain", NDRC, COHORT, "--id", "2026-NDRC-0014", "--id", "2026-NDRC-0002")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    first, second = out.index("Candidat 2026-NDRC-0014"), out.index("Candidat 2026-NDRC-0002")
    assert first < second and out.count("Candidat 2026-NDRC-") == 2
    assert "─" * 20 in out[first:second]  # a rule between the two trees


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Three candidates of the sample cohort, then the rows in error."""
    path = tmp_path / "mixte.csv"
    good = COHORT.read_text("utf-8").splitlines()[:4]
    path.write_text("\n".join(good + BAD_ROWS.read_text("utf-8").splitlines()[1:]) + "\n")
    return path


def test_all_explains_every_row_and_its_errors_in_place(mixed: Path) -> None:
    result = run("explain", NDRC, mixed, "--all")
    assert result.returncode == 3  # some rows are errors
    rows = len(mixed.read_text("utf-8").splitlines()) - 1
    trees = result.stdout.count("\nCandidat ") + result.stdout.startswith("Candidat ")
    errors = result.stderr.count("), champ ")  # each row error, on standard error
    assert trees + errors == rows and trees and errors
    assert "note illisible `abs.`" in result.stderr


def test_several_ids_in_json_are_one_document_replay_reads(tmp_path: Path) -> None:
    result = run(
        "explain", NDRC, COHORT, "--id", "2026-NDRC-0006", "--id", "2026-NDRC-0001",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [r["id"] for r in document["results"]] == ["2026-NDRC-0006", "2026-NDRC-0001"]
    saved = tmp_path / "deux.json"
    saved.write_text(result.stdout, "utf-8")
    replayed = run("replay", saved)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def test_all_in_json_holds_every_row(mixed: Path) -> None:
    result = run("explain", NDRC, mixed, "--all", "--format", "json")
    assert result.returncode == 3
    results = json.loads(result.stdout)["results"]
    assert len(results) == len(mixed.read_text("utf-8").splitlines()) - 1
    assert [r["id"] for r in results[:3]] == [f"2026-NDRC-000{i}" for i in (1, 2, 3)]
    assert "trace" in results[0] and "error" in results[-1]


def test_an_unknown_id_says_how_many_rows_were_read() -> None:
    result = run("explain", NDRC, COHORT, "--id", "personne")
    assert result.returncode == 2 and result.stdout == ""
    assert f"candidat `personne` introuvable dans {COHORT} ({ROWS} lignes lues)" in result.stderr


def test_several_unknown_ids_are_named_together_and_nothing_is_explained() -> None:
    result = run("explain", NDRC, COHORT, "--id", "x", "--id", "2026-NDRC-0001", "--id", "y")
    assert result.returncode == 2 and result.stdout == ""
    said = f"2 candidats introuvables dans {COHORT} ({ROWS} lignes lues) : `x`, `y`"
    assert said in " ".join(result.stderr.split())


def test_id_and_all_exclude_each_other() -> None:
    assert run("explain", NDRC, COHORT, "--id", "x", "--all").returncode == 2
    assert run("explain", NDRC, COHORT).returncode == 2


def test_audit_says_the_default_outcome_and_keeps_its_identifier(tmp_path: Path) -> None:
    store = tmp_path / "registre.sqlite"
    assert run("eval", NDRC, COHORT, "--db", store, "--format", "jsonl").returncode == 0
    summary = run("audit", store).stdout
    assert "résultat par défaut (sinon)" in summary
    listed = run("audit", store, "--rule", "sinon").stdout  # found by its identifier
    assert "résultat par défaut (sinon)" in listed and "2026-NDRC-0014" in listed
