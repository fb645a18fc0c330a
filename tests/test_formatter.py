"""The formatter (`format_source`): canonical layout that never changes meaning.

Every regulation reachable from the repository is formatted and re-checked: the
model must be the one the original gives (spans aside), the layout a fixed
point, every comment kept. Then the layout rules, one by one, on small texts.
"""

from __future__ import annotations

import ast
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from ndrc_rules.api import compile_source
from ndrc_rules.language import surface as s
from ndrc_rules.language.builder import build
from ndrc_rules.language.formatter import TEXT_WIDTH, format_source
from ndrc_rules.language.parser import parse
from ndrc_rules.language.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent

# Every construct of the grammar, written untidily; it checks without errors.
KITCHEN_SINK = """\
# Un règlement qui emploie chaque construction de la langue.
Diplôme BTS_TOUT « BTS de "tout" » rncp 1234 niveau 5
  source "Règlement de test," "article 1"
  session 2024   # première session

Résultat admis "Admis"
résultat rattrapage “Éligible au "rattrapage"”
RÉSULTAT ajourne "Ajourné"


Régime initial "Formation initiale"
  groupe pro "Professionnel"
    unité U1 "Un" coefficient 3 : CCF 2 situations ; EPFF orale 30 min + 30 min des préparation
    unite U2 coefficient 2,5
      partie ecrit "Écrit" coefficient 1 : EPFF ecrite 2h
      # la partie orale
      partie oral coefficient 1.5 : EPFF orale 1h30 + 20min préparation
  groupe gen "Général" Dispensable
    unite U3 "Trois" coefficient 2 : EPFF ecrite 4h ; EPFF orale ET Pratique 30 min
  groupe fac facultative
    unite UF "Facultative" : EPFF orale 20min
    unite UF.2 : CCF 1 Situation

  chiffre moyenne_pro "Moyenne pro" = moyenne de pro arrondi 2 décimales
  chiffre bonus = points au-dessus de 10 de fac tronqué 1 decimale
    cite "Seuls les points au-dessus de 10 comptent" source "D643-22"
  chiffre moy = ((total de pro, gen) + bonus) / (coefficients de pro, gen) - -(0 * 1)
  chiffre ecart = moyenne_pro - (moy - 1) * (2 + 1)

  regle absence si ABS dans pro, gen alors ajourne
  regle admission "Admission"
    si moy ≥ 10 et (moyenne_pro >= 10 ou non ecart < -1) alors admis
    sauf si ABS dans UF et moy < 10.5
    cite "Une phrase assez longue pour que sa citation doive être coupée en plusieurs chaînes, \
car elle dépasse nettement la largeur permise."
    source "Règlement de test, article 2"
  regle rattrapage "Rattrapage"
    si moy entre 8 et 10 exclu et (moyenne_pro > 10) alors rattrapage (choix de 1 unités parmi gen)
  sinon ajourne cite "Faute de mieux"
  bénéfice des notes >= 10 pendant 5 ans
  Après Contrôle
    regle admission si moy >= 10 alors admis
    sinon ajourne

regime alternance reprend initial
  forme U1 : EPFF orale 1h + 40min de preparation
  regle admission sauf si moyenne_pro < 10 ou non (moy >= 12 et moyenne_pro > 8)
    cite "sauf si la moyenne professionnelle est inférieure à 10"

exemple bon "Tout à 12" regime initial
  notes U1 12, U2.ecrit 12, U2.oral 12,5, U3 12, UF ABS
  attendu admis par admission
exemple mauvais regime alternance notes U1 5, U2.ecrit 5, U2.oral 5, U3 ABJ \
attendu ajourne par sinon
exemple repris "Après le contrôle" regime initial notes U1 12, U2.ecrit 9, U2.oral 9, U3 8,
  Session 2025, U1.acquis 2020, U3.Rattrapage 12, jury admis, jury_motif « Vu le "livret" »
  attendu admis par jury Après Contrôle
"""

