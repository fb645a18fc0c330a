"""Measure the engine on a synthetic NDRC cohort, against a hand-written reference.

Usage:
    python bench/ndrc_bench.py [--size N] [--stream N]

In one run, on the same deterministic, boundary-heavy cohort (a third of the
candidates sit exactly on 10.00 or 8.00):

- the reference: a hand-written function of the NDRC rules, exact integer
  arithmetic on hundredths (what a careful developer would write by hand);
- the engine, outcome and deciding rule only (`outcome`: the generated fast
  path), then with its figures but no trace (`try_decide(trace=False)`);
- the engine with the full trace written out as JSON Lines (`record_line`, the
  path of `eval --format jsonl`; text encoded and written to /dev/null, so that
  the disk is not measured), and, for comparison, on a tenth of the cohort,
  the trace built as pydantic models and then serialised;
- `ndrc-rules check regulations/bts_ndrc.reg` as a cold process;
- with --stream N: N candidates written to CSV and streamed to JSONL by
  `ndrc-rules eval`, with the child process's peak memory.

Every engine decision is compared with the reference. Prints figures; asserts
nothing about speed (this is a measurement, not a test).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import ndrc_rules
from ndrc_rules.io.candidates import Candidate, candidate_from_mapping

ROOT = Path(__file__).resolve().parent.parent
REGULATION = ROOT / "regulations" / "bts_ndrc.reg"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
UNITS = ("U1", "U2", "U3", "U4", "U5", "U6")
COEFFICIENTS = {"U1": 3, "U2": 3, "U3": 3, "U4": 5, "U5": 4, "U6": 3}
PROFESSIONAL = ("U4", "U5", "U6")


# --- the cohort ------------------------------------------------------------------------
def cohort(size: int, seed: int = 2026) -> list[dict[str, str]]:
    """Rows as a spreadsheet gives them; grades in quarters, some exactly on a bar."""
    rng = random.Random(seed)
    rows = []
    for i in range(size):
        grades = {u: rng.randrange(0, 81) / 4 for u in UNITS}
        if i % 3 == 0:  # every unit on the same grade: the average sits exactly on it
            grades = dict.fromkeys(UNITS, rng.choice((8, 10)))
        row = {"id": f"C{i:07d}", "regime": ("apprentissage", "professionnalisation")[i % 2]}
        row.update({u: f"{g:.2f}" for u, g in grades.items()})
        row["UF1"] = f"{rng.randrange(0, 41) / 2:.1f}" if i % 5 == 0 else ""
        if i % 97 == 0:
            row["U2"] = "ABS"
        rows.append(row)
    return rows


# --- the hand-written reference ----------------------------------------------------------
def hundredths(text: str) -> int:
    whole, _, decimals = text.partition(".")
    return int(whole) * 100 + int((decimals + "00")[:2])


def reference(row: dict[str, str]) -> tuple[str, str]:
    """The NDRC rules by hand, in exact integers: (outcome, deciding rule)."""
    if any(row[u] == "ABS" for u in UNITS):
        return "ajourne", "absence"
    grades = {u: hundredths(row[u]) for u in UNITS}
    bonus = max(0, hundredths(row["UF1"]) - 1000) if row["UF1"] else 0
    total = sum(COEFFICIENTS[u] * grades[u] for u in UNITS) + bonus  # over 21, in hundredths
    pro_total = sum(COEFFICIENTS[u] * grades[u] for u in PROFESSIONAL)  # over 12
    general_ok = total >= 1000 * 21
    pro_below_10 = pro_total < 1000 * 12
    if general_ok and not (row["regime"] == "professionnalisation" and pro_below_10):
        return "admis", "admission"
    if 800 * 21 <= total < 1000 * 21 and pro_total > 1000 * 12:
        return "rattrapage", "rattrapage"
    return "ajourne", "sinon"


# --- measurements -----------------------------------------------------------------------
def timed(label: str, count: int, run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"  {label:<44} {count / seconds:>11,.0f} candidats/s  ({seconds:.2f} s)")
    return count / seconds


def cold_check() -> float:
    best = min(_wall([SCRIPT, "check", REGULATION]) for _ in range(5))
    print(f"  {'ndrc-rules check bts_ndrc.reg (cold, best of 5)':<44} {best:>11.3f} s")
    return best


def _wall(command: list[object]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def stream(size: int) -> None:
    """N candidates through `eval --format jsonl`, CSV in and JSONL out, on disk."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "cohort.csv", Path(folder) / "out.jsonl"
        columns = ["id", "regime", *UNITS, "UF1"]
        with source.open("w", encoding="utf-8") as out:
            out.write(";".join(columns) + "\n")
            for row in cohort(size):
                out.write(";".join(row[c].replace(".", ",") for c in columns) + "\n")
        command = [SCRIPT, "eval", REGULATION, source, "--format", "jsonl", "-o", target]
        start = time.perf_counter()
        peak = _peak_memory(command)
        seconds = time.perf_counter() - start
        lines = sum(1 for _ in target.open(encoding="utf-8"))
        print(
            f"  {'stream CSV → JSONL with traces':<44} {size / seconds:>11,.0f} candidats/s"
            f"  ({seconds:.1f} s, {lines} lignes, pic mémoire du processus {peak:.0f} Mo)"
        )


