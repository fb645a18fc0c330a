"""The regulation language end to end: text in, decision and trace out.

Every test writes (or minimally edits) a small inline regulation, loads it with
`loads` and decides candidates through the public facade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import pytest

from ndrc_rules.api import CandidateError, Regulation, load, loads
from ndrc_rules.engine import trace as t

# Three compulsory units (one CCF, one graded from parts, one exemptable), one
# optional unit; a base regime and two derived ones (an exception, a replacement).
# Coefficients 8 + 6 + 7 = 21.
FIXTURE = """\
diplome BTS_TEST "BTS de test"
  source "Règlement de test"
resultat admis "Admis"
resultat rattrapage "Éligible au rattrapage"
resultat ajourne "Ajourné"

regime initial "Formation initiale"
  groupe pro "Unités professionnelles"
    unite U1 "Unité un" coefficient 8 : CCF 2 situations
    unite U2 "Unité deux" coefficient 6
      partie a "Écrit" coefficient 1 : EPFF ecrite 3h
      partie b "Oral" coefficient 3 : EPFF orale 40min
  groupe gen "Unités générales" dispensable
    unite U3 "Unité trois" coefficient 7 : EPFF ecrite 4h
  groupe fac "Épreuve facultative" facultatif
    unite UF "Unité facultative" : EPFF orale 20min + 20min de preparation

  chiffre moyenne_pro = moyenne de pro
  chiffre bonus = points au-dessus de 10 de fac
  chiffre moyenne_generale = (total de pro, gen + bonus) / coefficients de pro, gen

  regle absence "Absence injustifiée"
    si ABS dans pro, gen alors ajourne
  regle admission "Admission"
    si moyenne_generale >= 10 alors admis
    cite "admis dès lors qu'ils ont obtenu"
         "une moyenne générale d'au moins 10."
    source "Règlement de test, article 1"
  regle rattrapage "Rattrapage"
    si moyenne_generale entre 8 inclus et 10 exclu et moyenne_pro > 10
    alors rattrapage (choix de 1 unites parmi gen)
  sinon ajourne

regime alternance "Alternance" reprend initial
  forme U1 : EPFF orale 1h + 30min de preparation
  regle admission
    sauf si moyenne_pro < 10
    cite "sauf si la moyenne professionnelle est inférieure à 10"

regime libre "Candidat libre" reprend initial
  regle admission "Admission des candidats libres"
    si moyenne_generale >= 12 alors admis
