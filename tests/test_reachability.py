"""Rules that can never decide, found by exact linear reasoning, with an example."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from ndrc_rules import RegulationError, loads
from ndrc_rules.language.analysis.simplex import Constraint, solve

HEAD = """\
diplome X "X"
resultat admis "Admis"
resultat rattrapage "Rattrapage"
resultat ajourne "Ajourné"
regime a "A"
  groupe pro "Pro"
    unite P1 "P1" coefficient 3
    unite P2 "P2" coefficient 1
  groupe gen "Gen" dispensable
    unite G1 "G1" coefficient 2
  groupe fac "Fac" facultatif
    unite F1 "F1"
  chiffre bonus = points au-dessus de 10 de fac
  chiffre moy = (total de pro, gen + bonus) / coefficients de pro, gen
  chiffre moy_pro = moyenne de pro
"""


def regulation(rules: str, tail: str = "") -> str:
    return HEAD + rules + "  sinon ajourne\n" + tail


def errors(text: str) -> list:
    with pytest.raises(RegulationError) as caught:
        loads(text)
    return [d for d in caught.value.diagnostics if d.code.startswith("E")]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def dead(rules: str, tail: str = "") -> list[tuple[str, str, int]]:
    text = regulation(rules, tail)
    return [(d.code, d.args["name"], d.span.line) for d in errors(text)]


def test_a_rule_shadowed_by_an_earlier_one_is_reported_with_an_example() -> None:
    rules = (
        "  regle admission\n    si moy >= 10 alors admis\n"
        "  regle mention\n    si moy >= 12 alors admis\n"
    )
    text = regulation(rules)
    [d] = errors(text)
    assert (d.code, d.args["name"], d.args["earlier"]) == ("E132", "mention", "admission")
    assert d.span.line == line_of(text, "si moy >= 12")
    # The example is a real candidate: the earlier rule decides it, and without
    # that rule the dead one would.
    example = dict(item.split(" ") for item in d.hint.args["example"].split(", "))
    candidate = {"id": "x", "regime": "a", **example}
    assert loads(regulation(rules.split("  regle mention")[0])).decide(candidate).decision
    alone = loads(regulation("  regle mention\n    si moy >= 12 alors admis\n"))
    assert alone.decide(candidate).deciding_rule == "mention"


def test_a_condition_that_is_never_true() -> None:
    rules = "  regle x\n    si moy > 12 et moy < 11 alors admis\n"
    assert dead(rules) == [("E133", "x", line_of(regulation(rules), "si moy > 12"))]


@pytest.mark.parametrize(
    "rules",
    [
        # strict and non-strict at the same threshold leave exactly 10 to the second rule
        "  regle a1\n    si moy > 10 alors admis\n  regle a2\n    si moy >= 10 alors admis\n",
        # an exception makes room for a later rule
        "  regle a1\n    si moy >= 10 alors admis\n    sauf si moy_pro < 10\n"
        "  regle a2\n    si moy >= 10 alors ajourne\n",
        # ABS is tested explicitly: the rule after it still decides others
        "  regle absent\n    si ABS dans pro, gen alors ajourne\n"
        "  regle a2\n    si moy >= 10 alors admis\n",
        # only the optional unit's points above 10 lift this candidate over 10
        "  regle a1\n    si total de pro, gen >= 60 alors admis\n"
        "  regle a2\n    si moy >= 10 alors rattrapage\n",
        # only an exemption can make this true: G1 is out, so moy = moy_pro
        "  regle a1\n    si moy_pro < 10 et moy >= 10\n"
        "      et moyenne de pro, gen = moy_pro alors admis\n"
        "  regle a2\n    si moy < 10 alors ajourne\n",
    ],
)
def test_reachable_rules_are_not_reported(rules: str) -> None:
    loads(regulation(rules))


def test_a_rule_reachable_in_a_derived_regime_only_is_reported_for_the_base() -> None:
    rules = "  regle a1\n    si moy >= 10 alors admis\n  regle a2\n    si moy >= 10 alors ajourne\n"
    tail = 'regime b "B" reprend a\n  regle a1 sauf si moy_pro < 10\n'
    assert dead(rules, tail) == [
        ("E132", "a2", line_of(regulation(rules), "si moy >= 10 alors aj"))
    ]


def test_a_rule_after_an_unconditional_one_never_decides() -> None:
    rules = "  regle tout\n    si moy >= 0 alors admis\n"
    assert dead(rules) == [("E132", "sinon", line_of(regulation(rules), "sinon"))]


def test_a_never_true_condition_names_the_fewest_parts_that_conflict() -> None:
    rules = "  regle x\n    si moy_pro >= 12 et P2 >= 5 et moy_pro < 11 alors admis\n"
    text = regulation(rules)
    [d] = errors(text)
    line = line_of(text, "si moy_pro")
    # The caret covers the whole condition, from `moy_pro` to the last `11`.
    assert (d.span.line, d.span.column, d.span.end_column) == (line, 8, 48)
    assert d.hint_text == (
        "ces parties de la condition ne peuvent être vraies ensemble : "
        "`moy_pro >= 12` ; `moy_pro < 11`"
    )


def test_a_condition_false_on_its_own_or_through_its_exception_is_named() -> None:
    [alone] = errors(regulation("  regle x\n    si P1 > 20 alors admis\n"))
    assert alone.hint_text == "`P1 > 20` n'est vrai pour aucun candidat"
    rules = "  regle x\n    si moy_pro >= 12 et P1 >= 0 alors admis\n    sauf si moy_pro > 11\n"
    [excepted] = errors(regulation(rules))
    assert excepted.code == "E133"
    assert "`moy_pro >= 12` ; `non moy_pro > 11`" in (excepted.hint_text or "")


def test_a_shadowed_rule_names_the_earlier_rules_that_cover_it() -> None:
    rules = (
        "  regle haut\n    si moy >= 10 alors admis\n"
        "  regle inutile\n    si P2 >= 19 alors admis\n"
        "  regle bas\n    si moy < 10 alors ajourne\n"
        "  regle mort\n    si moy_pro >= 5 alors rattrapage\n"
    )
    text = regulation(rules)
    d, default = errors(text)  # `sinon` is dead too: `haut` and `bas` take everyone
    assert default.args["name"] == "sinon"
    assert (d.code, d.args["name"], d.span.line) == ("E132", "mort", line_of(text, "si moy_pro"))
    assert (d.hint_text or "").startswith(
        "`moy_pro >= 5` : tout candidat est déjà décidé par "
        f"`haut` (ligne {line_of(text, 'regle haut')}, `moy >= 10`) ; "
        f"`bas` (ligne {line_of(text, 'regle bas')}, `moy < 10`) ; par exemple : "
    )


def test_non_linear_figures_are_not_analysed() -> None:
    text = regulation("  regle x\n    si moy * moy_pro > 1000 et moy < 1 alors admis\n")
    loads(text)  # not provably dead by linear reasoning: nothing reported


def test_the_shipped_regulation_has_no_dead_rule(ndrc_path) -> None:
    from ndrc_rules import load

    assert not [w for w in load(ndrc_path).warnings if w.code.startswith("E")]


def test_simplex_handles_strict_and_equal_constraints() -> None:
    bounds = {"x": (F(0), F(20)), "y": (F(0), F(20))}
    assert solve(
        [Constraint({"x": F(1), "y": F(1)}, "=", F(30)), Constraint({"x": F(1)}, "<", F(12))],
        bounds,
    ) == {"x": F(11), "y": F(19)}
    assert (
        solve([Constraint({"x": F(1)}, "<", F(10)), Constraint({"x": F(-1)}, "<=", F(-10))], bounds)
        is None
    )
    assert solve([Constraint({"x": F(1), "y": F(1)}, "<=", F(-1))], bounds) is None
