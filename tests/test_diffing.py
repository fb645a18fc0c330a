"""Comparing two versions of a regulation over a cohort: who changes, through which rule."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console

from ndrc_rules import Regulation, load, loads
from ndrc_rules.cli.diff import diff_headline, diff_report
from ndrc_rules.diffing import (
    ADDED,
    AFTER_RESIT,
    INITIAL,
    REMOVED,
    Change,
    DiffGroup,
    DiffReport,
    Verdict,
    compare,
    read_both,
)
from ndrc_rules.io.candidates import Candidate, RowError, candidate_from_mapping

# A small regulation written here, so that these tests do not depend on the shipped one.
MINI = """diplome T "Diplôme d'essai"

resultat admis      "Admis"
resultat rattrapage "Éligible au rattrapage"
resultat ajourne    "Ajourné"

regime initial "Formation initiale"
  groupe pro "Professionnel"
    unite P1 "Pro" coefficient 2
  groupe gen "Général" dispensable
    unite G1 "Général 1" coefficient 1
    unite G2 "Général 2" coefficient 1
  chiffre moy = moyenne de pro, gen
  regle absence
    si ABS dans pro, gen alors ajourne
  regle admission
    si moy >= 10 alors admis
  regle rattrapage
    si moy entre 8 inclus et 10 exclu
    alors rattrapage (choix de 1 unites parmi gen)
  sinon ajourne

  apres controle
    regle admission
      si moy >= 10 alors admis
    sinon ajourne
"""


# --- helpers -------------------------------------------------------------------------
def edited(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def after_resit_edited(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced only in the part after `apres controle`."""
    head, marker, tail = text.partition("apres controle")
    assert old in tail, old
    return head + marker + tail.replace(old, new)


def mini(*edits: tuple[str, str], path: str = "mini.reg") -> Regulation:
    return loads(edited(MINI, *edits), path)


def cohort(*rows: dict[str, object]) -> list[Candidate | RowError]:
    return [candidate_from_mapping(number, row) for number, row in enumerate(rows, start=2)]


def candidate(id_: str, regime: str = "initial", **grades: object) -> dict[str, object]:
    return {"id": id_, "regime": regime, **{k.replace("_", "."): v for k, v in grades.items()}}


def copied(folder: Path, regulations: Path) -> Path:
    """The shipped regulations copied into `folder` (imports included); the NDRC file."""
    for source in regulations.glob("*.reg"):
        shutil.copy(source, folder / source.name)
    return folder / "bts_ndrc.reg"


def variant(folder: Path, regulations: Path, *edits: tuple[str, str]) -> Regulation:
    """A copy of the shipped regulations, each edit applied in every file that holds it
    (a rule may live in the regulation itself or in a file it imports)."""
    main = copied(folder, regulations)
    for old, new in edits:
        holders = [p for p in folder.glob("*.reg") if old in p.read_text("utf-8")]
        assert holders, old
        for path in holders:
            path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
    return load(main)


def ids(items: Iterable[object]) -> set[str]:
    return {item.id for item in items}  # type: ignore[attr-defined]


def group_ids(report: DiffReport) -> dict[tuple[str, str], set[str]]:
    """Changed candidates by (old deciding rule, new deciding rule)."""
    found: dict[tuple[str, str], set[str]] = {}
    for change in report.changed:
        found.setdefault((change.old.step.rule, change.new.step.rule), set()).add(change.id)
    return found


def group(report: DiffReport, old_rule: str, new_rule: str) -> DiffGroup:
    (found,) = [g for g in report.groups if (g.old.rule, g.new.rule) == (old_rule, new_rule)]
    return found


def shown(report: DiffReport, width: int = 250) -> str:
    console = Console(record=True, width=width, highlight=False)
    console.print(diff_report(report))
    return console.export_text()


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRC_LANG", "fr")


@pytest.fixture(scope="module")
def shipped(ndrc_path: Path) -> Regulation:
    return load(ndrc_path)


@pytest.fixture(scope="module")
def cohort_csv(root: Path) -> Path:
    return root / "examples" / "candidats_ndrc.csv"


@pytest.fixture(scope="module")
def cohort_size(cohort_csv: Path) -> int:
    return len(cohort_csv.read_text("utf-8").strip().splitlines()) - 1


