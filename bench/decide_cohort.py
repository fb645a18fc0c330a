"""Measure how fast the engine decides a synthetic NDRC cohort.

Usage: python bench/decide_cohort.py [N]   (default 20000 candidates)

Prints candidates per second for: reading + deciding with the full trace
(what `eval` does), and the trace-free core (binding + evaluation), plus the
time to load (parse, check, compile) the regulation. Deterministic cohort,
boundary-heavy: many general averages exactly 10 and 8.
"""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction
from pathlib import Path

import ndrc_rules
from ndrc_rules.binding import bind
from ndrc_rules.candidates import Candidate
from ndrc_rules.parser import fold

ROOT = Path(__file__).resolve().parent.parent
UNITS = ("U1", "U2", "U3", "U4", "U5", "U6")


def cohort(size: int, seed: int = 2026) -> list[Candidate]:
    rng = random.Random(seed)
    people = []
    for i in range(size):
        grades = {u: Fraction(rng.randrange(0, 81), 4) for u in UNITS}
        if i % 3 == 0:  # every unit at the same grade: averages land exactly on it
            grade = Fraction(rng.choice((8, 10)))
            grades = dict.fromkeys(UNITS, grade)
        if i % 5 == 0:
            grades["UF1"] = Fraction(rng.randrange(0, 41), 2)
        regime = "apprentissage" if i % 2 else "professionnalisation"
        people.append(Candidate(row=i + 2, id=f"C{i:07d}", regime=regime, grades=grades))
    return people


def rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<42} {count / seconds:>10,.0f} candidats/s  ({seconds:.3f} s)")


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    start = time.perf_counter()
    regulation = ndrc_rules.load(ROOT / "regulations" / "bts_ndrc.reg")
    print(f"load (parse + check + compile)            {time.perf_counter() - start:.3f} s")
    people = cohort(size)

    start = time.perf_counter()
    decisions = [regulation.try_decide(c) for c in people]
    rate("decide with full trace", size, time.perf_counter() - start)

    start = time.perf_counter()
    for candidate in people:
        compiled = regulation.regimes[fold(candidate.regime)]
        compiled.evaluate(bind(candidate, compiled.regime))
    rate("evaluate only (no trace)", size, time.perf_counter() - start)

    outcomes: dict[str, int] = {}
    for decision in decisions:
        key = getattr(decision, "decision", "erreur")
        outcomes[key] = outcomes.get(key, 0) + 1
    print("outcomes:", dict(sorted(outcomes.items())))


if __name__ == "__main__":
    main()
