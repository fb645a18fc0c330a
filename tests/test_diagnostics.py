"""Broken regulations: each yields a RegulationError with coded, located diagnostics.

Each broken text is a one-place edit of a valid regulation; tests assert the
code, the position and the data of a diagnostic, never its French prose.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ndrc_rules.api import RegulationError, loads
from ndrc_rules.common.messages import FRENCH, text
from ndrc_rules.language.diagnostics import Diagnostic, Hint
from ndrc_rules.language.source import SourceFile

VALID = """\
diplome BTS_TEST "BTS de test"
resultat admis "Admis"
resultat ajourne "Ajourné"

regime initial "Formation initiale"
  groupe pro "Unités professionnelles"
    unite U1 "Unité un" coefficient 2 : CCF 2 situations
    unite U2 "Unité deux" coefficient 3 : EPFF ecrite 3h
  groupe gen "Unités générales" dispensable
    unite U3 "Unité trois" coefficient 1 : EPFF orale 30min
  chiffre moyenne_pro = moyenne de pro
  chiffre moyenne_generale = total de pro, gen / coefficients de pro, gen
  regle absence "Absence"
    si ABS dans pro, gen alors ajourne
  regle admission "Admission"
    si moyenne_generale >= 10 alors admis
  sinon ajourne

regime alternance "Alternance" reprend initial
  forme U1 : EPFF orale 1h
  regle admission sauf si moyenne_pro < 10
