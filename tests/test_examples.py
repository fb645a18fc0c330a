"""Examples written in a regulation (`exemple …`): replayed, compared, covered, rendered."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

import ndrc_rules
from ndrc_rules.api import RegulationError
from ndrc_rules.cli import main
from ndrc_rules.cli.test import examples_report
from ndrc_rules.examples import ExampleReport, run_examples, run_files

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


def test_shipped_examples_reach_every_rule_after_the_resit_too(shipped: ExampleReport) -> None:
    for coverage in shipped.coverage:
        assert coverage.resit_rules == ("absence", "admission", "sinon")
        assert coverage.resit_unreached == ()
    after = {r.name for r in shipped.results if r.expected_after_resit}
    assert {"app_controle_admis", "prof_controle_absence"} <= after
    assert all(r.actual_after_resit for r in shipped.results if r.name in after)


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


# --- the whole exam: resit, kept grades, session, jury ----------------------------------------
# A regime with a phase after the resit and kept grades, the examples appended per test.
WHOLE = """
diplome TEST "Diplôme d'essai"
resultat admis "Admis"
resultat rattrapage "Rattrapage"
resultat ajourne "Ajourné"
regime apprentissage
  benefice des notes >= 10 pendant 5 ans
  groupe professionnel
    unite U4 coefficient 2
  groupe general dispensable
    unite U1 coefficient 1
    unite U2.1 coefficient 1
  chiffre note = moyenne de professionnel, general
  regle absence si ABS dans professionnel, general alors ajourne
  regle admission si note >= 10 alors admis
  regle rattrapage si note >= 8 alors rattrapage (choix de 1 unites parmi general)
  sinon ajourne
  apres controle
    regle absence si ABS dans professionnel, general alors ajourne
    regle admission si note >= 10 alors admis
    sinon ajourne
