"""The folder tree is the pipeline: a stage imports only from its own floor or below."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ndrc_rules

PACKAGE = Path(ndrc_rules.__file__).parent

# Floor of each part of the package; the facade modules (api, versions, diffing,
# examples, replay) sit above the stages they combine, the command line on top.
FLOORS = {
    "common": 0,
    "language": 1,
    "io": 2,
    "engine": 3,
    "audit": 4,
    "render": 5,  # people-facing renderers: HTML/PDF papers, spreadsheet writers
    "": 6,  # ndrc_rules/*.py
    "web": 7,  # the local web interface (`serve`)
    "cli": 8,
}


def part_of(module: str) -> str:
    """'ndrc_rules.language.analysis.simplex' → 'language'; 'ndrc_rules.api' → ''."""
    parts = module.split(".")[1:]
    return parts[0] if parts and parts[0] in FLOORS else ""


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("ndrc_rules.")}


def test_no_stage_imports_a_higher_one() -> None:
    upward = []
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30  # the scan sees the package
    for path in modules:
        own = FLOORS[part_of(module_name(path))]
        for target in imported(path):
            if FLOORS[part_of(target)] > own:
                upward.append(f"{module_name(path)} → {target}")
    assert upward == []


def test_the_parts_use_relative_imports_nowhere() -> None:
    """Absolute imports only, so a moved module shows its stage in every import line."""
    relative = [
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


def test_checking_a_regulation_imports_neither_pydantic_nor_rich() -> None:
    """The language stage is a package boundary: `check` stays fast to start."""
    script = (
        "import sys\n"
        "from ndrc_rules.language.frontend import compile_source\n"
        "from ndrc_rules.language.source import SourceFile\n"
        "program, diagnostics = compile_source(SourceFile.read('regulations/bts_ndrc.reg'))\n"
        "assert program is not None, diagnostics\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'rich'}))\n"
    )
    root = Path(__file__).resolve().parent.parent  # the package may be installed elsewhere
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True
    )
    assert done.stdout.strip() == "[]"