KITCHEN_SINK_FORMATTED = """\
# Un règlement qui emploie chaque construction de la langue.
diplome BTS_TOUT “BTS de "tout"”
  rncp 1234
  niveau 5
  source "Règlement de test,"
         "article 1"
  session 2024   # première session

resultat admis      "Admis"
resultat rattrapage “Éligible au "rattrapage"”
resultat ajourne    "Ajourné"

regime initial "Formation initiale"
  groupe pro "Professionnel"
    unite U1 "Un" coefficient 3
      : CCF 2 situations ; EPFF orale 30min + 30min de preparation
    unite U2 coefficient 2,5
      partie ecrit "Écrit" coefficient 1 : EPFF ecrite 2h
      # la partie orale
      partie oral coefficient 1.5 : EPFF orale 1h30 + 20min de preparation
  groupe gen "Général" dispensable
    unite U3 "Trois" coefficient 2
      : EPFF ecrite 4h ; EPFF orale et Pratique 30min
  groupe fac facultatif
    unite UF "Facultative"
      : EPFF orale 20min
    unite UF.2
      : CCF 1 situation

  chiffre moyenne_pro "Moyenne pro" = moyenne de pro arrondi 2 decimales
  chiffre bonus = points au-dessus de 10 de fac tronque 1 decimale
    cite "Seuls les points au-dessus de 10 comptent"
    source "D643-22"
  chiffre moy =
    (total de pro, gen + bonus) / coefficients de pro, gen - -(0 * 1)
  chiffre ecart = moyenne_pro - (moy - 1) * (2 + 1)

  regle absence
    si ABS dans pro, gen alors ajourne
  regle admission "Admission"
    si moy >= 10 et (moyenne_pro >= 10 ou non ecart < -1) alors admis
    sauf si ABS dans UF et moy < 10.5
    cite "Une phrase assez longue pour que sa citation doive être coupée en plusieurs chaînes, car"
         "elle dépasse nettement la largeur permise."
    source "Règlement de test, article 2"
  regle rattrapage "Rattrapage"
    si moy entre 8 inclus et 10 exclu
       et moyenne_pro > 10
    alors rattrapage (choix de 1 unites parmi gen)
  sinon ajourne
    cite "Faute de mieux"
  benefice des notes >= 10 pendant 5 ans
  apres controle
    regle admission
      si moy >= 10 alors admis
    sinon ajourne

regime alternance reprend initial
  forme U1 : EPFF orale 1h + 40min de preparation
  regle admission
    sauf si moyenne_pro < 10 ou non (moy >= 12 et moyenne_pro > 8)
    cite "sauf si la moyenne professionnelle est inférieure à 10"

exemple bon "Tout à 12" regime initial
  notes U1 12, U2.ecrit 12, U2.oral 12,5, U3 12, UF ABS
  attendu admis par admission
exemple mauvais regime alternance
  notes U1 5, U2.ecrit 5, U2.oral 5, U3 ABJ
  attendu ajourne par sinon
exemple repris "Après le contrôle" regime initial
  notes U1 12, U2.ecrit 9, U2.oral 9, U3 8, session 2025, U1.acquis 2020,
        U3.Rattrapage 12,
        jury admis, jury_motif “Vu le "livret"”
  attendu admis par jury apres controle
"""

# The smallest complete regulation, for the layout tests to add to.
HEAD = """\
diplome X "X"
resultat admis   "Admis"
resultat ajourne "Ajourné"
regime r "R"
  groupe g
    unite A coefficient 1
      : CCF 2 situations
    unite B coefficient 1
      : CCF 2 situations
"""


# --- helpers -------------------------------------------------------------------------
def formatted(text: str) -> str:
    result, diagnostics = format_source(SourceFile.from_text(text, "test.reg"))
    assert diagnostics == []
    assert result is not None
    return result