# --- the shipped regulation over the example cohort ----------------------------------------
def test_resit_threshold_raised_to_8_5(
    tmp_path: Path, ndrc_path: Path, shipped: Regulation, cohort_csv: Path, cohort_size: int
) -> None:
    new = variant(
        tmp_path, ndrc_path.parent, ("entre 8 inclus et 10 exclu", "entre 8,5 inclus et 10 exclu")
    )
    report = compare(shipped, new, read_both(shipped, new, cohort_csv))

    assert group_ids(report) == {("rattrapage", "sinon"): {"2026-NDRC-0006", "2026-NDRC-0007"}}
    (moved,) = report.groups
    assert (moved.old.outcome, moved.new.outcome) == ("rattrapage", "ajourne")
    assert moved.count == 2
    assert dict(moved.regimes) == {"apprentissage": 1, "professionnalisation": 1}
    (change,) = moved.changes
    assert (change.kind, change.name, change.aspect) == ("rule", "rattrapage", "condition")
    assert change.old is not None and change.new is not None
    assert change.old.startswith("moyenne_generale entre 8 inclus et 10 exclu et moyenne_pro")
    assert change.new.startswith("moyenne_generale entre 8,5 inclus et 10 exclu et moyenne_pro")
    assert set(change.regimes) == {"apprentissage", "professionnalisation"}
    assert report.changes == [change]
    assert (report.rows, report.decided, report.unchanged) == (
        cohort_size,
        cohort_size,
        cohort_size - 2,
    )
    assert report.rule_only == [] and report.errors == []
    figures = {f.name: (f.old, f.new) for f in report.changed[0].figures}
    assert figures["moyenne_generale"] == ("8.00", "8.00")
    assert "moyenne_pro" in figures


def test_admission_raised_to_10_5(
    tmp_path: Path, ndrc_path: Path, shipped: Regulation, cohort_csv: Path
) -> None:
    new = variant(
        tmp_path,
        ndrc_path.parent,
        ("si moyenne_generale >= 10 alors admis", "si moyenne_generale >= 10,5 alors admis"),
        ("entre 8 inclus et 10 exclu", "entre 8 inclus et 10,5 exclu"),
    )
    report = compare(shipped, new, read_both(shipped, new, cohort_csv))

    prefix = "2026-NDRC-00"
    assert group_ids(report) == {
        ("admission", "rattrapage"): {prefix + n for n in ("05", "08", "09", "16", "25", "29")},
        ("admission", "sinon"): {prefix + "04", prefix + "24"},
    }
    assert [g.count for g in report.groups] == [6, 2]  # largest first
    to_resit = group(report, "admission", "rattrapage")
    assert [(c.name, c.aspect) for c in to_resit.changes] == [
        ("admission", "condition"),
        ("rattrapage", "condition"),
    ]
    assert to_resit.changes[0].old == "moyenne_generale >= 10"
    assert to_resit.changes[0].new == "moyenne_generale >= 10,5"
    # Failing the new threshold without a professional average above 10: only the
    # admission rule explains it, the resit rule decided nobody there.
    to_fail = group(report, "admission", "sinon")
    assert [(c.kind, c.name, c.aspect) for c in to_fail.changes] == [
        ("rule", "admission", "condition")
    ]
    # Rules after the resit decided nobody here: their changes are not the cause.
    assert all(c.kind == "rule" for g in report.groups for c in g.changes)


def test_identical_regulations_change_nobody(
    shipped: Regulation, cohort_csv: Path, cohort_size: int
) -> None:
    report = compare(shipped, shipped, read_both(shipped, shipped, cohort_csv))

    assert report.changed == [] and report.groups == [] and report.rule_only == []
    assert report.errors == [] and report.changes == []
    assert report.unchanged == report.decided == report.rows == cohort_size
    assert report.same_regulation
    assert "Aucun candidat ne change de résultat" in shown(report)


def test_a_comment_changes_the_hash_but_nobody(
    tmp_path: Path, ndrc_path: Path, shipped: Regulation, cohort_csv: Path
) -> None:
    main = copied(tmp_path, ndrc_path.parent)
    main.write_text(main.read_text("utf-8") + "\n# relu\n", "utf-8")
    new = load(main)
    report = compare(shipped, new, read_both(shipped, new, cohort_csv))

    assert report.old.sha256 != report.new.sha256 and not report.same_regulation
    assert report.changed == [] and report.changes == []


