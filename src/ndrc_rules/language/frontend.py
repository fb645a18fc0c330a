"""Text → checked program, with every diagnostic: the front half of the pipeline.

Parsing, imports, checking, dead-rule analysis and lints, without the evaluator
or the trace models: `ndrc-rules check` imports only this far, and starts fast.
"""

from __future__ import annotations

from ndrc_rules.language import core as m
from ndrc_rules.language.analysis.reachability import unreachable_rules
from ndrc_rules.language.checker import check
from ndrc_rules.language.diagnostics import Diagnostic, bounded, has_errors
from ndrc_rules.language.lints import lint
from ndrc_rules.language.loader import load_document
from ndrc_rules.language.source import SourceFile


def compile_source(source: SourceFile) -> tuple[m.Program | None, list[Diagnostic]]:
    """Parse and check; every syntax error, then every semantic error outside the
    damaged statements, at most MAX_PER_FILE per file and MAX_PER_LINE per line (a
    note counts the others). The program is None when there is any error."""
    program, diagnostics = _compile(source)
    return program, bounded(diagnostics)


def _compile(source: SourceFile) -> tuple[m.Program | None, list[Diagnostic]]:
    loaded = load_document(source)
    if loaded.document is None:
        return None, loaded.diagnostics
    program, semantic = check(
        loaded.document, source, tuple(loaded.imports), incomplete=loaded.incomplete
    )
    if loaded.diagnostics:
        return None, loaded.diagnostics + [d for d in semantic if not loaded.spares(d)]
    if program is None:
        return None, semantic
    dead = unreachable_rules(program)
    return (None if has_errors(dead) else program), semantic + dead + lint(program, source)