def plain(value: object) -> object:
    """A model or surface tree as nested tuples, without its positions."""
    if isinstance(value, s.Duration):
        return value.minutes  # `40 min` is written `40min`
    if is_dataclass(value):
        kept = [
            f.name
            for f in fields(value)
            if not f.name.endswith("span") and f.name not in {"path", "sha256"}
        ]
        return (type(value).__name__, *(plain(getattr(value, name)) for name in kept))
    if isinstance(value, tuple | list):
        return tuple(plain(item) for item in value)
    return value


def surface(text: str) -> object:
    source = SourceFile.from_text(text)
    parsed = parse(source)
    assert parsed.diagnostics == [] and parsed.tree is not None
    return plain(build(parsed.tree, source))


def comment_texts(text: str) -> list[str]:
    return [c.text for c in parse(SourceFile.from_text(text)).comments]


def assert_layout_only(text: str) -> str:
    """Formats `text`: same surface AST, a fixed point, the same comments in order."""
    result = formatted(text)
    assert surface(result) == surface(text)
    assert formatted(result) == result
    assert comment_texts(result) == comment_texts(text)
    return result


def written_regulations() -> list[tuple[str, str]]:
    """Every regulation reachable here: the files, and each text constant of a
    test module (this one's too) that declares a regime."""
    files = sorted([*ROOT.glob("regulations/**/*.reg"), *ROOT.glob("tests/**/*.reg")])
    found = [(str(p.relative_to(ROOT)), p.read_text("utf-8")) for p in files]
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.parse(path.read_text("utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and "regime" in node.value.value
            ):
                found.append((f"{path.stem}.{node.targets[0].id}", node.value.value))
    return found


def located(name: str, text: str) -> SourceFile:
    """The text, at its file's place when it has one: its imports are found from there."""
    path = ROOT / name
    return SourceFile.from_text(text, str(path) if path.is_file() else name)


def checks(name: str, text: str) -> bool:
    return compile_source(located(name, text))[0] is not None


def parses(text: str) -> bool:
    return not parse(SourceFile.from_text(text)).diagnostics


WRITTEN = written_regulations()
CHECKED = [(name, text) for name, text in WRITTEN if checks(name, text)]
PARSED = [(name, text) for name, text in WRITTEN if parses(text)]
BROKEN = [(name, text) for name, text in WRITTEN if not parses(text)]


# --- meaning, idempotence, comments on every regulation ---------------------------------
def test_the_regulations_reached_include_the_shipped_one_and_the_tests_own() -> None:
    names = [name for name, _ in CHECKED]
    assert "regulations/bts_ndrc.reg" in names
    assert "test_formatter.KITCHEN_SINK" in names
    assert sum(name.startswith("test_") for name in names) >= 3


@pytest.mark.parametrize(("name", "text"), CHECKED, ids=[n for n, _ in CHECKED])
def test_formatting_keeps_the_checked_model(name: str, text: str) -> None:
    original, _ = compile_source(located(name, text))
    result, _ = compile_source(located(name, formatted(text)))
    assert original is not None and result is not None
    assert plain(result) == plain(original)


@pytest.mark.parametrize(("name", "text"), PARSED, ids=[n for n, _ in PARSED])
def test_formatting_is_idempotent_and_keeps_every_comment(name: str, text: str) -> None:
    assert_layout_only(text)


@pytest.mark.parametrize(("name", "text"), BROKEN, ids=[n for n, _ in BROKEN])
def test_a_file_that_does_not_parse_is_not_formatted(name: str, text: str) -> None:
    source = SourceFile.from_text(text, name)
    result, diagnostics = format_source(source)
    assert result is None
    assert diagnostics and diagnostics == parse(source).diagnostics


def test_every_construct_has_its_canonical_layout() -> None:
    assert formatted(KITCHEN_SINK) == KITCHEN_SINK_FORMATTED


@pytest.mark.parametrize("path", sorted((ROOT / "regulations").glob("*.reg")), ids=str)
def test_the_shipped_regulations_are_formatted(path: Path) -> None:
    """The house style is the shipped files' own: `ndrc-rules fmt` leaves them as they are."""
    text = path.read_text("utf-8")
    assert formatted(text) == text


def test_a_file_with_only_semantic_errors_is_formatted() -> None:
    text = "regime r\n  regle x si inconnu > 1 alors personne\n"
    assert formatted(text) == "regime r\n  regle x\n    si inconnu > 1 alors personne\n"


# --- operators and parentheses ---------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("a + (b * c)", "a + b * c"),
        ("(a + b) / c", "(a + b) / c"),
        ("(a - b) - c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a / (b / c)", "a / (b / c)"),
        ("a * (b / c)", "a * (b / c)"),
        ("-(a + b)", "-(a + b)"),
        ("--a", "- -a"),
        ("- - - (a)", "- - -a"),
        ("a * -b", "a * -b"),
        ("-(a) * b", "-a * b"),
        ("((moyenne de g))", "moyenne de g"),
        ("(total de g, h) / coefficients de g, h", "total de g, h / coefficients de g, h"),
        ("points au-dessus de 10,5 de g - 1", "points au-dessus de 10,5 de g - 1"),
    ],
)
def test_expressions_keep_only_the_parentheses_they_need(written: str, canonical: str) -> None:
    assert formatted(f"regime r\n  chiffre x = {written}\n") == (
        f"regime r\n  chiffre x = {canonical}\n"
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("(a > 1 ou b > 1) et c > 1", "(a > 1 ou b > 1) et c > 1"),
        ("a > 1 ou (b > 1 et c > 1)", "a > 1 ou b > 1 et c > 1"),
        ("a > 1 et (b > 1 et c > 1)", "a > 1 et (b > 1 et c > 1)"),
        ("(a > 1 et b > 1) et c > 1", "a > 1 et b > 1 et c > 1"),
        ("non (a > 1 et b > 1)", "non (a > 1 et b > 1)"),
        ("non (a > 1)", "non a > 1"),
        ("NON non a ≥ 1", "non non a >= 1"),
        ("a ≤ 1 ou a ≠ 2 ou a = 3", "a <= 1 ou a != 2 ou a = 3"),
        ("(a + 1) > 2", "a + 1 > 2"),
        ("a entre 8 et 10", "a entre 8 inclus et 10 inclus"),
        ("a ENTRE -1 exclu et (b) inclus", "a entre -1 exclu et b inclus"),
        ("abs dans g, h", "ABS dans g, h"),
    ],
)
def test_conditions_keep_only_the_parentheses_they_need(written: str, canonical: str) -> None:
    text = f"regime r\n  regle x si {written} alors y\n"
    assert formatted(text) == f"regime r\n  regle x\n    si {canonical} alors y\n"