def test_error_rows_of_the_example_file(
    root: Path, shipped: Regulation, tmp_path: Path, ndrc_path: Path
) -> None:
    new = variant(tmp_path, ndrc_path.parent, ("entre 8 inclus", "entre 8,5 inclus"))
    path = root / "examples" / "candidats_ndrc_erreurs.csv"
    report = compare(shipped, new, read_both(shipped, new, path))

    assert report.decided == 0 and report.rows == len(report.errors) == 6
    codes = [(e.row, e.id, e.old.code, e.new.code) for e in report.errors]  # type: ignore[union-attr]
    assert codes == [
        (2, "2026-NDRC-0012", "C001", "C001"),
        (3, "2026-NDRC-0013", "C006", "C006"),
        (4, "2026-NDRC-0041", "C008", "C008"),
        (5, "2026-NDRC-0042", "C005", "C005"),
        (6, "2026-NDRC-0043", "C002", "C002"),
        (7, "2026-NDRC-0042", "C012", "C012"),
    ]


def test_a_regime_renamed_leaves_its_candidates_in_error(
    tmp_path: Path, ndrc_path: Path, shipped: Regulation
) -> None:
    new = variant(tmp_path, ndrc_path.parent, ("apprentissage", "alternance"))
    grades = {"U1": 12, "U2": 12, "U3": 12, "U4": 12, "U5": 12, "U6": 12}
    rows = cohort(
        candidate("A", "apprentissage", **grades),
        candidate("P", "professionnalisation", **grades),
        candidate("X", "professionnalisation", **{**grades, "U1": "douze"}),
    )
    report = compare(shipped, new, rows)

    assert report.unchanged == 1 and report.changed == []
    first, second = report.errors
    assert (first.row, first.id) == (2, "A")
    assert isinstance(first.old, Verdict) and first.old.step.outcome == "admis"
    assert isinstance(first.new, RowError) and first.new.code == "C005"
    assert isinstance(second.old, RowError) and second.old.code == "C001"
    assert second.new == second.old
    regimes = [(c.name, c.aspect) for c in report.changes if c.kind == "regime"]
    assert regimes == [("apprentissage", REMOVED), ("alternance", ADDED)]
    assert "C005" in shown(report)


# --- small regulations written here --------------------------------------------------------
def test_inline_cohort_grouped_by_rule_pair() -> None:
    old = mini()
    new = mini(
        ("si moy >= 10 alors admis\n  regle", "si moy >= 11 alors admis\n  regle"),
        ("entre 8 inclus et 10 exclu", "entre 8 inclus et 11 exclu"),
    )
    rows = cohort(
        candidate("keeps", P1=12, G1=12, G2=12),  # 12: admitted by both
        candidate("to_resit", P1=10, G1=10, G2=12),  # 10.5: admitted, then resit
        candidate("to_resit_2", P1=10, G1=10, G2=10),  # 10
        candidate("absent", P1=18, G1="ABS", G2=18),  # failed by `absence` under both
        candidate("low", P1=5, G1=5, G2=5),  # failed by `sinon` under both
    )
    report = compare(old, new, rows)

    assert group_ids(report) == {("admission", "rattrapage"): {"to_resit", "to_resit_2"}}
    assert report.unchanged == 3 and report.decided == report.rows == 5
    (moved,) = report.groups
    assert moved.changes == [
        Change("rule", "admission", "condition", "moy >= 10", "moy >= 11", ("initial",)),
        Change(
            "rule",
            "rattrapage",
            "condition",
            "moy entre 8 inclus et 10 exclu",
            "moy entre 8 inclus et 11 exclu",
            ("initial",),
        ),
    ]
    figures = {c.id: [(f.name, f.old, f.new) for f in c.figures] for c in report.changed}
    assert figures == {
        "to_resit": [("moy", "10.50", "10.50")],
        "to_resit_2": [("moy", "10.00", "10.00")],
    }
    assert "admission" in [c.name for c in report.changes]
    assert all(c.kind == "rule" for c in report.changes)