"""


# --- helpers ----------------------------------------------------------------------


def mutate(source: str, old: str, new: str) -> str:
    """`source` with its single occurrence of `old` replaced by `new`."""
    assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
    return source.replace(old, new)


def position(source: str, needle: str, within: str = "") -> tuple[int, int]:
    """1-based (line, column) of `needle`, searched inside the first `within` if given."""
    start = source.index(within) if within else 0
    index = source.index(needle, start)
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


def failure(source: str, path: str = "<texte>") -> RegulationError:
    """The RegulationError `source` raises (any other exception fails the test)."""
    with pytest.raises(RegulationError) as caught:
        loads(source, path)
    error = caught.value
    assert error.diagnostics, "a RegulationError always carries diagnostics"
    rendered = error.render()  # renders every diagnostic without raising
    assert "Traceback" not in rendered
    return error


def diagnostic(source: str, code: str) -> Diagnostic:
    """The first diagnostic with `code` that `source` yields."""
    found = [d for d in failure(source).diagnostics if d.code == code]
    assert found, [d.code for d in failure(source).diagnostics]
    return found[0]


def at(d: Diagnostic) -> tuple[int, int]:
    return d.span.line, d.span.column


def codes(source: str) -> list[str]:
    return [d.code for d in failure(source).diagnostics]


def test_valid_fixture_loads() -> None:
    regulation = loads(VALID)
    assert [r.name for r in regulation.program.regimes] == ["initial", "alternance"]
    # Its rules quote nothing: warnings only, one per rule.
    assert [(w.code, w.args["name"]) for w in regulation.warnings] == [
        ("W002", "absence"),
        ("W002", "admission"),
    ]


# --- names and structure ------------------------------------------------------------


def test_unknown_unit_in_an_aggregate_suggests_the_close_name() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne de pro, U22\n")
    d = diagnostic(source, "E101")
    assert at(d) == position(source, "U22")
    assert d.span.end_column == d.span.column + len("U22")
    assert d.args == {"name": "U22"}
    assert d.hint is not None
    assert d.hint.key == "hint.did_you_mean"
    assert d.hint.args == {"suggestion": "U2"}


def test_unknown_group_in_an_aggregate_suggests_the_close_name() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne de prof\n")
    d = diagnostic(source, "E101")
    assert at(d) == position(source, "prof", within="moyenne de prof")
    assert d.hint is not None and d.hint.args == {"suggestion": "pro"}


def test_unknown_name_without_close_match_lists_known_names() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne de pro, xyz\n")
    d = diagnostic(source, "E101")
    assert d.hint is not None and d.hint.key == "hint.known_names"
    assert {"U1", "U2", "U3", "pro", "gen"} <= set(str(d.hint.args["names"]).split(", "))


def test_unknown_outcome() -> None:
    source = mutate(VALID, "alors admis", "alors admiss")
    d = diagnostic(source, "E103")
    assert at(d) == position(source, "admiss", within="alors admiss")
    assert d.args == {"name": "admiss"}
    assert d.hint is not None and d.hint.args == {"suggestion": "admis"}


def test_unknown_outcome_without_close_match_lists_the_outcomes() -> None:
    source = mutate(VALID, "alors admis", "alors recu")
    d = diagnostic(source, "E103")
    assert at(d) == position(source, "recu")
    assert d.hint is not None and d.hint.key == "hint.known_names"
    assert set(str(d.hint.args["names"]).split(", ")) == {"admis", "ajourne"}


def test_unknown_outcome_without_any_outcome_hints_a_declaration() -> None:
    source = mutate(VALID, 'resultat admis "Admis"\nresultat ajourne "Ajourné"\n', "")
    d = diagnostic(source, "E103")
    assert at(d) == position(source, "ajourne", within="alors ajourne")
    assert d.hint is not None
    assert (d.hint.key, d.hint.args) == ("hint.no_outcome", {"name": "ajourne"})
    # No outcome at all is one cause: `admis`, used too, is not reported again.
    assert codes(source) == ["E103"]


def test_unknown_base_regime() -> None:
    source = mutate(VALID, "reprend initial", "reprend initiale")
    diagnostics = failure(source).diagnostics
    assert diagnostics[0].code == "E104"
    assert at(diagnostics[0]) == position(source, "initiale", within="reprend initiale")
    assert diagnostics[0].args == {"name": "alternance", "base": "initiale"}


def test_form_override_on_a_unit_the_regime_lacks() -> None:
    source = mutate(VALID, "forme U1 :", "forme U9 :")
    d = diagnostic(source, "E105")
    assert at(d) == position(source, "U9")
    assert d.args == {"regime": "alternance", "name": "U9"}


def test_zero_coefficient() -> None:
    source = mutate(VALID, "coefficient 3 :", "coefficient 0 :")
    d = diagnostic(source, "E106")
    line, column = position(source, "coefficient 0")
    assert at(d) == (line, column + len("coefficient "))
    assert d.args == {"name": "U2", "value": "0"}


def test_zero_part_coefficient() -> None:
    source = mutate(
        VALID,
        '    unite U2 "Unité deux" coefficient 3 : EPFF ecrite 3h\n',
        '    unite U2 "Unité deux" coefficient 3\n'
        "      partie ecrit coefficient 0 : EPFF ecrite 3h\n",
    )
    d = diagnostic(source, "E106")
    assert d.span.line == position(source, "partie ecrit")[0]
    assert d.args == {"name": "ecrit", "value": "0"}


def test_missing_coefficient() -> None:
    source = mutate(VALID, '"Unité trois" coefficient 1 :', '"Unité trois" :')
    d = diagnostic(source, "E107")
    assert at(d) == position(source, "U3")
    assert d.args == {"name": "U3"}
    assert d.hint is not None and d.hint.key == "hint.add_coefficient"


def test_missing_default_outcome() -> None:
    source = mutate(VALID, "  sinon ajourne\n", "")
    d = diagnostic(source, "E109")
    assert at(d) == position(source, "regime initial")
    assert d.args == {"regime": "initial"}
    # `alternance` reuses `initial` and lacks it too: one report, naming it.
    assert codes(source) == ["E109"]
    assert d.hint == Hint("hint.add_default_inherited", {"regimes": "alternance"})


def test_missing_default_in_a_derived_regime_only() -> None:
    source = mutate(VALID, "  sinon ajourne\n", "")
    source = mutate(source, "reprend initial\n", "reprend initial\n  sinon ajourne\n")
    d = diagnostic(source, "E109")
    assert (at(d), d.hint) == (position(source, "regime initial"), Hint("hint.add_default"))


def test_figure_cycle() -> None:
    source = mutate(
        VALID, "= moyenne de pro\n", "= moyenne_generale - 1\n  chiffre boucle = moyenne_pro\n"
    )
    source = mutate(source, "= total de pro, gen /", "= boucle + total de pro, gen /")
    d = diagnostic(source, "E110")
    assert d.span.line == position(source, "chiffre moyenne_pro")[0]
    cycle = str(d.args["cycle"]).split(" → ")
    assert cycle[0] == cycle[-1] == "moyenne_pro"
    assert set(cycle) == {"moyenne_pro", "moyenne_generale", "boucle"}


def test_self_referencing_figure_is_a_cycle() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne_pro + 1\n")
    d = diagnostic(source, "E110")
    assert at(d) == position(source, "moyenne_pro =")


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        (">= 10 alors admis", ">= 25 alors admis", "25"),
        (">= 10 alors admis", ">= 20,5 alors admis", "20,5"),
        ("moyenne_pro < 10", "moyenne_pro < 21", "21"),
        ("si moyenne_generale >= 10", "si 25 <= moyenne_generale", "25"),
        ("moyenne_generale >= 10", "moyenne_generale entre 8 et 30", "30"),
    ],
)
def test_threshold_out_of_grade_scale(old: str, new: str, value: str) -> None:
    source = mutate(VALID, old, new)
    d = diagnostic(source, "E111")
    assert at(d) == position(source, value, within=new)
    assert d.hint is not None and d.hint.key == "hint.threshold_scale"


def test_negative_threshold_out_of_grade_scale() -> None:
    source = mutate(VALID, ">= 10 alors admis", ">= -1 alors admis")
    d = diagnostic(source, "E111")
    assert at(d) == position(source, "-1", within=">= -1")


def test_thresholds_within_scale_are_accepted() -> None:
    for threshold in ("20", "9,5", "20.0"):
        loads(mutate(VALID, ">= 10 alors admis", f">= {threshold} alors admis"))
    # At 0 the scale is fine, but every candidate is admitted: `sinon` is dead.
    source = mutate(VALID, ">= 10 alors admis", ">= 0 alors admis")
    assert {d.code for d in failure(source).diagnostics} - {"W002"} == {"E132"}


def test_missing_diploma() -> None:
    source = mutate(VALID, 'diplome BTS_TEST "BTS de test"\n', "")
    d = diagnostic(source, "E112")
    assert at(d) == (1, 1)


def test_second_diploma() -> None:
    source = mutate(
        VALID, 'resultat admis "Admis"', 'diplome AUTRE "Autre"\nresultat admis "Admis"'
    )
    d = diagnostic(source, "E112")
    assert at(d) == position(source, "diplome AUTRE")


def test_new_rule_without_condition() -> None:
    source = mutate(VALID, '  regle absence "Absence"\n', '  regle mention "Mention"\n')
    source = mutate(source, "    si ABS dans pro, gen alors ajourne\n", "")
    d = diagnostic(source, "E113")
    assert at(d) == position(source, "mention")
    assert d.args == {"name": "mention"}


def test_exception_to_a_rule_the_base_lacks() -> None:
    source = mutate(VALID, "  regle admission sauf si", "  regle mention sauf si")
    d = diagnostic(source, "E124")
    assert at(d) == position(source, "mention")
    assert d.args == {"name": "mention", "base": "initial"}


def test_duplicate_unit() -> None:
    source = mutate(
        VALID,
        '    unite U3 "Unité trois"',
        '    unite u1 "Doublon" coefficient 1\n    unite U3 "Unité trois"',
    )
    d = diagnostic(source, "E102")
    assert at(d) == position(source, "u1")
    assert d.args["name"] == "u1"
    assert d.args["line"] == position(source, "unite U1")[0]
    assert d.hint is not None and d.hint.key == "hint.rename"


def test_duplicate_outcome() -> None:
    source = mutate(
        VALID, 'resultat ajourne "Ajourné"', 'resultat ajourne "Ajourné"\nresultat ADMIS "Bis"'
    )
    d = diagnostic(source, "E102")
    assert at(d) == position(source, "ADMIS")
    assert d.args["line"] == position(source, "resultat admis")[0]


def test_inherited_error_is_reported_once() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne_pro + 1\n")
    assert codes(source).count("E110") == 1


def test_division_by_constant_zero() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne de pro / 0\n")
    d = diagnostic(source, "E125")
    assert d.span.line == position(source, "chiffre moyenne_pro")[0]


# --- syntax -----------------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "fix"), [("=>", ">="), ("=<", "<=")])
def test_reversed_comparator_hint(typo: str, fix: str) -> None:
    source = mutate(VALID, ">= 10 alors admis", f"{typo} 10 alors admis")
    (d,) = failure(source).diagnostics
    assert d.code in {"E001", "E002"}
    assert d.hint is not None
    assert (d.hint.key, d.hint.args) == ("hint.reversed_comparator", {"found": typo, "fix": fix})
    assert at(d) == position(source, typo)


@pytest.mark.parametrize(
    ("old", "new", "keyword"),
    [
        ('regle absence "Absence"', 'regle si "Absence"', "si"),
        ("chiffre moyenne_pro", "chiffre total", "total"),
        ("groupe gen", "groupe Unités", "Unités"),
        ('resultat admis "Admis"', 'resultat RÉGIME "Admis"', "RÉGIME"),
        ("unite U3", "unite de", "de"),
    ],
)
def test_keyword_used_as_a_name(old: str, new: str, keyword: str) -> None:
    source = mutate(VALID, old, new)
    d, *later = failure(source).diagnostics
    # The statement is skipped, with no cascade of syntax errors; names it would
    # have declared may still be reported as unknown where they are used.
    assert [e.code for e in later if e.code < "E100"] == []
    assert d.code == "E005"
    assert at(d) == position(source, keyword, within=new)
    assert d.args == {"found": keyword}
    assert d.span.end_column == d.span.column + len(keyword)


@pytest.mark.parametrize("quote", ['"', "“", "«"])
def test_unclosed_quote(quote: str) -> None:
    source = mutate(VALID, '"Absence"', f"{quote}Absence")
    (d,) = failure(source).diagnostics
    assert d.code == "E004"
    assert at(d) == position(source, f"{quote}Absence")
    assert d.span.end_line == d.span.line
    assert d.hint is not None and d.hint.key == "hint.split_string"


def test_unexpected_end_of_file() -> None:
    source = VALID[: VALID.index("alors admis")] + "alors"
    (d,) = failure(source).diagnostics
    assert d.code == "E003"
    last = source.split("\n")[-1]
    assert at(d) == (source.count("\n") + 1, len(last) + 1)
    assert d.hint is not None and d.hint.key == "hint.expected"


def test_unexpected_end_of_file_with_trailing_newline() -> None:
    source = VALID[: VALID.index("alors admis")] + "alors\n\n"
    (d,) = failure(source).diagnostics
    assert d.code == "E003"
    line, column = position(source, "alors\n")
    assert at(d) == (line, column + len("alors"))


def test_unknown_character() -> None:
    source = mutate(VALID, "moyenne_generale >= 10", "moyenne_generale @ 10")
    (d,) = failure(source).diagnostics
    assert d.code == "E002"
    assert at(d) == position(source, "@")
    assert d.args == {"found": "@"}


def test_unexpected_token() -> None:
    source = mutate(VALID, ">= 10 alors admis", ">= 10 12 alors admis")
    (d,) = failure(source).diagnostics
    assert d.code == "E001"
    assert at(d) == position(source, "12", within=">= 10 12")
    assert d.args == {"found": "12"}
    assert d.hint is not None and d.hint.key == "hint.expected"


def test_syntax_error_positions_survive_crlf_and_bom() -> None:
    source = mutate(VALID, "moyenne_generale >= 10", "moyenne_generale @ 10")
    (d,) = failure("\ufeff" + source.replace("\n", "\r\n")).diagnostics
    assert (d.code, at(d)) == ("E002", position(source, "@"))


def test_many_errors_are_reported_together() -> None:
    source = mutate(VALID, "alors admis", "alors admiss")
    source = mutate(source, '"Unité trois" coefficient 1 :', '"Unité trois" :')
    source = mutate(source, "forme U1 :", "forme U9 :")
    assert {"E103", "E107", "E105"} <= set(codes(source))


# --- robustness: any edit gives diagnostics, never a Python exception --------------------

TOKENS = list(re.finditer(r"\S+", VALID))
NAMES = list(re.finditer(r"[^\W\d]\w*|\d+(?:[.,]\d+)?", VALID))


def splice(match: re.Match[str], new: str) -> str:
    return VALID[: match.start()] + new + VALID[match.end() :]


def edits(kind: str) -> list[str]:
    lines = VALID.split("\n")
    return {
        "delete_line": ["\n".join(lines[:i] + lines[i + 1 :]) for i in range(len(lines))],
        "delete_token": [splice(m, "") for m in TOKENS],
        "truncate": [VALID[: m.end()] for m in TOKENS],
        "repeat_token": [splice(m, f"{m.group()} {m.group()}") for m in TOKENS],
        "misspell_word": [splice(m, m.group() + "x") for m in NAMES],
        "word_to_number": [splice(m, n) for m in NAMES for n in ("0", "25", "-1")],
        "word_to_keyword": [splice(m, "si") for m in NAMES],
    }[kind]


def crashes(sources: list[str]) -> list[str]:
    """The exceptions other than RegulationError that loading `sources` raises."""
    found = []
    for source in sources:
        try:
            loads(source)
        except RegulationError as error:
            error.render()
        except Exception as error:  # any other exception is the failure
            found.append(f"{type(error).__name__}: {error}")
    return found


@pytest.mark.parametrize(
    "kind",
    [
        "delete_line",
        "delete_token",
        "truncate",
        "repeat_token",
        "word_to_number",
        "word_to_keyword",
        "misspell_word",
    ],
)
def test_edits_never_raise_anything_but_regulation_error(kind: str) -> None:
    assert crashes(edits(kind)) == []


# --- the message catalogue ---------------------------------------------------------------

ERROR_CODES = sorted(key for key in FRENCH if re.fullmatch(r"E\d{3}", key))
HINT_KEYS = sorted(key for key in FRENCH if key.startswith("hint."))


def fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def plausible_args(key: str) -> dict[str, object]:
    return {name: f"<{name}>" for name in fields(FRENCH[key])}


@pytest.mark.parametrize("key", ERROR_CODES + HINT_KEYS)
def test_catalogue_entry_renders(key: str) -> None:
    args = plausible_args(key)
    message = text(key, **args)
    assert message.strip()
    assert "{" not in message and "}" not in message
    for value in args.values():
        assert value in message


def test_catalogue_has_the_syntax_and_checking_codes() -> None:
    assert {"E001", "E002", "E003", "E004", "E005"} <= set(ERROR_CODES)
    assert {f"E1{n:02}" for n in range(1, 14)} <= set(ERROR_CODES)


def test_every_code_the_engine_emits_is_in_the_catalogue() -> None:
    package = Path(__file__).parents[1] / "src" / "ndrc_rules"
    emitted = {
        code
        for path in package.glob("*.py")
        if path.name != "messages.py"
        for code in re.findall(r"\"([ECFW]\d{3}|hint\.\w+)\"", path.read_text("utf-8"))
    }
    assert emitted, "no code found: has the package moved?"
    assert emitted <= set(FRENCH)


# --- rendering -----------------------------------------------------------------------


def test_render_shows_position_line_and_caret() -> None:
    source = mutate(VALID, "= moyenne de pro\n", "= moyenne de pro, U22\n")
    error = failure(source, "regles/test.reg")
    (d,) = [d for d in error.diagnostics if d.code == "E101"]
    line, column = position(source, "U22")
    rendered = d.render(SourceFile.from_text(source, "regles/test.reg"))
    first, shown, caret, *rest = rendered.split("\n")
    assert first.startswith(f"regles/test.reg:{line}:{column}:")
    assert "[E101]" in first
    source_line = source.split("\n")[line - 1]
    assert shown.endswith(source_line)
    gutter = len(shown) - len(source_line)
    assert caret.index("^") == gutter + column - 1
    assert caret.strip() == "^" * len("U22")
    assert rest and "U2" in rest[0]  # the hint line names the suggestion
    assert rendered in error.render()


def test_render_caret_for_a_syntax_error_at_end_of_line() -> None:
    source = mutate(VALID, '"Absence"', '"Absence')
    error = failure(source)
    (d,) = error.diagnostics
    first, shown, caret, *_ = d.render(error.source).split("\n")
    line, column = position(source, '"Absence')
    assert first.startswith(f"<texte>:{line}:{column}:")
    gutter = len(shown) - len(source.split("\n")[line - 1])
    assert caret.index("^") == gutter + column - 1
    assert caret.strip() == "^" * len('"Absence')


def test_diagnostic_as_json_has_the_span() -> None:
    source = mutate(VALID, "moyenne_generale >= 10", "moyenne_generale @ 10")
    (d,) = failure(source, "x.reg").diagnostics
    data = d.as_json()
    line, column = position(source, "@")
    assert {k: data[k] for k in ("code", "severity", "file", "line", "column")} == {
        "code": "E002",
        "severity": "error",
        "file": "x.reg",
        "line": line,
        "column": column,
    }


@pytest.mark.parametrize("decimals", ["7", "1,5"])
def test_rounding_needs_a_whole_number_of_decimals_up_to_six(decimals: str) -> None:
    source = mutate(
        VALID,
        "coefficients de pro, gen\n",
        f"coefficients de pro, gen arrondi {decimals} decimales\n",
    )
    d = diagnostic(source, "E129")
    assert at(d) == position(source, decimals, within="arrondi")


def test_every_syntax_error_in_one_pass_without_cascades() -> None:
    source = VALID
    for old, new in [
        ("coefficient 3", "coefficient"),  # line 8: a number is missing
        ("unite U3", "unite U3 U4"),  # line 10: a stray word
        (">= 10 alors admis", "=> 10 alors admis"),  # line 16: reversed comparator
        ("sauf si moyenne_pro < 10", "sauf si moyenne_pro < "),  # line 21: cut short
    ]:
        source = mutate(source, old, new)
    diagnostics = failure(source).diagnostics
    assert [(d.code, d.span.line) for d in diagnostics] == [
        ("E001", 8),
        ("E001", 10),
        ("E001", 16),
        ("E003", 21),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  chiffre moyenne_pro", "  §\n  chiffre moyenne_pro"),  # a stray line
        ('  regle absence "Absence"', '  § regle regle absence "Absence"'),  # before a header
        ('  regle absence "Absence"', '  regle absence § "Absence"'),  # inside a header
        ('regime initial "Formation', '§regime initial "Formation'),  # before the regime
        ('regime initial "Formation', '§§ xregime initial "Formation'),  # its header lost
        ('  regle admission "Admission"', '  § regle regle admission "Admission"'),  # this one's
        ('unite U3 "Unité trois"', '§ unite U3 "Unité trois"'),  # a unit's header lost
        ("si ABS dans pro", "si ABS € dans pro"),  # inside a condition
    ],
)
def test_a_lexical_error_resumes_at_the_next_statement(old: str, new: str) -> None:
    """Every syntax error of the file in one run, a lexical one first: the reversed
    comparator two rules below is still reported, and nothing else."""
    source = mutate(mutate(VALID, old, new), ">= 10 alors admis", "=> 10 alors admis")
    stray = next(c for c in new if c in "§€")
    assert [(d.code, at(d)) for d in failure(source).diagnostics] == [
        ("E002", position(source, stray)),
        ("E001", position(source, "=>")),
    ]


def test_statements_before_a_lost_header_are_read_once() -> None:
    """The body of a regime whose header line is gone is read in a stand-in; trying
    stand-ins must not build the statements before it twice (E102, E112)."""
    source = mutate(VALID, 'regime initial "Formation initiale"\n', "")
    assert codes(source) == ["E001", "E104"]


def test_a_misspelt_keyword_gets_a_suggestion() -> None:
    source = mutate(VALID, "coefficient 3", "coefficent 3")
    d = failure(source).diagnostics[0]
    assert (d.code, d.hint.key, d.hint.args) == (
        "E001",
        "hint.did_you_mean",
        {"suggestion": "coefficient"},
    )


def test_semantic_errors_outside_damaged_statements_are_still_reported() -> None:
    source = mutate(VALID, "coefficient 3", "coefficient")
    source = mutate(source, "alors ajourne\n  regle", "alors ajourné\n  regle")
    source = mutate(source, "sinon ajourne", "sinon ajoune")
    codes = [(d.code, d.span.line) for d in failure(source).diagnostics]
    assert codes == [("E001", 8), ("E103", 17)]