# --- layout of statements ----------------------------------------------------------------
def test_keywords_are_lowercase_and_unaccented_names_and_numbers_as_written() -> None:
    text = (
        "RÉGIME Régime_Été\n  GROUPE Général FACULTATIVE\n"
        "    UNITÉ Ü1 COEFFICIENT 1.50 : CCF 1 SITUATION ; Epff Orale 40 min + 1h05 DES "
        "PRÉPARATION\n"
    )
    assert formatted(text) == (
        "regime Régime_Été\n  groupe Général facultatif\n    unite Ü1 coefficient 1.50\n"
        "      : CCF 1 situation ; EPFF Orale 40min + 1h05 de preparation\n"
    )


def test_a_long_clause_goes_on_a_continuation_line() -> None:
    title = "Un titre assez long pour que la suite ne tienne plus sur la ligne"
    text = (
        f'regime r "{title}" reprend base\n'
        f'  groupe g\n    unite u\n      partie p "{title}" coefficient 1 : EPFF ecrite 3h\n'
        f'exemple e "{title}" regime r notes A 10 attendu admis\n'
    )
    assert formatted(text) == (
        f'regime r "{title}"\n  reprend base\n'
        f'  groupe g\n    unite u\n      partie p "{title}" coefficient 1\n'
        "        : EPFF ecrite 3h\n"
        f'exemple e "{title}"\n  regime r\n  notes A 10\n  attendu admis\n'
    )


