"""Peak memory of `replay` on a large store (issue 11, point 9).

    python bench/replay_memory.py [--size 20000] [--store PATH] [--src PATH] [--format json]

Appends the deterministic boundary-heavy NDRC cohort of `ndrc_bench.py` to a
store with `eval --db` (kept at `--store PATH` and reused when it is already
there: building one takes a while), then runs `replay` on it (standard output
to /dev/null) and prints the peak RSS and time of that process. `--src` runs
the package found under PATH (another checkout's `src`) instead of the
installed one, to compare before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ndrc_bench import REGULATION, UNITS, cohort
from table_memory import PROBE

CLI = [sys.executable, "-c", "import sys; from ndrc_rules.cli import main; sys.exit(main())"]


def build(store: Path, size: int, folder: Path) -> None:
    source = folder / "cohort.csv"
    columns = ["id", "regime", *UNITS, "UF1"]
    with source.open("w", encoding="utf-8") as out:
        out.write(";".join(columns) + "\n")
        for row in cohort(size):
            out.write(";".join(row[c].replace(".", ",") for c in columns) + "\n")
    command = [*CLI, "eval", str(REGULATION), str(source), "--db", str(store), "--format", "csv"]
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--src", type=Path)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = args.store or Path(folder) / "registre.sqlite"
        if not store.exists():
            build(store, args.size, Path(folder))
        env = {**os.environ, **({"PYTHONPATH": str(args.src)} if args.src else {})}
        command = [*CLI, "replay", str(store), "--format", args.format]
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", PROBE, *command], capture_output=True, text=True, env=env
        ).stdout
        seconds = time.perf_counter() - started
        print(
            f"replay --format {args.format}, {store.name}: peak RSS {int(out) / 1024:.0f} MB, "
            f"{seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
