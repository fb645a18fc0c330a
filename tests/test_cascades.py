"""One mistake, one diagnostic: the shipped regulations, copied with one mistake.

Each mistake used to bury its one error under dozens that stem from it (the
counts are in the comments); the checker now reports the root cause only, and
still reports every mistake that does not stem from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ndrc_rules.language.frontend import compile_source
from ndrc_rules.language.source import SourceFile

REGULATIONS = Path(__file__).resolve().parent.parent / "regulations"
DIPLOMAS = ["bts_ndrc.reg", "bts_communication.reg", "bts_ag_pme_pmi.reg"]
IMPORT = ('importe "bts_national.reg"', 'importe "bts_nationale.reg"')


def _model_default() -> str:
    """The national model's own `sinon` statement, its citation included."""
    text = (REGULATIONS / "bts_national.reg").read_text("utf-8")
    start = text.index("\n  sinon ajourne\n") + 1
    return text[start : text.index("\n\n", start) + 1]


NO_DEFAULT = (_model_default(), "")
U6_AS_U5 = (
    '    unite U6 "Relation client et animation',
    '    unite U5 "Relation client et animation',
)


def copy_with(tmp_path: Path, diploma: str, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """The diploma and the national base copied into `tmp_path`, each file edited."""
    for name in ("bts_national.reg", diploma):
        text = (REGULATIONS / name).read_text("utf-8")
        for old, new in edits.get(name, []):
            assert text.count(old) == 1, f"{old!r} in {name}"
            text = text.replace(old, new)
        (tmp_path / name).write_text(text, "utf-8")
    return tmp_path / diploma


def reported(path: Path) -> list[tuple[str, str, int]]:
    program, diagnostics = compile_source(SourceFile.read(path))
    assert program is None
    return [(d.code, Path(d.span.file).name, d.span.line) for d in diagnostics]


def line_of(path: Path, needle: str) -> int:
    return path.read_text("utf-8")[: path.read_text("utf-8").index(needle)].count("\n") + 1


@pytest.mark.parametrize("diploma", DIPLOMAS)
def test_a_misspelt_import_is_one_error(tmp_path: Path, diploma: str) -> None:
    # bts_ndrc.reg: 38 errors before (every outcome, `bts`, `sinon`, `admission`…).
    path = copy_with(tmp_path, diploma, {diploma: [IMPORT]})
    assert reported(path) == [("E136", diploma, line_of(path, IMPORT[1]))]


def test_a_misspelt_base_regime_is_one_error(tmp_path: Path) -> None:
    # 45 errors before: every unit, rule and `sinon` of the derived regime's examples.
    edit = ("reprend apprentissage", "reprend aprentissage")
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [edit]})
    assert reported(path) == [("E104", "bts_ndrc.reg", line_of(path, edit[1]))]


def test_a_duplicate_unit_is_one_error_naming_the_code_left_undeclared(tmp_path: Path) -> None:
    # 21 errors before: `forme U6` and every U6 grade of the examples.
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [U6_AS_U5]})
    (duplicate,) = compile_source(SourceFile.read(path))[1]
    assert (duplicate.code, duplicate.span.line) == ("E102", line_of(path, U6_AS_U5[1]))
    assert duplicate.hint is not None and duplicate.hint.args == {"name": "U6"}


@pytest.mark.parametrize("diploma", DIPLOMAS)
def test_a_model_without_default_is_one_error_at_the_model(tmp_path: Path, diploma: str) -> None:
    # bts_ndrc.reg: 8 errors before (E109 in each regime, each `par sinon` example).
    path = copy_with(tmp_path, diploma, {"bts_national.reg": [NO_DEFAULT]})
    model = line_of(tmp_path / "bts_national.reg", "modele bts")
    assert reported(path) == [("E109", "bts_national.reg", model)]


def test_a_failed_import_hides_no_independent_mistake(tmp_path: Path) -> None:
    zero = ("coefficient 5\n      : CCF 2 situations", "coefficient 0\n      : CCF 2 situations")
    typo = (
        'unite U3 "Culture économique, juridique et managériale" coefficient 3',
        'unite U3 "Culture économique, juridique et managériale" coefficent 3',
    )
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [IMPORT, zero, typo]})
    assert reported(path) == [
        ("E001", "bts_ndrc.reg", line_of(path, "coefficent 3")),
        ("E136", "bts_ndrc.reg", line_of(path, IMPORT[1])),
        ("E106", "bts_ndrc.reg", line_of(path, "coefficient 0")),
    ]


def test_a_duplicate_unit_hides_no_other_unknown_unit(tmp_path: Path) -> None:
    # U6 stems from the duplicate; U9, in another example, is a mistake of its own.
    typo = (
        "notes U1 14, U2 14, U3 14, U4 9, U5 9, U6 9\n  attendu admis",
        "notes U1 14, U2 14, U3 14, U4 9, U5 9, U9 9\n  attendu admis",
    )
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [U6_AS_U5, typo]})
    assert [code for code, _, _ in reported(path)] == ["E102", "E101"]