def test_a_long_figure_breaks_after_the_equal_sign_then_before_its_operators() -> None:
    text = (
        'regime r\n  chiffre moyenne_longue "Une moyenne" = (total de professionnel, general'
        " + points_facultatifs) / coefficients de professionnel, general arrondi 2 decimales\n"
    )
    assert formatted(text) == (
        'regime r\n  chiffre moyenne_longue "Une moyenne" =\n'
        "    (total de professionnel, general + points_facultatifs)\n"
        "      / coefficients de professionnel, general arrondi 2 decimales\n"
    )


def test_a_long_rule_puts_alors_under_si_and_one_operand_a_line() -> None:
    text = (
        "regime r\n  regle rattrapage si moyenne_generale entre 8 inclus et 10 exclu"
        " et moyenne_pro > 10 ou moyenne_pro > 12 alors rattrapage (choix de 2 unites parmi g)\n"
        "  sauf si moyenne_generale > 10 et moyenne_pro > 10 et moyenne_bis > 10\n"
        "  sauf si moyenne_generale > 10 et moyenne_pro > 10 et moyenne_generale_bis > 10\n"
    )
    assert formatted(text) == (
        "regime r\n  regle rattrapage\n"
        "    si moyenne_generale entre 8 inclus et 10 exclu et moyenne_pro > 10\n"
        "       ou moyenne_pro > 12\n"
        "    alors rattrapage (choix de 2 unites parmi g)\n"
        "    sauf si moyenne_generale > 10 et moyenne_pro > 10 et moyenne_bis > 10\n"
        "    sauf si moyenne_generale > 10\n"
        "            et moyenne_pro > 10\n"
        "            et moyenne_generale_bis > 10\n"
    )


def test_example_grades_wrap_under_the_first_one() -> None:
    grades = ", ".join(f"U{n} {n},5" for n in range(1, 15))
    result = formatted(f"exemple e regime r notes {grades} attendu admis par SINON\n")
    assert result == (
        "exemple e regime r\n"
        "  notes U1 1,5, U2 2,5, U3 3,5, U4 4,5, U5 5,5, U6 6,5, U7 7,5, U8 8,5, U9 9,5,\n"
        "        U10 10,5, U11 11,5, U12 12,5, U13 13,5, U14 14,5\n"
        "  attendu admis par SINON\n"
    )


def test_example_resit_grades_and_jury_start_their_own_lines() -> None:
    result = formatted(
        "exemple e regime r notes session 2026, U2.1 8, U2.1.acquis 2024, U1 9,"
        " u1.RATTRAPAGE 12, U2.1.rattrapage abs, Jury admis, jury_motif 'x' “Vu le livret”"
        " attendu admis par jury APRÈS contrôle\n".replace("'x' ", "")
    )
    assert result == (
        "exemple e regime r\n"
        "  notes session 2026, U2.1 8, U2.1.acquis 2024, U1 9,\n"
        "        u1.RATTRAPAGE 12, U2.1.rattrapage abs,\n"
        '        Jury admis, jury_motif "Vu le livret"\n'
        "  attendu admis par jury apres controle\n"
    )


def test_outcome_labels_align_within_a_run() -> None:
    text = 'resultat a "A"\nresultat longue "L"\n\nresultat b "B"\nresultat cc "C"\n'
    assert formatted(text) == (
        'resultat a      "A"\nresultat longue "L"\n\nresultat b  "B"\nresultat cc "C"\n'
    )


# --- texts ----------------------------------------------------------------------------------
def test_a_long_citation_is_split_between_words_and_aligned() -> None:
    sentence = " ".join(f"mot{n}" for n in range(60))
    result = formatted(f'regime r\n  sinon ajourne cite "{sentence}" source "{sentence}"\n')
    lines = result.splitlines()
    assert lines[2].startswith('    cite "mot0 ')
    assert lines[3].startswith('         "mot')
    assert all(len(line) <= TEXT_WIDTH for line in lines)
    assert max(len(line) for line in lines) > TEXT_WIDTH - 10
    assert assert_layout_only(result) == result


