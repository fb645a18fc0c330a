"""Regenerate the golden `.expected` files from the current engine.

    python tests/golden/update.py            # every case
    python tests/golden/update.py E101 W00   # only the cases whose name contains E101 or W00
    python tests/golden/update.py --check    # write nothing; exit 1 if a file would change

Run it with the Python of the environment where `ndrc-rules` is installed (the
console script next to `sys.executable` is the one that runs). It is a
deliberate step: after changing a message, a span or the order of diagnostics,
regenerate, then review `git diff tests/golden/` -- that diff *is* the review of
the change. `tests/test_golden.py` imports this module, so the test and the
regeneration always run the engine the same way.

A case is `NAME.reg`; its first line may be `# options: ARGS`, the extra
arguments given to `ndrc-rules check` (e.g. `--strict`, `--format json`). The
command runs from the repository root on the relative path
`tests/golden/NAME.reg`, so the paths it prints are stable. `NAME.expected`
holds `# exit: N`, then `# stdout:` and/or `# stderr:` each followed by that
stream's exact text (a stream that printed nothing has no section).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parent.parent
SCRIPT = Path(sys.executable).parent / "ndrc-rules"
OPTIONS = "# options:"
# Variables that would change the language or make Rich colour or resize its output.
DROPPED = {"NDRC_LANG", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLORTERM", "LINES"}
FIXED = {
    "COLUMNS": "200",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PYTHONIOENCODING": "utf-8",
}


def cases() -> list[Path]:
    """Every golden regulation, by name."""
    return sorted(GOLDEN.glob("*.reg"))


def expected_path(case: Path) -> Path:
    return case.with_suffix(".expected")


def options(case: Path) -> list[str]:
    """The extra `check` arguments of a case: its first line, `# options: --strict`."""
    first = case.read_text("utf-8").split("\n", 1)[0]
    return shlex.split(first.removeprefix(OPTIONS)) if first.startswith(OPTIONS) else []


def command(case: Path) -> list[str]:
    relative = case.resolve().relative_to(ROOT).as_posix()
    return [str(SCRIPT), "check", *options(case), relative]


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env.update(FIXED)
    return env


def run(case: Path) -> subprocess.CompletedProcess[str]:
    """`ndrc-rules check [options] tests/golden/NAME.reg`, from the repository root."""
    if not SCRIPT.exists():
        raise SystemExit(f"{SCRIPT} not found: run this with the Python that has ndrc-rules")
    return subprocess.run(
        command(case),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def render(result: subprocess.CompletedProcess[str]) -> str:
    """The `.expected` text for one run: exit code, then each non-empty stream."""
    parts = [f"# exit: {result.returncode}\n"]
    for name, output in (("stdout", result.stdout), ("stderr", result.stderr)):
        if output:
            parts.append(f"# {name}:\n{output}")
            if not output.endswith("\n"):
                parts.append(f"\n# (no newline at the end of {name})\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    filters = [arg for arg in argv if arg != "--check"]
    selected = [c for c in cases() if not filters or any(f in c.name for f in filters)]
    changed = []
    for case in selected:
        result = run(case)
        if "\x1b" in result.stdout + result.stderr:
            raise SystemExit(f"{case.name}: ANSI escapes in the output; is colour forced?")
        text = render(result)
        target = expected_path(case)
        old = target.read_text("utf-8") if target.exists() else None
        if text == old:
            continue
        changed.append(case)
        print(f"{'new' if old is None else 'changed'}: {target.relative_to(ROOT)}")
        if not check_only:
            target.write_text(text, "utf-8", newline="\n")
    for orphan in sorted(set(GOLDEN.glob("*.expected")) - {expected_path(c) for c in cases()}):
        print(f"orphan (no .reg, delete it?): {orphan.relative_to(ROOT)}")
    verb = "would change" if check_only else "changed"
    print(f"{len(selected)} case(s), {len(changed)} {verb}")
    return 1 if check_only and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
