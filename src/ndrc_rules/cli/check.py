"""`ndrc-rules check`: read regulations and say what is wrong with them.

It needs only the language stage: no evaluator, no pydantic, a fast start.
"""

from __future__ import annotations

import argparse

from ndrc_rules.cli import options
from ndrc_rules.cli.console import EXIT_INVALID_REGULATION, EXIT_OK, print_json, stderr, stdout
from ndrc_rules.common.messages import text
from ndrc_rules.language.analysis.sessions import version_diagnostics
from ndrc_rules.language.core import Program
from ndrc_rules.language.diagnostics import Diagnostic, Severity, has_errors
from ndrc_rules.language.frontend import compile_source
from ndrc_rules.language.source import SourceFile


def arguments(command: argparse.ArgumentParser) -> None:
    options.regulations(command)
    options.output_format(command, "text", "json")
    command.add_argument("--strict", action="store_true", help=text("cli.strict"))


def run(args: argparse.Namespace) -> int:
    failed = False
    report: list[dict[str, object]] = []
    diplomas: dict[str, list[tuple[SourceFile, Program]]] = {}
    for path in args.regulations:
        source = SourceFile.read(path)
        program, diagnostics = compile_source(source)
        rejected = has_errors(diagnostics) or (args.strict and bool(diagnostics))
        failed |= rejected
        if args.format == "json":
            report.extend(d.as_json() for d in diagnostics)
        else:
            _show(source, program, diagnostics, rejected)
        if program is not None and program.diploma.span is not None:
            diplomas.setdefault(program.diploma.code, []).append((source, program))
    for versions in diplomas.values():  # several versions of one diploma: one after the other
        diagnostics = version_diagnostics([p for _, p in versions])
        failed |= bool(diagnostics)
        if args.format == "json":
            report.extend(d.as_json() for d in diagnostics)
        else:
            _show(versions[-1][0], None, diagnostics, bool(diagnostics))
    if args.format == "json":
        print_json(report)
    return EXIT_INVALID_REGULATION if failed else EXIT_OK


def _show(
    source: SourceFile, program: Program | None, diagnostics: list[Diagnostic], rejected: bool
) -> None:
    console = stderr() if rejected else stdout()
    for diagnostic in diagnostics:
        style = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        console.print(diagnostic.render(source), markup=False, style=style, soft_wrap=True)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    if rejected or errors:
        summary = text("check.failed", errors=errors, warnings=len(diagnostics) - errors)
        console.print(summary, markup=False, style="bold red")
    elif program is not None:
        rules = sum(len(r.rules) for r in program.regimes)
        ok = text("check.ok", path=source.path, regimes=len(program.regimes), rules=rules)
        console.print(ok, markup=False, style="green")
