"""`ndrc-rules test`: replay the examples written in regulations, and their coverage."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from ndrc_rules.cli import options
from ndrc_rules.cli.console import EXIT_EXAMPLES_FAILED, EXIT_OK, stdout
from ndrc_rules.cli.explain import trace_tree
from ndrc_rules.common.messages import text
from ndrc_rules.language.source import SourceFile
from ndrc_rules.render.trace import PLAIN, Vocabulary

if TYPE_CHECKING:
    from ndrc_rules.examples import ExampleReport, ExampleResult, RegimeCoverage


def arguments(command: argparse.ArgumentParser) -> None:
    options.regulations(command)
    command.add_argument("--complete", action="store_true", help=text("cli.complete"))


def run(args: argparse.Namespace) -> int:
    """Replay each file's examples; fail on a failed example (or, with --complete,
    on a rule no example reaches)."""
    from ndrc_rules.api import Regulation
    from ndrc_rules.examples import run_examples

    failed = False
    for path in args.regulations:
        regulation = Regulation.from_source(SourceFile.read(path))
        report = run_examples(regulation)
        stdout().print(examples_report(report, Vocabulary.of([regulation.program])))
        failed |= not report.ok or (args.complete and not report.complete)
    return EXIT_EXAMPLES_FAILED if failed else EXIT_OK


# --- the report -----------------------------------------------------------------------
def examples_report(report: ExampleReport, vocabulary: Vocabulary = PLAIN) -> RenderableType:
    """One line per example, then each failure's trace or input error (its outcome
    in the regulation's words), coverage, a summary."""
    lines: list[RenderableType] = [Text(text("test.title", path=report.path), "bold")]
    lines += [_example_line(result) for result in report.results]
    for result in report.failures:
        lines += _example_failure(result, vocabulary)
    lines += [_coverage_line(coverage) for coverage in report.coverage]
    summary = text(
        "test.summary",
        total=len(report.results),
        passed=report.passed_count,
        failed=len(report.failures),
    )
    lines.append(Text(summary, "bold green" if report.ok else "bold red"))
    return Group(*lines)


def _example_line(result: ExampleResult) -> Text:
    key, style = ("test.passed", "green") if result.passed else ("test.failed", "bold red")
    expected = (
        text("test.decided", outcome=result.expected_outcome, rule=result.expected_rule)
        if result.expected_rule
        else result.expected_outcome
    )
    expected = _in_phase(expected, result.expected_after_resit)
    return Text(
        text(
            key,
            name=result.name,
            regime=result.regime,
            expected=expected,
            obtained=_obtained(result),
            location=f"l. {result.line}",
        ),
        style,
    )


def _obtained(result: ExampleResult) -> str:
    if result.error:
        return text("test.error", code=result.error.code, field=result.error.field or "—")
    decided = text("test.decided", outcome=result.actual_outcome, rule=result.actual_rule)
    return _in_phase(decided, result.actual_after_resit)


def _in_phase(decided: str, after_resit: bool) -> str:
    return text("test.after_resit", decided=decided) if after_resit else decided


def _example_failure(result: ExampleResult, vocabulary: Vocabulary) -> list[RenderableType]:
    location = f"{result.span.file}:{result.line}"
    heading = Text(text("test.failure", name=result.name, location=location), "bold red")
    shown: list[RenderableType] = [Text(""), heading]
    if result.title:
        shown.append(Text(result.title, "italic"))
    if result.decision:
        shown.append(trace_tree(result.decision, vocabulary))
    elif result.error:
        error = result.error
        shown.append(
            Text(
                text(
                    "test.input_error",
                    code=error.code,
                    field=error.field or "—",
                    message=error.message,
                ),
                "red",
            )
        )
    return shown


def _coverage_line(coverage: RegimeCoverage) -> Text:
    if coverage.complete:
        return Text(text("test.covered", regime=coverage.regime), "green")
    unreached = [
        *coverage.unreached,
        *(text("test.after_resit", decided=r) for r in coverage.resit_unreached),
    ]
    rules = ", ".join(unreached)
    return Text(text("test.uncovered", regime=coverage.regime, rules=rules), "yellow")