def test_an_orphan_regime_still_reports_its_own_mistakes(tmp_path: Path) -> None:
    base = ("reprend apprentissage", "reprend aprentissage")
    form = ("forme U6 : EPFF orale 40min", "forme U6 : EPFF chantee 40min")
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [base, form]})
    assert [code for code, _, _ in reported(path)] == ["E104", "E116"]


@pytest.mark.parametrize("diploma", DIPLOMAS)
def test_the_shipped_regulations_copied_unedited_are_valid(tmp_path: Path, diploma: str) -> None:
    program, diagnostics = compile_source(SourceFile.read(copy_with(tmp_path, diploma, {})))
    assert program is not None, diagnostics


def test_a_unit_never_declared_is_one_error_at_its_first_use(tmp_path: Path) -> None:
    # 20 errors before: `forme U6`, then U6 (or U6.S1, U6.S2) in every example.
    declaration = '    unite U6 "Relation client et animation de réseaux" coefficient 3\n'
    edit = (declaration + "      : CCF 2 situations\n", "")
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [edit]})
    assert reported(path) == [("E105", "bts_ndrc.reg", line_of(path, "forme U6"))]


def test_each_misspelt_keyword_value_is_its_own_error(tmp_path: Path) -> None:
    # A fixed vocabulary (the EPFF forms) declares nothing: each typo is reported.
    edits = [
        ("forme U4 : EPFF orale 1h", "forme U4 : EPFF oarle 1h"),
        ("forme U6 : EPFF orale 40min", "forme U6 : EPFF oarle 40min"),
    ]
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": edits})
    assert [code for code, _, _ in reported(path)] == ["E116", "E116"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # 8 errors before: the rule `admission` it damages, in every regime reusing it.
        (
            '"Admission"\n    si moyenne_generale >= 10',
            '"Admission"\n    si moyenne_generale => 10',
        ),
        # 3 errors before: the figure `moyenne_pro` it damages, wherever it is used.
        ("  chiffre moyenne_pro ", "  chifre moyenne_pro "),
    ],
)
def test_a_syntax_error_in_the_base_is_one_error(tmp_path: Path, old: str, new: str) -> None:
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_national.reg": [(old, new)]})
    base = tmp_path / "bts_national.reg"
    assert reported(path) == [("E001", "bts_national.reg", line_of(base, new.split("\n")[-1]))]


def test_a_duplicate_regime_is_one_error_naming_the_regime_left_undeclared(tmp_path: Path) -> None:
    # 7 errors before: every example of the regime the copied header should have named.
    edit = ("regime professionnalisation ", "regime apprentissage ")
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [edit]})
    (duplicate,) = compile_source(SourceFile.read(path))[1]
    assert (duplicate.code, duplicate.span.line) == (
        "E102",
        line_of(REGULATIONS / "bts_ndrc.reg", edit[0]),
    )
    assert duplicate.hint is not None and duplicate.hint.args == {"name": "professionnalisation"}


def test_a_forgotten_import_is_the_unknown_base_and_one_outcome(tmp_path: Path) -> None:
    # 37 errors before: `bts`, and every outcome at every use.
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [(IMPORT[0] + "\n", "")]})
    diagnostics = compile_source(SourceFile.read(path))[1]
    assert [d.code for d in diagnostics] == ["E104", "E103"]
    assert diagnostics[1].hint is not None and diagnostics[1].hint.key == "hint.no_outcome"


@pytest.mark.parametrize(
    ("edit", "code", "needle"),
    [
        # 48 errors before: no units, no `sinon`, each `forme`, every example.
        (("  reprend apprentissage\n", ""), "E120", "forme U4"),
        # 19 errors before: the restated rules, the figures, every `par sinon` example.
        (("  reprend bts\n", ""), "E113", "regle admission\n"),
    ],
)
def test_a_forgotten_reprend_is_one_error(
    tmp_path: Path, edit: tuple[str, str], code: str, needle: str
) -> None:
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [edit]})
    assert reported(path) == [(code, "bts_ndrc.reg", line_of(path, needle))]


def test_a_model_rule_without_condition_is_one_error(tmp_path: Path) -> None:
    # 8 errors before: each regime restating `admission`, each `par admission` example.
    edit = ('"Admission"\n    si moyenne_generale >= 10 alors admis\n', '"Admission"\n')
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_national.reg": [edit]})
    base = tmp_path / "bts_national.reg"
    assert reported(path) == [("E113", "bts_national.reg", line_of(base, "regle admission"))]


def test_a_duplicate_unit_is_not_taken_for_an_unknown_figure(tmp_path: Path) -> None:
    # `moyene_pro` is no unit code like `U5`: a mistake of its own, and U6 is still
    # the code the duplicate was meant to have.
    typo = ("       et moyenne_pro > 10", "       et moyene_pro > 10")
    form = ("  forme U6 : EPFF orale 40min\n", "")  # met first otherwise
    path = copy_with(tmp_path, "bts_ndrc.reg", {"bts_ndrc.reg": [U6_AS_U5, typo, form]})
    diagnostics = compile_source(SourceFile.read(path))[1]
    assert [(d.code, d.args["name"]) for d in diagnostics] == [
        ("E102", "U5"),
        ("E101", "moyene_pro"),
    ]
    assert diagnostics[0].hint is not None and diagnostics[0].hint.args == {"name": "U6"}