def test_a_citation_keeps_the_authors_line_breaks() -> None:
    text = 'regime r\n  sinon ajourne\n    cite "un" "deux"   "trois"\n'
    assert formatted(text) == (
        'regime r\n  sinon ajourne\n    cite "un"\n         "deux"\n         "trois"\n'
    )


def test_a_word_longer_than_a_line_stays_whole() -> None:
    word = "x" * 150
    result = formatted(f'regime r\n  sinon ajourne cite "a {word} b"\n')
    assert result.endswith(f'    cite "a"\n         "{word}"\n         "b"\n')


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ('"a"  "b"', '"a b"'),
        ("« a » “b”", '"a b"'),
        ('« dit "oui" »', '“dit "oui"”'),
        ('« a ”" »', '«a ”"»'),
        ('"" "a"', '"" "a"'),  # the empty string makes the leading space of " a"
        ('"a" "" "b"', '"a  b"'),
        ('« a"” » « »', '«a"”» ""'),
        ('“"»” «”»', '“"»” "”"'),  # each closing quote used: the strings stay apart
    ],
)
def test_titles_are_one_string_when_one_string_can_hold_them(written: str, printed: str) -> None:
    assert assert_layout_only(f"resultat a {written}\n") == f"resultat a {printed}\n"


# --- comments and blank lines --------------------------------------------------------------
def test_comments_stay_before_the_line_they_preceded() -> None:
    text = (
        '# tête\n\n\n# du diplôme\ndiplome X "X" # fin de ligne\n'
        "regime r # du régime\n"
        "  groupe g\n    unite A coefficient 1\n    # entre deux unités\n"
        "    unite B coefficient 1 :   # avant la forme\n      CCF 2 situations  # la forme\n"
        '  regle x si a > 1\n    # avant alors\n    alors y\n  # avant cite\n  cite "c"\n'
        '  # avant source\n  source "s" # la source\n\n\n  # fin\n'
    )
    assert assert_layout_only(text) == (
        '# tête\n\n# du diplôme\ndiplome X "X" # fin de ligne\n'
        "regime r # du régime\n"
        "  groupe g\n    unite A coefficient 1\n    # entre deux unités\n"
        "    unite B coefficient 1   # avant la forme\n      : CCF 2 situations  # la forme\n"
        '  regle x\n    # avant alors\n    si a > 1 alors y\n    # avant cite\n    cite "c"\n'
        '    # avant source\n    source "s" # la source\n\n# fin\n'
    )


def test_comments_between_the_strings_of_a_citation_stay_there() -> None:
    text = 'regime r\n  sinon x\n    cite "a" # un\n    # deux\n    "b"   # trois\n'
    assert assert_layout_only(text) == (
        'regime r\n  sinon x\n    cite "a" # un\n         # deux\n         "b"   # trois\n'
    )


def test_end_of_line_comments_of_lines_joined_into_one_keep_their_order() -> None:
    text = "regime r\n  regle x\n    si a > 1   # un\n       et b > 2   # deux\n    alors y\n"
    assert assert_layout_only(text) == (
        "regime r\n  regle x\n    # un\n    si a > 1 et b > 2 alors y   # deux\n"
    )


def test_blank_lines_only_between_statements_and_at_most_one() -> None:
    text = HEAD.replace("  groupe g\n", "\n\n\n  groupe g\n\n") + (
        "\n\n  chiffre f =\n\n    moyenne de g\n\n\n  # la règle\n  regle x\n\n"
        '    si f > 1 alors admis\n\n    cite "c"\n  sinon ajourne\n'
    )
    result = assert_layout_only(text)
    assert result == HEAD.replace("  groupe g\n", "\n  groupe g\n\n") + (
        "\n  chiffre f = moyenne de g\n\n  # la règle\n  regle x\n"
        '    si f > 1 alors admis\n    cite "c"\n  sinon ajourne\n'
    )


