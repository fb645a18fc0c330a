"""ndrc-rules: French BTS exam regulations as text, every decision explained.

regulation = ndrc_rules.load("regulations/bts_ndrc.reg")
decision = regulation.decide({"id": "42", "regime": "apprentissage", "U1": "12", ...})
decision.decision, decision.deciding_rule, decision.trace
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.3.0"
__all__ = ["CandidateError", "Regulation", "RegulationError", "__version__", "load", "loads"]

if TYPE_CHECKING:
    from ndrc_rules.api import CandidateError, Regulation, RegulationError, load, loads


def __getattr__(name: str) -> object:
    """The API, imported on first use: `ndrc-rules check` never needs the evaluator."""
    if name in __all__:
        from ndrc_rules import api

        return getattr(api, name)
    raise AttributeError(f"module 'ndrc_rules' has no attribute {name!r}")