"""


def whole_report(examples: str) -> ExampleReport:
    return run_examples(ndrc_rules.loads(WHOLE + examples, "essai.reg"))


def test_an_example_takes_resit_grades_and_asserts_the_phase_that_decided() -> None:
    # (2 × 9 + 8 + 8)/4 = 8,5: resit; U1 12 at the resit: (18 + 12 + 8)/4 = 9,5.
    report = whole_report(
        'exemple echec "Rattrapage insuffisant" regime apprentissage\n'
        "  notes U4 9, U1 8, U2.1 8, U1.rattrapage 12\n"
        "  attendu ajourne par sinon apres controle\n"
        'exemple reussi "Rattrapage réussi" regime apprentissage\n'
        "  notes U4 9, U1 8, U2.1 8, U2.1.rattrapage 16\n"
        "  attendu admis par admission apres controle\n"
    )
    assert [r.passed for r in report.results] == [True, True]
    assert all(r.expected_after_resit and r.actual_after_resit for r in report.results)
    output = rendered(report)
    assert (
        "✔ reussi (apprentissage) : attendu admis par admission après contrôle, "
        "obtenu admis par admission après contrôle"
    ) in output


def test_an_example_decided_after_the_resit_fails_when_it_expects_the_first_phase() -> None:
    report = whole_report(
        'exemple sans_phase "Phase non dite" regime apprentissage\n'
        "  notes U4 9, U1 8, U2.1 8, U2.1.rattrapage 16 attendu admis par admission\n"
        'exemple sans_controle "Pas de rattrapage" regime apprentissage\n'
        "  notes U4 10, U1 10, U2.1 10 attendu admis par admission apres controle\n"
    )
    assert [r.passed for r in report.results] == [False, False]
    output = rendered(report)
    assert "attendu admis par admission, obtenu admis par admission après contrôle" in output
    assert "attendu admis par admission après contrôle, obtenu admis par admission —" in output


def test_an_example_takes_the_session_kept_grades_and_the_jury() -> None:
    report = whole_report(
        'exemple conservee "U1 conservée" regime apprentissage\n'
        "  notes session 2026, U4 10, U1 12, U1.acquis 2023, U2.1 10\n"
        "  attendu admis par admission\n"
        'exemple perimee "U1 obtenue il y a 6 ans" regime apprentissage\n'
        "  notes session 2026, U4 10, U1 12, U1.acquis 2020, U2.1 10 attendu admis\n"
        'exemple jury "Admis par le jury" regime apprentissage\n'
        '  notes U4 8, U1 8, U2.1 8, jury admis, jury_motif "Progrès constatés"\n'
        "  attendu admis par jury\n"
    )
    kept, expired, jury = report.results
    assert kept.passed and jury.passed
    assert kept.decision is not None and kept.decision.trace is not None
    assert kept.decision.trace.units[1].kept_from == 2023
    assert expired.error is not None and expired.error.code == "C023"
    assert jury.decision is not None and jury.decision.jury is not None
    assert jury.decision.jury.reason == "Progrès constatés"


def test_coverage_counts_the_rules_after_the_resit() -> None:
    report = whole_report(
        'exemple reussi "Rattrapage réussi" regime apprentissage\n'
        "  notes U4 9, U1 8, U2.1 8, U1.rattrapage 20 attendu admis apres controle\n"
        'exemple absent "Absent" regime apprentissage notes U4 9, U1 ABS, U2.1 8 attendu ajourne\n'
        'exemple bon "Bon" regime apprentissage notes U4 19, U1 1, U2.1 1 attendu admis\n'
        'exemple mauvais "Mauvais" regime apprentissage notes U4 1, U1 1, U2.1 1 attendu ajourne\n'
        'exemple jury "Jury" regime apprentissage\n'
        '  notes U4 1, U1 1, U2.1 1, jury admis, jury_motif "Raison" attendu admis par jury\n'
    )
    (coverage,) = report.coverage
    # the resit candidate reached `rattrapage` before the resit; the jury's, `sinon`
    assert coverage.unreached == ()
    assert coverage.resit_rules == ("absence", "admission", "sinon")
    assert coverage.resit_unreached == ("absence", "sinon")
    assert report.ok and not report.complete
    output = rendered(report)
    assert (
        "apprentissage : règles jamais atteintes par un exemple : "
        "absence après contrôle, sinon après contrôle"
    ) in output


def test_test_complete_fails_until_the_rules_after_the_resit_are_reached(tmp_path: Path) -> None:
    examples = (
        'exemple a "A" regime apprentissage notes U4 9, U1 ABS, U2.1 8 attendu ajourne\n'
        'exemple b "B" regime apprentissage notes U4 19, U1 1, U2.1 1 attendu admis\n'
        'exemple c "C" regime apprentissage notes U4 1, U1 1, U2.1 1 attendu ajourne\n'
        'exemple d "D" regime apprentissage notes U4 9, U1 8, U2.1 8 attendu rattrapage\n'
    )
    resit = (
        'exemple e "E" regime apprentissage notes U4 9, U1 8, U2.1 8, U1.rattrapage ABS\n'
        "  attendu ajourne par absence apres controle\n"
        'exemple f "F" regime apprentissage notes U4 9, U1 8, U2.1 8, U1.rattrapage 20\n'
        "  attendu admis par admission apres controle\n"
        'exemple g "G" regime apprentissage notes U4 9, U1 8, U2.1 8, U1.rattrapage 9\n'
        "  attendu ajourne par sinon apres controle\n"
    )
    path = tmp_path / "essai.reg"
    path.write_text(WHOLE + examples, "utf-8")
    assert main(["test", "--complete", str(path)]) == 4
    path.write_text(WHOLE + examples + resit, "utf-8")
    assert main(["test", "--complete", str(path)]) == 0


@pytest.mark.parametrize(
    ("grades", "code", "where"),
    [
        ("U4 10, U1 10, U2.1 10, U9.rattrapage 12", "E101", "U9.rattrapage"),
        ("U4 10, U1 10, U2.1 10, session 26", "E150", "session 26"),
        ("U4 10, U1 10, U2.1 10, U1.acquis 12,5", "E150", "U1.acquis 12,5"),
        ("U4 10, U1 10, U2.1 10, jury admis, jury_motif admis", "E150", "jury_motif admis"),
        ('U4 10, U1 10, U2.1 10, jury "admis", jury_motif "x"', "E150", 'jury "admis"'),
        ('U4 10, U1 10, U2.1 10, jury recu, jury_motif "x"', "E103", "jury recu"),
        ('U4 10, U1 "10", U2.1 10', "E130", 'U1 "10"'),
        ("U4 10, U1 10, U2.1 10, U1.rattrapage 21", "E130", "U1.rattrapage 21"),
    ],
)
def test_example_columns_are_checked_like_a_candidate_file(
    grades: str, code: str, where: str
) -> None:
    text_ = WHOLE + f'exemple x "X" regime apprentissage notes {grades} attendu admis\n'
    with pytest.raises(RegulationError) as caught:
        ndrc_rules.loads(text_, "essai.reg")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == code
    line = text_.splitlines()[diagnostic.span.line - 1]
    assert line[diagnostic.span.column - 1 : diagnostic.span.end_column - 1] == where


def codes_of(text_: str) -> list[str]:
    with pytest.raises(RegulationError) as caught:
        ndrc_rules.loads(text_, "essai.reg")
    return [d.code for d in caught.value.diagnostics]


def test_the_rules_after_the_resit_are_named_from_that_phase() -> None:
    expects = " attendu {} apres controle\n"
    small = 'exemple x "X" regime apprentissage notes U1 10, U4 10'
    assert codes_of(SMALL + small + expects.format("admis par admission")) == ["E151"]
    whole = 'exemple x "X" regime apprentissage notes U4 10, U1 10, U2.1 10'
    assert codes_of(WHOLE + whole + expects.format("rattrapage par rattrapage")) == ["E101"]