def test_statements_written_on_one_line_get_no_blank_line_between_them() -> None:
    text = '\n\nresultat a "A" resultat b "B"\n\n'
    assert formatted(text) == 'resultat a "A"\nresultat b "B"\n'


# --- no crash, whatever parses ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "# rien\n",
        "  # rien   \n\n# que des commentaires",
        'diplome X "" rncp 1 rncp 2 source "a" source "" "b" niveau 3',
        'regime r regime s "désordre" reprend r exemple e regime r notes A.b abs attendu x',
        "regime r groupe g groupe h facultatif dispensable facultatif unite u unite v",
        'regime r regle x regle y "" sauf si ABS dans a sauf si non non a = 1 cite "#" source "#"',
        'regime r chiffre x = -----1 chiffre y "#\'" = (((a))) tronque 0 decimale',
        "regime r forme u : CCF 0 situation ; CCF 9 situations ; EPFF e 1 h + 2 min preparation",
        'regime r sinon x (choix de 1 unites parmi a) sinon y cite "a" "b" "c" "d"',
        'résultat x « »\nrésultat y ""  # « pas une chaîne »\n',
        "regime\u00a0r\r\n  regle x\tsi a>=1 alors b#collé\r\n",
        "regime r\n  chiffre x = a # un\n    # deux\n    + b # trois\n",
        'regime r sinon x cite "' + "a " * 120 + '"',
        'regime r sinon x cite "' + "a  " * 60 + '"',
    ],
)
def test_tricky_inputs_are_formatted_without_loss(text: str) -> None:
    assert_layout_only(text)