def test_same_outcome_other_rule_is_counted_apart() -> None:
    old = mini()
    new = mini(("  regle absence\n    si ABS dans pro, gen alors ajourne\n", ""))
    rows = cohort(
        candidate("absent_low", P1=5, G1="ABS", G2=5),  # ajourne: absence → sinon
        candidate("absent_high", P1=18, G1="ABS", G2=18),  # (36+0+18)/4 = 13.5: admitted now
        candidate("present", P1=12, G1=12, G2=12),
    )
    report = compare(old, new, rows)

    assert group_ids(report) == {("absence", "admission"): {"absent_high"}}
    (same,) = report.rule_only
    assert (same.old.rule, same.new.rule, same.count) == ("absence", "sinon", 1)
    assert (same.old.outcome, same.new.outcome) == ("ajourne", "ajourne")
    assert [(c.name, c.aspect) for c in same.changes] == [("absence", REMOVED)]
    assert same.changes[0].old == "si ABS dans pro, gen alors ajourne"
    assert report.unchanged == 1 and report.rule_only_count == 1 and report.decided == 3
    assert "1 candidat(s) gardent leur résultat" in shown(report)


def test_reordering_exclusive_rules_changes_nobody() -> None:
    rattrapage = (
        "  regle rattrapage\n"
        "    si moy entre 8 inclus et 10 exclu\n"
        "    alors rattrapage (choix de 1 unites parmi gen)\n"
    )
    admission = "  regle admission\n    si moy >= 10 alors admis\n"
    old = mini()
    new = mini((admission + rattrapage, rattrapage + admission))
    rows = cohort(candidate("a", P1=12, G1=12, G2=12), candidate("b", P1=9, G1=9, G2=9))
    report = compare(old, new, rows)

    assert report.changed == [] and report.rule_only == [] and report.unchanged == 2
    order = [(c.name, c.old, c.new) for c in report.changes if c.aspect == "order"]
    assert order == [("admission", "2", "3"), ("rattrapage", "3", "2")]


def test_a_unit_removed_is_read_by_the_old_version(tmp_path: Path) -> None:
    old = mini()
    new = mini(('    unite G2 "Général 2" coefficient 1\n', ""))
    path = tmp_path / "cohorte.csv"
    path.write_text("id;regime;P1;G1;G2\nx;initial;10;10;4\ny;initial;12;12;12\n", "utf-8")

    report = compare(old, new, read_both(old, new, path))
    assert report.errors == []
    assert group_ids(report) == {("rattrapage", "admission"): {"x"}}  # 34/4 = 8.5, then 30/3
    (moved,) = report.groups
    assert [(c.kind, c.name, c.aspect) for c in moved.changes] == [("unit", "G2", REMOVED)]
    assert moved.changes[0].old == "groupe gen, coefficient 1, dispensable"
    assert [(f.old, f.new) for f in report.changed[0].figures] == [("8.50", "10.00")]

    # Read with the new version's columns only, the old version misses G2.
    alone = compare(old, new, new.read(path))
    assert {(e.id, e.old.code) for e in alone.errors} == {("x", "C006"), ("y", "C006")}  # type: ignore[union-attr]


def test_a_decision_after_the_resit() -> None:
    old = mini()
    new = loads(after_resit_edited(MINI, "moy >= 10", "moy >= 11"), "mini_v2.reg")
    rows = cohort(
        # 34/4 = 8.5: resit; G1 14 at the resit → 40/4 = 10
        candidate("resit", P1=9, G1=8, G2=8, G1_rattrapage=14),
        candidate("no_resit", P1=10, G1=10, G2=10),
    )
    report = compare(old, new, rows)

    (change,) = report.changed
    assert change.id == "resit"
    assert change.old.step.phase == change.new.step.phase == AFTER_RESIT
    assert change.old.initial_rule == change.new.initial_rule == "rattrapage"
    (moved,) = report.groups
    assert (moved.old.rule, moved.old.outcome) == ("admission", "admis")
    assert (moved.new.rule, moved.new.outcome) == ("sinon", "ajourne")
    assert [(c.kind, c.name, c.old, c.new) for c in moved.changes] == [
        ("resit_rule", "admission", "moy >= 10", "moy >= 11")
    ]
    assert report.unchanged == 1
    assert "admission, après le rattrapage" in shown(report)
    doc = report.as_json()
    assert doc["groups"][0]["old"]["phase"] == AFTER_RESIT  # type: ignore[index]
    assert doc["changed"][0]["old"]["initial_rule"] == "rattrapage"  # type: ignore[index]


