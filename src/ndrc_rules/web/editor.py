"""What the editor asks of an unsaved text: its diagnostics (as `check` gives them),
its canonical layout (`fmt`), its examples (`test`), and saving it. The text is
checked as if it were the file it edits: its imports resolve in the folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ndrc_rules.api import Regulation
from ndrc_rules.common.messages import text
from ndrc_rules.examples import ExampleReport, ExampleResult, run_examples
from ndrc_rules.language.diagnostics import Diagnostic, Severity, has_errors
from ndrc_rules.language.formatter import format_source
from ndrc_rules.language.frontend import compile_source
from ndrc_rules.language.source import SourceFile

Json = dict[str, object]

# Hints that name the text to write instead of what the span covers: (hint key, its field).
_REPLACING = {"hint.did_you_mean": "suggestion", "hint.reversed_comparator": "fix"}


def _utf16(prose: str) -> int:
    return len(prose.encode("utf-16-le", "surrogatepass")) // 2


class Offsets:
    """Line and column (1-based, in characters) → offset in UTF-16 code units of a
    text, as CodeMirror counts them."""

    def __init__(self, prose: str) -> None:
        self.lines = prose.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + _utf16(line) + 1)

    def at(self, line: int, column: int) -> int:
        if line > len(self.lines):
            return self.starts[-1] - 1
        index = max(line, 1) - 1
        return self.starts[index] + _utf16(self.lines[index][: max(column, 1) - 1])


def diagnostic_json(diagnostic: Diagnostic, source: SourceFile, offsets: Offsets) -> Json:
    """`as_json`, with the span as offsets of the text edited and the fixes its hint
    names; a diagnostic of an imported file points at the text's start."""
    span = diagnostic.span
    own = span.file == source.path
    start = offsets.at(span.line, span.column) if own else 0
    end = max(start, offsets.at(span.end_line, span.end_column)) if own else 0
    return {
        **diagnostic.as_json(),
        "file": Path(span.file).name,
        "from": start,
        "to": end,
        "fixes": _fixes(diagnostic, start, end) if own else [],
    }


def _fixes(diagnostic: Diagnostic, start: int, end: int) -> list[Json]:
    hint = diagnostic.hint
    field = _REPLACING.get(hint.key) if hint else None
    if hint is None or field is None or field not in hint.args:
        return []
    insert = str(hint.args[field])
    label = text("web.fix_replace", text=insert)
    return [{"label": label, "from": start, "to": end, "insert": insert}]


def source_of(path: Path, prose: str) -> SourceFile:
    """The unsaved text as the file `path` (its imports resolve beside it)."""
    return SourceFile.from_text(prose, str(path))


def diagnostics_json(source: SourceFile, diagnostics: list[Diagnostic], prose: str) -> list[Json]:
    offsets = Offsets(prose)
    return [diagnostic_json(d, source, offsets) for d in diagnostics]


def check(path: Path, prose: str) -> Json:
    source = source_of(path, prose)
    _, diagnostics = compile_source(source)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    return {
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": diagnostics_json(source, diagnostics, prose),
    }


def formatted(path: Path, prose: str) -> Json:
    source = source_of(path, prose)
    result, diagnostics = format_source(source)
    if result is None:
        return {"ok": False, "diagnostics": diagnostics_json(source, diagnostics, prose)}
    return {"ok": True, "text": result}


def examples(path: Path, prose: str) -> Json:
    source = source_of(path, prose)
    program, diagnostics = compile_source(source)
    if program is None or has_errors(diagnostics):
        return {
            "ok": False,
            "examples": [],
            "coverage": [],
            "diagnostics": diagnostics_json(source, diagnostics, prose),
        }
    report = run_examples(Regulation(program, diagnostics))
    return {
        "ok": report.ok,
        "examples": [_example(r) for r in report.results],
        "coverage": _coverage(report),
    }


def _example(result: ExampleResult) -> Json:
    rule = f" ({result.expected_rule})" if result.expected_rule else ""
    expected = result.expected_outcome + rule
    if result.error is not None:
        got = result.error.message
    else:
        got = f"{result.actual_outcome} ({result.actual_rule})"
    return {
        "name": result.name,
        "title": result.title,
        "ok": result.passed,
        "expected": expected,
        "got": got,
        "line": result.line,
    }


def _coverage(report: ExampleReport) -> list[Json]:
    return [
        {
            "regime": c.regime,
            "rules": list(c.rules),
            "unreached": list(c.unreached),
            "resit_rules": list(c.resit_rules),
            "resit_unreached": list(c.resit_unreached),
            "complete": c.complete,
        }
        for c in report.coverage
    ]


def save(path: Path, prose: str, force: bool) -> Json:
    """Write the text to the file, only when it parses (or when forced), atomically
    (a temporary file of the folder renamed over it)."""
    source = source_of(path, prose)
    _, diagnostics = compile_source(source)
    if has_errors(diagnostics) and not force:
        errors = sum(d.severity is Severity.ERROR for d in diagnostics)
        return {"saved": False, "message": text("web.save_refused", errors=errors)}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ndrc-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(prose)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"saved": True, "message": text("web.saved", name=path.name)}
