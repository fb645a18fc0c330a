"""ndrc-rules: French BTS exam regulations as text, every decision explained.

regulation = ndrc_rules.load("regulations/bts_ndrc.reg")
decision = regulation.decide({"id": "42", "regime": "apprentissage", "U1": "12", ...})
decision.decision, decision.deciding_rule, decision.trace
"""

__version__ = "0.1.0"

from .api import CandidateError, Regulation, RegulationError, load, loads

__all__ = ["CandidateError", "Regulation", "RegulationError", "__version__", "load", "loads"]