def test_initial_phase_recorded() -> None:
    old, new = (
        mini(),
        mini(("si moy >= 10 alors admis\n  regle", "si moy >= 9 alors admis\n  regle")),
    )
    report = compare(old, new, cohort(candidate("a", P1=9, G1=9, G2=9)))
    (change,) = report.changed
    assert change.old.step.phase == change.new.step.phase == INITIAL
    assert change.new.path == ("admission", None)


# --- output -----------------------------------------------------------------------------------
def test_json_is_serialisable_and_counts(tmp_path: Path) -> None:
    old = mini()
    new = mini(("si moy >= 10 alors admis\n  regle", "si moy >= 11 alors admis\n  regle"))
    rows = cohort(
        candidate("a", P1=10, G1=10, G2=12),
        candidate("b", P1=15, G1=15, G2=15),
        candidate("c", P1=10, G1=10),  # G2 missing
        {"id": "", "regime": "initial"},
    )
    report = compare(old, new, rows)
    doc = json.loads(json.dumps(report.as_json(), ensure_ascii=False))

    assert set(doc) == {
        "old",
        "new",
        "regimes",
        "summary",
        "groups",
        "rule_only",
        "changed",
        "errors",
        "changes",
    }
    assert doc["summary"] == {
        "rows": 4,
        "decided": 2,
        "unchanged": 1,
        "changed": 1,
        "rule_only": 0,
        "errors": 2,
    }
    assert doc["old"]["path"] == "mini.reg" and len(doc["old"]["sha256"]) == 64
    assert doc["old"]["sha256"] != doc["new"]["sha256"]
    assert doc["regimes"] == ["initial"]
    (moved,) = doc["groups"]
    assert moved["count"] == 1 and moved["regimes"] == {"initial": 1}
    assert moved["old"] == {
        "rule": "admission",
        "phase": INITIAL,
        "outcome": "admis",
        "label": "Admis",
    }
    assert moved["changes"][0]["old"] == "moy >= 10"
    assert doc["changed"][0]["figures"] == {"moy": {"old": "10.50", "new": "10.50"}}
    assert [e["old"]["error"]["code"] for e in doc["errors"]] == ["C006", "C003"]


def test_rendered_report_reads_like_the_headline(monkeypatch: pytest.MonkeyPatch) -> None:
    old = mini()
    new = mini(("entre 8 inclus", "entre 8,5 inclus"))
    rows = cohort(candidate("huit", P1=8, G1=8, G2=8), candidate("dix", P1=10, G1=10, G2=10))
    report = compare(old, new, rows)
    out = shown(report)

    assert "1 candidat(s) changent de résultat, sur 2 décidé(s)" in out
    assert (
        "1 : Éligible au rattrapage (rattrapage) → Ajourné (sinon), via la règle rattrapage" in out
    )
    assert "« moy entre 8 inclus et 10 exclu » → « moy entre 8,5 inclus et 10 exclu »" in out
    assert "huit" in out and "8,00" in out and "8.00" not in out  # numbers for people
    assert "Avant : mini.reg — SHA-256" in out
    assert diff_headline(report)[0].startswith("1 candidat(s) changent")

    monkeypatch.setenv("NDRC_LANG", "en")
    english = shown(report)
    assert "1 candidate(s) change outcome, out of 2 decided by both versions" in english
    assert "rule rattrapage (condition: “moy entre 8 inclus et 10 exclu”" in english


def test_two_different_diplomas_are_refused_up_front(capsys: pytest.CaptureFixture[str]) -> None:
    """`diff` NDRC against Communication: every row would be an error; it stops, exit 2."""
    from ndrc_rules.cli import main
    from ndrc_rules.common.errors import UsageError

    root = Path(__file__).resolve().parent.parent
    ndrc, communication = (root / "regulations" / f"bts_{n}.reg" for n in ("ndrc", "communication"))
    cohort = root / "examples" / "candidats_ndrc.csv"
    for format_ in ("table", "json"):
        assert main(["diff", str(ndrc), str(communication), str(cohort), "--format", format_]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        message = " ".join(err.split())
        assert "`diff` compare deux versions d'un même diplôme" in message
        assert f"{ndrc} est du diplôme `BTS_NDRC`" in message
        assert f"{communication} du diplôme `BTS_COMMUNICATION`" in message
    with pytest.raises(UsageError) as caught:
        compare(load(ndrc), load(communication), [])
    assert caught.value.code == "F020"