def _peak_memory(command: list[object]) -> float:
    """Run `command` from a small interpreter, so that its peak RSS is its own (MB)."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *map(str, command)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--stream", type=int, default=0)
    args = parser.parse_args()

    rows = cohort(args.size)
    regulation = ndrc_rules.load(REGULATION)
    candidates = [
        candidate_from_mapping(i, r)  # as `eval` reads a row: its cells kept for the record
        for i, r in enumerate(rows)
    ]
    print(f"Cohorte synthétique : {args.size} candidats, règlement {REGULATION.name}")
    expected = [reference(r) for r in rows]
    # The cohort stays in memory for every measurement; without this, the
    # collector would walk it again and again, which a stream never does.
    gc.freeze()
    ref = timed(
        "référence écrite à la main (entiers exacts)",
        len(rows),
        lambda: [reference(r) for r in rows],
    )
    decided: list[object] = []
    fast = timed(
        "moteur, décision et règle (outcome)",
        len(rows),
        lambda: decided.extend(regulation.outcome(c) for c in candidates),
    )
    timed(
        "moteur, décision et chiffres sans trace",
        len(rows),
        lambda: [regulation.try_decide(c, trace=False) for c in candidates],
    )
    with open(os.devnull, "w", encoding="utf-8") as out:  # the disk is not the engine
        traced = timed(
            "moteur, trace complète écrite en JSON Lines",
            len(rows),
            lambda: _write_lines(out, candidates, regulation),
        )
    written = [_verdict(regulation.record_line(c)[1]) for c in candidates]
    timed(
        "moteur, trace en modèles pydantic puis JSON",
        len(rows) // 10,
        lambda: [regulation.try_decide(c).model_dump_json() for c in candidates[::10]],
    )
    mismatches = sum(
        (d.decision, d.deciding_rule) != e for d, e in zip(decided, expected, strict=True)
    )
    mismatches += sum(w != e for w, e in zip(written, expected, strict=True))
    print(f"  ratios à la référence : décisions {fast / ref:.3f}×, avec trace {traced / ref:.3f}×")
    print(f"  décisions différentes de la référence : {mismatches} sur {2 * len(rows)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  pic mémoire de ce processus : {peak:.0f} Mo")
    cold_check()
    if args.stream:
        stream(args.stream)


def _write_lines(
    out: IO[str], candidates: list[Candidate], regulation: ndrc_rules.Regulation
) -> None:
    for candidate in candidates:
        out.write(regulation.record_line(candidate)[1] + "\n")


def _verdict(line: str) -> tuple[str, str]:
    record = json.loads(line)
    return record["decision"], record["deciding_rule"]


if __name__ == "__main__":
    main()