"""

RULE_NAMES = ["absence", "admission", "rattrapage", "sinon"]

# U1 10 (x8), U2 13 (x6), U3 9 (x7): general mean 221/21 = 10.52…, professional 79/7.
ADMITTED = {"U1": "10", "U2": "13", "U3": "9"}


# --- helpers ------------------------------------------------------------------


def mutate(text: str, old: str, new: str) -> str:
    """`text` with its single occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle`."""
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def decide(regulation: Regulation | str, regime: str, grades: Mapping[str, object]) -> t.Decision:
    if isinstance(regulation, str):
        regulation = loads(regulation)
    row = {"id": "c1", "regime": regime, **{k: str(v) for k, v in grades.items()}}
    return regulation.decide(row)


def candidate_error(regulation: Regulation, regime: str, grades: Mapping[str, object]):
    with pytest.raises(CandidateError) as caught:
        decide(regulation, regime, grades)
    return caught.value.error


def statuses(decision: t.Decision) -> list[str]:
    return [rule.status for rule in decision.trace.rules]


def rule_trace(decision: t.Decision, name: str) -> t.RuleTrace:
    return next(rule for rule in decision.trace.rules if rule.name == name)


def figure(decision: t.Decision, name: str) -> t.FigureTrace:
    return next(f for f in decision.trace.figures if f.name == name)


def unit(decision: t.Decision, code: str) -> t.UnitTrace:
    return next(u for u in decision.trace.units if u.code == code)


def general_mean(u1: str, u2: str, u3: str, bonus: str = "0") -> Fraction:
    grades = [Fraction(g) for g in (u1, u2, u3, bonus)]
    return (8 * grades[0] + 6 * grades[1] + 7 * grades[2] + grades[3]) / 21


@pytest.fixture(scope="module")
def regulation() -> Regulation:
    return loads(FIXTURE)


# A one-rule regulation over three units, to test one condition at a time.
def probe(condition: str) -> str:
    return f"""\
diplome SONDE "Sonde"
resultat vrai "Vrai"
resultat faux "Faux"
regime r "Régime"
  groupe g "Groupe"
    unite A "A" coefficient 1
    unite B "B" coefficient 1
    unite C "C" coefficient 1
  regle test "Test"
    si {condition} alors vrai
  sinon faux
"""


def decide_probe(text: str, **grades: object) -> t.Decision:
    """Decide a `probe` text; units not given are graded 10."""
    return decide(text, "r", {"A": 10, "B": 10, "C": 10, **grades})


def holds(condition: str, **grades: object) -> bool:
    return decide_probe(probe(condition), **grades).decision == "vrai"


def forms_of(regulation: Regulation, regime: str, code: str):
    regime_def = next(r for r in regulation.program.regimes if r.name == regime)
    return next(u for u in regime_def.units if u.code == code).forms


# --- keywords and names ---------------------------------------------------------


@pytest.mark.parametrize("keyword", ["règle", "regle", "RÈGLE", "Règle", "REGLE"])
def test_rule_keyword_folds_case_and_accents(keyword: str) -> None:
    text = mutate(probe("A >= 10"), "  regle test", f"  {keyword} test")
    assert decide(text, "r", {"A": 10, "B": 0, "C": 0}).decision == "vrai"
    assert decide(text, "r", {"A": 9, "B": 0, "C": 0}).decision == "faux"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("diplome SONDE", "diplôme SONDE"),
        ("diplome SONDE", "DIPLÔME SONDE"),
        ('resultat vrai "Vrai"', 'résultat vrai "Vrai"'),
        ('resultat faux "Faux"', 'RÉSULTAT faux "Faux"'),
        ('    unite A "A"', '    unité A "A"'),
        ('    unite B "B"', '    UNITE B "B"'),
        ('    unite C "C"', '    Unité C "C"'),
        ('regime r "Régime"', 'RÉGIME r "Régime"'),
        ("  groupe g", "  GROUPE g"),
        ("    si A >= 10 alors vrai", "    SI A >= 10 ALORS vrai"),
        ("  sinon faux", "  Sinon faux"),
    ],
)
def test_other_keywords_fold_case_and_accents(old: str, new: str) -> None:
    text = mutate(probe("A >= 10"), old, new)
    regulation = loads(text)
    assert [u.code for u in regulation.program.regimes[0].units] == ["A", "B", "C"]
    assert decide(regulation, "r", {"A": 10, "B": 0, "C": 0}).decision == "vrai"


def test_names_match_case_and_accent_insensitively() -> None:
    text = """\
diplome T "T"
resultat Admis "Admis"
resultat ajourne "Ajourné"
regime Initial "Initial"
  groupe Général "Général"
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 3
  chiffre Moyenne_Générale = moyenne de GENERAL
  regle admission si moyenne_generale >= 10 et u1 >= 5 alors ADMIS
  sinon AJOURNÉ
"""
    regulation = loads(text)
    admitted = decide(regulation, "initial", {"u1": 6, "U2": 12})
    assert admitted.decision == "Admis"
    assert admitted.figures == {"Moyenne_Générale": "10.50"}
    assert unit(admitted, "U1").value == "6"  # the column `u1` is the unit `U1`
    refused = decide(regulation, "INITIAL", {"U1": 4, "u2": 20})
    assert refused.decision == "ajourne"
    assert rule_trace(refused, "admission").condition.checks[1].text == "U1 >= 5"


# --- lexical conveniences -----------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "value"), [("9,5", "9.5"), ("9.5", "9.5"), ("12,25", "12.25")]
)
def test_decimal_threshold_with_comma_or_point(threshold: str, value: str) -> None:
    condition = f"A >= {threshold}"
    assert holds(condition, A=value)
    below = Fraction(value) - Fraction(1, 100)
    assert not holds(condition, A=f"{float(below):.2f}")


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [("3h", 180), ("1h30", 90), ("40min", 40), ("40 min", 40), ("4h", 240)],
)
def test_durations(duration: str, minutes: int) -> None:
    text = mutate(
        probe("A >= 10"),
        '    unite A "A" coefficient 1',
        f'    unite A "A" coefficient 1 : EPFF ecrite {duration} + {duration} de preparation',
    )
    (form,) = forms_of(loads(text), "r", "A")
    assert (form.kind, form.modes, form.minutes, form.preparation_minutes) == (
        "EPFF",
        ("ecrite",),
        minutes,
        minutes,
    )


@pytest.mark.parametrize(
    ("opening", "closing"), [("“", "”"), ("«\u00a0", "\u00a0»"), ("«\u202f", "\u202f»"), ("«", "»")]
)
def test_typographic_quotes(opening: str, closing: str) -> None:
    text = mutate(
        probe("A >= 10"), 'regle test "Test"', f"regle test {opening}Règle d'essai{closing}"
    )
    text = mutate(
        text,
        "    si A >= 10 alors vrai\n",
        f"    si A >= 10 alors vrai\n    cite {opening}première{closing} {opening}suite{closing}\n",
    )
    decision = decide_probe(text, A=12)
    assert decision.trace.rules[0].title == "Règle d'essai"
    assert decision.citation == t.CitationRecord(text="première suite")


@pytest.mark.parametrize("space", ["\u00a0", "\u202f"])
def test_non_breaking_space_before_colon(space: str) -> None:
    text = mutate(
        probe("A >= 10"),
        '    unite A "A" coefficient 1',
        f'    unite A "A" coefficient 1{space}: CCF 3 situations',
    )
    regulation = loads(text)
    grades = {"A.S1": 9, "A.S2": 12, "A.S3": 12, "B": 0, "C": 0}
    assert decide(regulation, "r", grades).decision == "vrai"
    assert [f.situations for f in forms_of(regulation, "r", "A")] == [3]


def test_crlf_line_endings_decide_like_lf(regulation: Regulation) -> None:
    crlf = loads(FIXTURE.replace("\n", "\r\n"))
    for regime in ("initial", "alternance", "libre"):
        expected = decide(regulation, regime, ADMITTED)
        got = decide(crlf, regime, ADMITTED)
        assert got.decision == expected.decision
        assert got.deciding_rule_source == expected.deciding_rule_source
        assert got.figures == expected.figures


def test_byte_order_mark_is_ignored(regulation: Regulation) -> None:
    with_bom = loads("\ufeff" + FIXTURE)
    decision = decide(with_bom, "initial", ADMITTED)
    assert decision.decision == "admis"
    assert (
        decision.deciding_rule_source
        == decide(regulation, "initial", ADMITTED).deciding_rule_source
    )
    assert (
        decision.trace.regulation.sha256
        == hashlib.sha256(("\ufeff" + FIXTURE).encode()).hexdigest()
    )


def test_load_from_file_with_bom_and_crlf(tmp_path: Path) -> None:
    raw = ("\ufeff" + FIXTURE.replace("\n", "\r\n")).encode("utf-8")
    path = tmp_path / "test.reg"
    path.write_bytes(raw)
    decision = decide(load(path), "initial", ADMITTED)
    assert decision.decision == "admis"
    assert decision.trace.regulation.sha256 == hashlib.sha256(raw).hexdigest()
    assert decision.trace.regulation.path == str(path)
    assert decision.deciding_rule_source.file == str(path)
    assert decision.deciding_rule_source.line == line_of(FIXTURE, "regle admission")


# --- conditions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparator", "at_ten", "above", "below"),
    [
        (">", False, True, False),
        (">=", True, True, False),
        ("≥", True, True, False),
        ("<", False, False, True),
        ("<=", True, False, True),
        ("≤", True, False, True),
        ("=", True, False, False),
        ("!=", False, True, True),
        ("≠", False, True, True),
    ],
)
def test_comparators_at_and_around_the_threshold(
    comparator: str, at_ten: bool, above: bool, below: bool
) -> None:
    condition = f"A {comparator} 10"
    assert holds(condition, A="10") is at_ten
    assert holds(condition, A="10.01") is above
    assert holds(condition, A="9.99") is below


def test_strict_and_non_strict_thresholds_decide_differently_at_ten() -> None:
    strict = decide(probe("A > 10"), "r", {"A": 10, "B": 0, "C": 0})
    non_strict = decide(probe("A >= 10"), "r", {"A": 10, "B": 0, "C": 0})
    assert (strict.decision, non_strict.decision) == ("faux", "vrai")
    assert (strict.deciding_rule, non_strict.deciding_rule) == ("sinon", "test")


@pytest.mark.parametrize(
    ("condition", "grades"),
    [
        ("A entre 8 inclus et 10 exclu", {"7.99": False, "8": True, "9.99": True, "10": False}),
        ("A entre 8 exclu et 10 inclus", {"8": False, "8.01": True, "10": True, "10.01": False}),
        ("A entre 8 et 10", {"7.99": False, "8": True, "10": True, "10.01": False}),
        ("A entre 8 exclu et 10 exclu", {"8": False, "9": True, "10": False}),
    ],
)
def test_between_bounds(condition: str, grades: dict[str, bool]) -> None:
    assert {grade: holds(condition, A=grade) for grade in grades} == grades


@pytest.mark.parametrize(
    ("a", "b", "both", "either", "neither"),
    [(12, 12, True, True, False), (12, 4, False, True, False), (4, 4, False, False, True)],
)
def test_and_or_not(a: int, b: int, both: bool, either: bool, neither: bool) -> None:
    assert holds("A >= 10 et B >= 10", A=a, B=b) is both
    assert holds("A >= 10 ou B >= 10", A=a, B=b) is either
    assert holds("non A >= 10 et non B >= 10", A=a, B=b) is neither
    assert holds("non (A >= 10 ou B >= 10)", A=a, B=b) is neither


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # A=10, B=10, C=4
        ("non (A < 5 ou C < 5)", False),
        ("non A < 5 ou C < 5", True),  # `non` binds tighter than `ou`
        ("A < 5 et B < 5 ou C < 5", True),  # `et` binds tighter than `ou`
        ("A < 5 et (B < 5 ou C < 5)", False),
        ("non non C < 5", True),
    ],
)
def test_logical_precedence_and_parentheses(condition: str, expected: bool) -> None:
    assert holds(condition, A=10, B=10, C=4) is expected


@pytest.mark.parametrize(
    ("condition", "grades", "shown"),
    [
        ("A + B * C = 22", (2, 4, 5), "A + B * C = 22"),
        ("(A + B) * C = 30", (2, 4, 5), "(A + B) * C = 30"),
        ("A - B - C = 12", (20, 5, 3), "A - B - C = 12"),
        ("A - (B - C) = 18", (20, 5, 3), "A - (B - C) = 18"),
        ("A / B * 2 = 8", (20, 5, 0), "A / B * 2 = 8"),
        ("A / (B * 2) = 2", (20, 5, 0), "A / (B * 2) = 2"),
        ("- A + B = 5", (10, 15, 0), "-A + B = 5"),
        ("(A + B + C) / 3 = 9", (8, 9, 10), "(A + B + C) / 3 = 9"),
    ],
)
def test_arithmetic_precedence_and_parentheses(
    condition: str, grades: tuple[int, int, int], shown: str
) -> None:
    decision = decide(probe(condition), "r", dict(zip("ABC", grades, strict=True)))
    assert decision.decision == "vrai"
    assert decision.trace.rules[0].condition.text == shown


# --- regimes: exceptions, replacements, form overrides ---------------------------------

# General mean exactly 10 (210/21), professional mean 9 (< 10).
PRO_BELOW_TEN = {"U1": "9", "U2": "9", "U3": "12"}


def test_exception_in_derived_regime_falls_through(regulation: Regulation) -> None:
    base = decide(regulation, "initial", PRO_BELOW_TEN)
    derived = decide(regulation, "alternance", PRO_BELOW_TEN)
    assert base.figures["moyenne_generale"] == derived.figures["moyenne_generale"] == "10.00"
    assert (base.decision, base.deciding_rule) == ("admis", "admission")
    assert statuses(base) == ["failed", "held", "not_reached", "not_reached"]
    assert (derived.decision, derived.deciding_rule) == ("ajourne", "sinon")
    assert statuses(derived) == ["failed", "excepted", "failed", "default"]
    excepted = rule_trace(derived, "admission")
    assert excepted.condition.result is True
    assert [e.result for e in excepted.exceptions] == [True]
    assert excepted.exceptions[0].text == "moyenne_pro < 10"
    assert excepted.exception_citation == t.CitationRecord(
        text="sauf si la moyenne professionnelle est inférieure à 10"
    )
    # the inherited rule keeps its own place in the text
    assert excepted.source.line == line_of(FIXTURE, "regle admission")


def test_excepted_rule_lets_the_next_rule_decide() -> None:
    text = mutate(
        probe("A >= 10"), "  sinon faux\n", "  regle repli si B >= 10 alors faux\n  sinon faux\n"
    )
    text += 'regime d "Dérivé" reprend r\n  regle test sauf si C < 10\n'
    grades = {"A": 12, "B": 12, "C": 5}
    base = decide(text, "r", grades)
    derived = decide(text, "d", grades)
    assert (base.decision, base.deciding_rule) == ("vrai", "test")
    assert (derived.decision, derived.deciding_rule) == ("faux", "repli")
    assert statuses(derived) == ["excepted", "held", "not_reached"]
    assert decide(text, "d", {**grades, "C": 10}).deciding_rule == "test"


def test_exception_does_not_apply_when_its_condition_is_false(regulation: Regulation) -> None:
    decision = decide(regulation, "alternance", ADMITTED)
    assert (decision.decision, decision.deciding_rule) == ("admis", "admission")
    assert statuses(decision) == ["failed", "held", "not_reached", "not_reached"]
    assert [e.result for e in rule_trace(decision, "admission").exceptions] == [False]


def test_derived_regime_replaces_a_rule(regulation: Regulation) -> None:
    base = decide(regulation, "initial", ADMITTED)
    replaced = decide(regulation, "libre", ADMITTED)
    assert base.decision == "admis"
    assert (replaced.decision, replaced.deciding_rule) == ("ajourne", "sinon")
    assert [r.name for r in replaced.trace.rules] == RULE_NAMES
    admission = rule_trace(replaced, "admission")
    assert admission.status == "failed"
    assert admission.title == "Admission des candidats libres"
    assert admission.condition.text == "moyenne_generale >= 12"
    assert admission.source.line == line_of(FIXTURE, 'regle admission "Admission des candidats')
    assert admission.exceptions == []


def test_derived_regime_replacement_decides_with_its_own_rule(regulation: Regulation) -> None:
    grades = {"U1": "13", "U2": "12", "U3": "12"}
    decision = decide(regulation, "libre", grades)
    assert (decision.decision, decision.deciding_rule) == ("admis", "admission")
    assert decision.deciding_rule_source.line == line_of(FIXTURE, 'regle admission "Admission des')
    assert decision.citation is None  # the replacing rule cites nothing


def test_form_override_removes_ccf_situations(regulation: Regulation) -> None:
    grades = {"U1.S1": "8", "U1.S2": "13", "U2": "10", "U3": "10"}
    base = decide(regulation, "initial", grades)
    assert unit(base, "U1").value == "21/2"
    error = candidate_error(regulation, "alternance", grades)
    assert (error.code, error.field) == ("C007", "U1.S1")
    (form,) = forms_of(regulation, "alternance", "U1")
    assert (form.kind, form.modes, form.minutes, form.preparation_minutes) == (
        "EPFF",
        ("orale",),
        60,
        30,
    )
    assert [f.kind for f in forms_of(regulation, "initial", "U1")] == ["CCF"]
    # a whole grade for U1 is what the derived regime takes
    whole = {"U1": "10.5", "U2": "10", "U3": "10"}
    assert decide(regulation, "alternance", whole).figures == base.figures


# --- grades: optional points, exemptions, absences, parts --------------------------------


def test_optional_points_above_ten_add_to_total_not_coefficients(regulation: Regulation) -> None:
    without = decide(regulation, "initial", ADMITTED)
    with_bonus = decide(regulation, "initial", {**ADMITTED, "UF": "16"})
    assert figure(with_bonus, "bonus").value == "6"
    assert figure(without, "bonus").value == "0"
    assert figure(with_bonus, "moyenne_generale").value == str(general_mean("10", "13", "9", "6"))
    assert figure(without, "moyenne_generale").value == str(general_mean("10", "13", "9"))
    assert unit(with_bonus, "UF").coefficient is None


@pytest.mark.parametrize("grade", ["8", "10", "ABJ", "ABS"])
def test_optional_unit_at_or_below_ten_adds_nothing(regulation: Regulation, grade: str) -> None:
    decision = decide(regulation, "initial", {**ADMITTED, "UF": grade})
    assert figure(decision, "bonus").value == "0"
    assert figure(decision, "moyenne_generale").value == "221/21"
    assert decision.decision == "admis"  # an absence from an optional unit is no absence rule


def test_exempted_unit_leaves_the_mean(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", {"U1": "10", "U2": "13", "U3": "DISP"})
    assert unit(decision, "U3").status == "DISP"
    assert unit(decision, "U3").value is None
    assert figure(decision, "moyenne_generale").value == str(Fraction(8 * 10 + 6 * 13, 14))


def test_justified_absence_counts_zero(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", {"U1": "10", "U2": "13", "U3": "ABJ"})
    assert (unit(decision, "U3").status, unit(decision, "U3").value) == ("ABJ", "0")
    assert figure(decision, "moyenne_generale").value == str(general_mean("10", "13", "0"))
    assert rule_trace(decision, "absence").status == "failed"


def test_unjustified_absence_triggers_the_absence_rule(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", {"U1": "20", "U2": "20", "U3": "ABS"})
    assert (decision.decision, decision.deciding_rule) == ("ajourne", "absence")
    assert statuses(decision) == ["held", "not_reached", "not_reached", "not_reached"]
    checks = rule_trace(decision, "absence").condition.checks
    assert [(c.left, c.result) for c in checks] == [("U3", True)]


def test_exemption_of_a_unit_outside_dispensable_groups_is_an_input_error(
    regulation: Regulation,
) -> None:
    error = candidate_error(regulation, "initial", {"U1": "DISP", "U2": "10", "U3": "10"})
    assert (error.code, error.field) == ("C008", "U1")


def test_unit_from_parts_is_their_weighted_mean(regulation: Regulation) -> None:
    by_parts = decide(regulation, "initial", {"U1": "10", "U2.a": "8", "U2.b": "12", "U3": "9"})
    traced = unit(by_parts, "U2")
    assert traced.value == "11"  # (1 × 8 + 3 × 12) / 4
    assert [(p.name, p.weight, p.value) for p in traced.parts] == [
        ("a", "1", "8"),
        ("b", "3", "12"),
    ]
    whole = decide(regulation, "initial", {"U1": "10", "U2": "11", "U3": "9"})
    assert by_parts.figures == whole.figures


def test_ccf_situations_are_parts_of_equal_weight(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", {"U1.S1": "8", "U1.s2": "13", "U2": "10", "U3": "10"})
    traced = unit(decision, "U1")
    assert traced.value == "21/2"
    assert [(p.name, p.weight, p.value) for p in traced.parts] == [
        ("S1", "1", "8"),
        ("S2", "1", "13"),
    ]


@pytest.mark.parametrize("situations", [1, 3, 4])
def test_ccf_n_situations_gives_n_parts(situations: int) -> None:
    text = mutate(
        probe("A >= 10"),
        '    unite A "A" coefficient 1',
        f'    unite A "A" coefficient 1 : CCF {situations} situations',
    )
    grades = {f"A.S{i}": 10 + i for i in range(1, situations + 1)}
    decision = decide(text, "r", {**grades, "B": 0, "C": 0})
    traced = unit(decision, "A")
    assert [p.name for p in traced.parts] == [f"S{i}" for i in range(1, situations + 1)]
    assert {p.weight for p in traced.parts} == {"1"}
    assert traced.value == str(Fraction(sum(grades.values()), situations))


# --- the text decides --------------------------------------------------------------


def test_changing_a_threshold_in_the_text_changes_the_decision(regulation: Regulation) -> None:
    stricter = loads(mutate(FIXTURE, ">= 10 alors admis", ">= 10,6 alors admis"))
    before = decide(regulation, "initial", ADMITTED)
    after = decide(stricter, "initial", ADMITTED)
    assert before.figures == after.figures
    assert (before.decision, after.decision) == ("admis", "ajourne")
    assert rule_trace(after, "admission").condition.checks[0].right == "10.60"


def test_resit_terms_at_the_inclusive_lower_bound(regulation: Regulation) -> None:
    # professional mean 11 (> 10), general mean exactly 8
    decision = decide(regulation, "initial", {"U1": "11", "U2": "11", "U3": "2"})
    assert decision.figures["moyenne_generale"] == "8.00"
    assert (decision.decision, decision.deciding_rule) == ("rattrapage", "rattrapage")
    assert decision.resit == t.ResitTerms(count=1, units=["U3"])


def test_resit_interval_excludes_ten(regulation: Regulation) -> None:
    # in `libre` admission needs 12, so a general mean of exactly 10 reaches `rattrapage`
    decision = decide(regulation, "libre", {"U1": "11", "U2": "11", "U3": "8"})
    assert decision.figures["moyenne_generale"] == "10.00"
    assert rule_trace(decision, "rattrapage").status == "failed"
    assert decision.decision == "ajourne"


# --- the trace ---------------------------------------------------------------------


def test_trace_lists_every_rule_in_order(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", ADMITTED)
    assert [r.name for r in decision.trace.rules] == RULE_NAMES
    assert statuses(decision) == ["failed", "held", "not_reached", "not_reached"]
    assert [r.outcome for r in decision.trace.rules] == [
        "ajourne",
        "admis",
        "rattrapage",
        "ajourne",
    ]
    not_reached = rule_trace(decision, "rattrapage")
    assert not_reached.condition is None


def test_trace_source_lines_are_the_rule_keyword_lines(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", ADMITTED)
    assert decision.deciding_rule_source == t.SourceRef(
        file="<texte>", line=line_of(FIXTURE, "regle admission"), column=3
    )
    expected = [
        line_of(FIXTURE, "regle absence"),
        line_of(FIXTURE, "regle admission"),
        line_of(FIXTURE, "regle rattrapage"),
        line_of(FIXTURE, "sinon ajourne"),
    ]
    assert [r.source.line for r in decision.trace.rules] == expected
    assert figure(decision, "bonus").source.line == line_of(FIXTURE, "chiffre bonus")


def test_source_path_is_the_given_path() -> None:
    decision = decide(loads(FIXTURE, "regles/test.reg"), "initial", ADMITTED)
    assert decision.deciding_rule_source.file == "regles/test.reg"
    assert decision.trace.regulation.path == "regles/test.reg"


def test_figures_carry_exact_values_and_two_decimal_display(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", ADMITTED)
    mean = figure(decision, "moyenne_generale")
    assert (mean.value, mean.display) == ("221/21", "10.52")
    assert decision.figures == {
        "moyenne_pro": "11.28",
        "bonus": "0.00",
        "moyenne_generale": "10.52",
    }
    assert [(i.name, i.value) for i in mean.inputs] == [
        ("U1", "10"),
        ("U2", "13"),
        ("U3", "9"),
        ("bonus", "0"),
    ]
    assert mean.expression == "(total de pro, gen + bonus) / coefficients de pro, gen"


def test_display_truncates_never_rounds_up_to_ten(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", {"U1": "10", "U2": "10", "U3": "9.99"})
    mean = figure(decision, "moyenne_generale")
    assert mean.value == str(Fraction("209.93") / 21)  # 9.9966…
    assert mean.display == "9.99"
    assert decision.figures["moyenne_generale"] == "9.99"
    assert rule_trace(decision, "admission").condition.checks[0].left == "9.99"
    assert decision.decision == "ajourne"


def test_citation_joins_adjacent_strings_with_one_space(regulation: Regulation) -> None:
    decision = decide(regulation, "initial", ADMITTED)
    assert decision.citation == t.CitationRecord(
        text="admis dès lors qu'ils ont obtenu une moyenne générale d'au moins 10.",
        source="Règlement de test, article 1",
    )
    assert rule_trace(decision, "admission").citation == decision.citation


def test_regulation_stamp_is_the_sha256_of_the_text(regulation: Regulation) -> None:
    stamp = decide(regulation, "initial", ADMITTED).trace.regulation
    assert stamp.sha256 == hashlib.sha256(FIXTURE.encode("utf-8")).hexdigest()
    assert stamp.diploma == "BTS_TEST"
    edited = loads(mutate(FIXTURE, ">= 10 alors admis", ">= 10,0 alors admis"))
    assert decide(edited, "initial", ADMITTED).trace.regulation.sha256 != stamp.sha256


def test_trace_round_trips_as_json(regulation: Regulation) -> None:
    decision = decide(regulation, "alternance", PRO_BELOW_TEN)
    assert t.Decision.model_validate_json(decision.model_dump_json()) == decision


# --- stated rounding ----------------------------------------------------------------
# U1 9.99, U2 13, U3 7.42: general mean 209.86 / 21 = 9.9933…, professional mean 11.28.


@pytest.mark.parametrize(
    ("rounding", "shown", "outcome"),
    [
        ("", "9.99", "rattrapage"),  # exact by default: below 10
        ("arrondi 1 decimale", "10.00", "admis"),  # 9.9933 → 10.0
        ("arrondi 2 decimales", "9.99", "rattrapage"),
        ("tronque 1 decimale", "9.90", "rattrapage"),
    ],
)
def test_a_stated_rounding_applies_before_comparison(
    rounding: str, shown: str, outcome: str
) -> None:
    text = mutate(
        FIXTURE,
        "(total de pro, gen + bonus) / coefficients de pro, gen\n",
        f"(total de pro, gen + bonus) / coefficients de pro, gen {rounding}\n",
    )
    decision = decide(text, "initial", {"U1": "9.99", "U2": "13", "U3": "7.42"})
    mean = figure(decision, "moyenne_generale")
    assert (mean.display, decision.decision) == (shown, outcome)
    exact = (8 * Fraction("9.99") + 6 * 13 + 7 * Fraction("7.42")) / 21
    assert mean.unrounded == (str(exact) if rounding else None)


def test_rounding_halves_go_up_and_truncation_goes_towards_zero() -> None:
    from ndrc_rules.common.numbers import rounded

    assert rounded(Fraction("9.995"), 2, "arrondi") == Fraction("10")
    assert rounded(Fraction("9.9949"), 2, "arrondi") == Fraction("9.99")
    assert rounded(Fraction("9.999"), 2, "tronque") == Fraction("9.99")
    assert rounded(Fraction("-2.5"), 0, "arrondi") == Fraction(-3)
