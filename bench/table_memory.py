"""Peak memory of `eval` printing its table on a large cohort (issue 10, point 9).

    python bench/table_memory.py [--size 50000] [--db] [--src PATH]

Writes the deterministic boundary-heavy NDRC cohort of `ndrc_bench.py` as CSV,
runs `eval` in table mode (standard output to /dev/null, as on a terminal that
scrolls) and prints the peak RSS of that process. `--db` also appends the batch
to a fresh store; `--src` runs the package found under PATH (another checkout's
`src`) instead of the installed one, to compare before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ndrc_bench import REGULATION, UNITS, cohort

PROBE = (
    "import resource, subprocess, sys;"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--db", action="store_true")
    parser.add_argument("--src", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "cohort.csv"
        columns = ["id", "regime", *UNITS, "UF1"]
        with source.open("w", encoding="utf-8") as out:
            out.write(";".join(columns) + "\n")
            for row in cohort(args.size):
                out.write(";".join(row[c].replace(".", ",") for c in columns) + "\n")
        command = [
            sys.executable,
            "-c",
            "import sys; from ndrc_rules.cli import main; sys.exit(main())",
        ]
        command += ["eval", str(REGULATION), str(source)]
        if args.db:
            command += ["--db", str(Path(folder) / "registre.sqlite")]
        env = {**os.environ, **({"PYTHONPATH": str(args.src)} if args.src else {})}
        out = subprocess.run(
            [sys.executable, "-c", PROBE, *command], capture_output=True, text=True, env=env
        ).stdout
        mode = "eval --db, table" if args.db else "eval, table"
        print(f"{mode}, {args.size:,} rows: peak RSS {int(out) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
