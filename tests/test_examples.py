"""Examples written in a regulation (`exemple …`): replayed, compared, covered, rendered."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

import ndrc_rules
from ndrc_rules.api import RegulationError
from ndrc_rules.examples import ExampleReport, run_examples, run_files
from ndrc_rules.render import examples_report

# A one-regime regulation: every rule reachable, the examples appended per test.
SMALL = """
diplome TEST "Diplôme d'essai"
resultat admis "Admis"
resultat rattrapage "Rattrapage"
resultat ajourne "Ajourné"
regime apprentissage
  groupe professionnel
    unite U4 coefficient 2 : CCF 2 situations
  groupe general dispensable
    unite U1 coefficient 1
  chiffre note = moyenne de professionnel, general
  regle absence si ABS dans professionnel, general alors ajourne
  regle admission si note >= 10 alors admis
  regle rattrapage si note >= 8 alors rattrapage
  sinon ajourne
"""


def report_of(examples: str) -> ExampleReport:
    return run_examples(ndrc_rules.loads(SMALL + examples, "essai.reg"))


def rendered(report: ExampleReport) -> str:
    console = Console(record=True, width=120)
    console.print(examples_report(report))
    return console.export_text()


# --- the shipped regulation --------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped(ndrc_path: Path) -> ExampleReport:
    return run_examples(ndrc_rules.load(ndrc_path))


def test_shipped_examples_all_pass(shipped: ExampleReport) -> None:
    failures = [(r.name, r.actual_outcome, r.actual_rule, r.error) for r in shipped.failures]
    assert failures == []
    assert shipped.ok
    assert len(shipped.results) >= 14


def test_shipped_examples_reach_every_rule_of_both_regimes(shipped: ExampleReport) -> None:
    by_regime = {c.regime: c for c in shipped.coverage}
    assert set(by_regime) == {"apprentissage", "professionnalisation"}
    for coverage in by_regime.values():
        assert coverage.rules == ("absence", "admission", "rattrapage", "sinon")
        assert coverage.unreached == ()
    assert shipped.complete


def test_shipped_examples_name_their_deciding_rule(shipped: ExampleReport) -> None:
    assert all(r.expected_rule is not None and r.title for r in shipped.results)


def test_shipped_report_renders_all_green(shipped: ExampleReport) -> None:
    output = rendered(shipped)
    assert "✘" not in output
    total = len(shipped.results)
    assert f"{total} exemple(s) : {total} réussi(s), 0 échoué(s)" in output
    assert "apprentissage : chaque règle est atteinte par au moins un exemple" in output


# --- failures --------------------------------------------------------------------------------
WRONG = """
exemple faux "Moyenne 9 déclarée admise à tort"
  regime apprentissage notes U1 9, U4 9
  attendu admis par admission
"""


def test_wrong_example_fails_with_actual_and_expected() -> None:
    report = report_of(WRONG)
    (result,) = report.results
    assert not result.passed and not report.ok
    assert (result.expected_outcome, result.expected_rule) == ("admis", "admission")
    assert (result.actual_outcome, result.actual_rule) == ("rattrapage", "rattrapage")
    assert result.error is None and result.decision is not None
    assert result.line == SMALL.count("\n") + 2
    assert report.failures == (result,)


def test_right_outcome_by_the_wrong_rule_fails() -> None:
    report = report_of(
        'exemple absent "Absent" regime apprentissage notes U1 ABS, U4 15 attendu ajourne par sinon'
    )
    (result,) = report.results
    assert result.actual_outcome == "ajourne" and result.actual_rule == "absence"
    assert not result.passed


def test_expected_outcome_alone_accepts_any_rule() -> None:
    report = report_of(
        'exemple absent "Absent" regime apprentissage notes U1 ABS, U4 15 attendu ajourne'
    )
    assert report.results[0].passed


def test_ungradable_example_reports_its_error_not_a_crash() -> None:
    report = report_of(
        'exemple dispense_pro "DISP sur une unité professionnelle"'
        " regime apprentissage notes U1 12, U4 DISP attendu admis"
    )
    (result,) = report.results
    assert not result.passed and result.decision is None
    assert result.error is not None
    assert (result.error.code, result.error.field) == ("C008", "U4")
    assert result.actual_outcome is None
    output = rendered(report)
    assert "✘ dispense_pro (apprentissage) : attendu admis, obtenu erreur C008 (U4)" in output
    assert f"[C008] U4 : {result.error.message}" in " ".join(output.split())


def test_incomplete_parts_report_the_missing_part() -> None:
    report = report_of(
        'exemple une_situation "Une seule situation"'
        " regime apprentissage notes U1 12, U4.S1 12 attendu admis"
    )
    error = report.results[0].error
    assert error is not None and (error.code, error.field) == ("C010", "U4.S2")


# --- coverage --------------------------------------------------------------------------------
def test_coverage_lists_rules_no_example_reaches() -> None:
    report = report_of(
        'exemple bon "Bon" regime apprentissage notes U1 12, U4 12 attendu admis par admission'
    )
    (coverage,) = report.coverage
    assert coverage.rules == ("absence", "admission", "rattrapage", "sinon")
    assert coverage.unreached == ("absence", "rattrapage", "sinon")
    assert report.ok and not report.complete
    output = rendered(report)
    assert (
        "apprentissage : règles jamais atteintes par un exemple : absence, rattrapage, sinon"
        in output
    )


def test_a_failing_decision_still_counts_for_coverage() -> None:
    report = report_of(WRONG)
    assert report.coverage[0].unreached == ("absence", "admission", "sinon")


def test_no_examples_reaches_no_rule() -> None:
    report = report_of("")
    assert report.results == () and report.ok
    assert report.coverage[0].unreached == report.coverage[0].rules
    assert "0 exemple(s) : 0 réussi(s), 0 échoué(s)" in rendered(report)


# --- rendering -------------------------------------------------------------------------------
def test_render_shows_the_failure_line_and_its_trace() -> None:
    report = report_of(
        WRONG
        + 'exemple bon "Bon" regime apprentissage notes U1 12, U4 12 attendu admis par admission'
    )
    output = rendered(report)
    line = report.results[0].line
    assert (
        f"✘ faux (apprentissage) : attendu admis par admission, "
        f"obtenu rattrapage par rattrapage — l. {line}"
    ) in output
    assert "✔ bon (apprentissage) : attendu admis par admission" in output
    assert f"Échec de l'exemple faux — essai.reg:{line}" in output
    assert "Moyenne 9 déclarée admise à tort" in output
    # the trace of the failing decision, and only of it
    assert "Candidat faux — régime apprentissage" in output
    assert "Décision : Rattrapage (rattrapage)" in output
    assert "Règles examinées, dans l'ordre" in output
    assert "Candidat bon" not in output
    assert "2 exemple(s) : 1 réussi(s), 1 échoué(s)" in output


# --- several files ---------------------------------------------------------------------------
def test_run_files_reports_each_file_or_its_diagnostics(tmp_path: Path, ndrc_path: Path) -> None:
    broken = tmp_path / "casse.reg"
    broken.write_text(SMALL + 'exemple x "X" regime inconnu notes U1 10 attendu admis', "utf-8")
    (first, report), (second, error) = run_files([ndrc_path, broken])
    assert first == ndrc_path and isinstance(report, ExampleReport) and report.ok
    assert second == broken and isinstance(error, RegulationError)
