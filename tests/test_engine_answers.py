"""What the engine answers on the paths issue 10 found misleading: resit terms a
candidate cannot meet, an absence at the resit, the jury as the decider, a
figure that cannot be computed. Text in, decision, trace or error out."""

from __future__ import annotations

import pytest

from ndrc_rules.api import CandidateError, Regulation, loads

# Two general units, both exemptable; the figure (`{figure}`) and the rule's
# condition may divide by them.
EXEMPTABLE = """\
diplome T "Test"
resultat admis "Admis"
resultat ajourne "Ajourné"
regime r "R"
  groupe pro "Pro"
    unite U4 "Quatre" coefficient 2
  groupe gen "Gen" dispensable
    unite U1 "Un" coefficient 1
    unite U2 "Deux" coefficient 1
  chiffre moy "Moyenne" = moyenne de {figure}
  regle generale "Générale"
    si {condition} alors admis
  sinon ajourne
"""


def _error(regulation: Regulation, **columns: str) -> CandidateError:
    with pytest.raises(CandidateError) as caught:
        regulation.decide({"id": "c", "regime": "r", **columns})
    return caught.value


# --- C016 names what cannot be computed, and where (point 6) -----------------------------
@pytest.mark.parametrize(
    ("figure", "condition", "named"),
    [
        ("gen", "moy >= 10", "`moy` (<texte>:10)"),  # a figure: its name and line
        ("pro", "moy > 8 et moyenne de gen >= 10", "`moyenne de gen` (<texte>:12)"),
        (
            "pro",
            "total de gen / coefficients de gen >= 10",
            "`total de gen / coefficients de gen` (<texte>:12)",
        ),
    ],
)
def test_an_impossible_computation_names_the_figure_or_expression(
    figure: str, condition: str, named: str
) -> None:
    regulation = loads(EXEMPTABLE.format(figure=figure, condition=condition))
    error = _error(regulation, U4="12", U1="DISP", U2="DISP").error
    assert error.code == "C016"
    assert f"calcul impossible pour {named} :" in error.message
