"""One ranking of suggestions for every misspelt name: prefix, then edit distance."""

from __future__ import annotations

from ndrc_rules.language.names import fold
from ndrc_rules.language.suggest import edit_distance, nearest

FIGURES = ["moyenne_generale", "moyenne_pro", "points_facultatifs"]


def test_a_name_that_begins_the_typed_one_comes_before_one_as_far_by_difflib() -> None:
    assert nearest("moyenne_profesionnelle", FIGURES) == "moyenne_pro"
    assert nearest("moyenne_generalle", FIGURES) == "moyenne_generale"
    assert nearest("Moyenne_Générale", ["moyenne_generale", "x"], fold) is None  # same name


def test_edit_distance_ranks_typos_and_short_codes_are_not_guessed() -> None:
    assert nearest("coefficent", ["coefficient", "coefficients", "choix"]) == "coefficient"
    assert nearest("aprentissage", ["apprentissage", "professionnalisation"]) == "apprentissage"
    assert nearest("U22", ["U1", "U2", "U3"]) == "U2"
    # One letter in two is not a typo: U6 is not "probably U1".
    assert nearest("U6", ["U1", "U4", "U5"]) is None
    assert nearest("recu", ["admis", "ajourne"]) is None


def test_edit_distance() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance("pro", "pro") == 0