def test_generated_regulations_are_formatted_without_loss() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(
        max_examples=200, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    @hypothesis.given(_regulations(strategies))
    def check(text: str) -> None:
        assert_layout_only(text)

    check()


# --- a generator of syntactically valid regulations, for hypothesis ----------------------------
_ACCENTED = {
    "diplome": "diplôme",
    "resultat": "résultat",
    "regime": "régime",
    "unite": "unité",
    "unites": "unités",
    "regle": "règle",
    "preparation": "préparation",
    "decimales": "décimales",
    "tronque": "tronqué",
}
_NAMES = ["a", "U1", "moy_pro", "x-y", "Été", "b2", "ABJ", "moyenne_generale_des_unites_ponderee"]
_CHARACTERS = [" ", " ", " ", "a", "b", "é", "#", '"', "”", "»", "«", "“", "\t"]
_SEPARATORS = [" ", " ", " ", "  ", "\n", "\n  ", "\n\n", " # c\n", "\n# d\n\n  ", "\t"]
_QUOTES = ['""', "“”", "«»"]


def _flat(value: Any) -> list[str]:
    """Tokens, from a token or nested lists of them."""
    return [value] if isinstance(value, str) else [t for v in value for t in _flat(v)]


def _regulations(st: Any) -> Any:
    """Texts the grammar accepts, their tokens joined by spaces, line breaks, comments,
    their keywords in any case and with accents."""

    def seq(*parts: Any) -> Any:
        return st.tuples(*(st.just(p) if isinstance(p, str) else p for p in parts)).map(_flat)

    def maybe(*parts: Any) -> Any:
        return st.one_of(st.just([]), seq(*parts))

    def separated(item: Any, separator: str, most: int) -> Any:
        items = st.lists(item, min_size=1, max_size=most)
        return items.map(
            lambda xs: [separator if i % 2 else xs[i // 2] for i in range(2 * len(xs) - 1)]
        )

    names = st.sampled_from(_NAMES)
    numbers = st.sampled_from(["0", "1", "2", "10", "9,5", "8.25"])
    durations = st.sampled_from(["3h", "1h30", "40min", "40 min"])
    strings = st.sampled_from(_QUOTES).flatmap(
        lambda q: st.text(st.sampled_from([c for c in _CHARACTERS if c != q[1]]), max_size=60).map(
            lambda content: q[0] + content + q[1]
        )
    )
    text = st.lists(strings, min_size=1, max_size=3)
    name_list = separated(names, ",", 3)
    expr = st.recursive(
        st.one_of(
            numbers,
            names,
            seq(st.sampled_from(["moyenne", "total", "coefficients"]), "de", name_list),
            seq("points", "au-dessus", "de", numbers, "de", name_list),
        ),
        lambda inner: st.one_of(
            seq(inner, st.sampled_from(["+", "-", "*", "/"]), inner),
            seq("-", inner),
            seq("(", inner, ")"),
        ),
        max_leaves=5,
    )
    bound = maybe(st.sampled_from(["inclus", "exclu"]))
    comparator = st.sampled_from([">=", "≥", "<", "=", "!=", "≠", "<="])
    condition = st.recursive(
        st.one_of(
            seq(expr, comparator, expr),
            seq(expr, "entre", expr, bound, "et", expr, bound),
            seq("ABS", "dans", name_list),
        ),
        lambda inner: st.one_of(
            seq(inner, st.sampled_from(["et", "ou"]), inner),
            seq("non", inner),
            seq("(", inner, ")"),
        ),
        max_leaves=4,
    )
    title = maybe(text)
    citation = seq("cite", text, maybe("source", text))
    conclusion = seq(names, maybe("(", "choix", "de", numbers, "unites", "parmi", name_list, ")"))
    form = st.one_of(
        seq("CCF", numbers, "situations"),
        seq("EPFF", names, durations, maybe("+", durations, maybe("de"), "preparation")),
    )
    assessment = seq(":", separated(form, ";", 2))
    part = seq("partie", names, title, "coefficient", numbers, maybe(assessment))
    unit = seq(
        "unite",
        names,
        title,
        maybe("coefficient", numbers),
        maybe(assessment),
        st.lists(part, max_size=2),
    )
    flags = st.lists(st.sampled_from(["facultatif", "dispensable"]), max_size=2)
    rounding = seq(
        st.sampled_from(["arrondi", "tronque"]), st.sampled_from(["0", "2"]), "decimales"
    )
    item = st.one_of(
        seq("groupe", names, title, flags, st.lists(unit, max_size=2)),
        seq("forme", names, assessment),
        seq("chiffre", names, title, "=", expr, maybe(rounding), maybe(citation)),
        seq(
            "regle",
            names,
            title,
            maybe("si", condition, "alors", conclusion),
            st.lists(seq("sauf", "si", condition), max_size=2),
            maybe(citation),
        ),
        seq("sinon", conclusion, maybe(citation)),
    )
    field = st.one_of(
        seq(st.sampled_from(["rncp", "niveau", "session"]), numbers), seq("source", text)
    )
    grade = seq(st.one_of(names, seq(names, ".", names)), st.one_of(numbers, names, st.just("ABS")))
    statement = st.one_of(
        seq("diplome", names, text, st.lists(field, max_size=4)),
        seq("resultat", names, text),
        seq("regime", names, title, maybe("reprend", names), st.lists(item, max_size=4)),
        seq(
            "exemple",
            names,
            title,
            "regime",
            names,
            "notes",
            separated(grade, ",", 3),
            "attendu",
            names,
            maybe("par", st.one_of(names, st.just("sinon"))),
        ),
    )

    @st.composite  # type: ignore[misc]
    def regulation(draw: Any) -> str:
        tokens = _flat(draw(st.lists(statement, max_size=4)))
        spelled = [
            draw(st.sampled_from([t, t.upper(), _ACCENTED.get(t, t)]))
            if t.isalpha() and t.islower() and t not in _NAMES
            else t
            for t in tokens
        ]
        gaps = [draw(st.sampled_from(_SEPARATORS)) for _ in range(len(spelled) + 1)]
        return "".join(map(str.__add__, gaps, spelled)) + gaps[-1]

    return regulation()
