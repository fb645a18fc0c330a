"""`ndrc-rules fmt`: rewrite regulations in the canonical layout."""

from __future__ import annotations

import argparse

from ndrc_rules.cli import options
from ndrc_rules.cli.console import EXIT_INVALID_REGULATION, EXIT_OK, output, stderr, stdout
from ndrc_rules.common.messages import text
from ndrc_rules.language.source import SourceFile


def arguments(command: argparse.ArgumentParser) -> None:
    options.regulations(command)
    command.add_argument("--check", action="store_true", help=text("cli.fmt_check"))


def run(args: argparse.Namespace) -> int:
    """Rewrite each file in the canonical layout (or, with --check, only say which
    would change); a file that does not parse is left alone and reported."""
    from ndrc_rules.language.formatter import format_source

    failed = False
    for path in args.regulations:
        source = SourceFile.read(path)
        formatted, diagnostics = format_source(source)
        if formatted is None:
            for diagnostic in diagnostics:
                stderr().print(diagnostic.render(source), markup=False, style="red", soft_wrap=True)
            failed = True
            continue
        original = path.read_text("utf-8")
        if formatted == original:
            stdout().print(text("fmt.unchanged", path=path), markup=False)
        elif args.check:
            stderr().print(text("fmt.would_change", path=path), markup=False, style="yellow")
            failed = True
        else:
            with output(path) as out:
                out.write(formatted)
            stdout().print(text("fmt.changed", path=path), markup=False, style="green")
    return EXIT_INVALID_REGULATION if failed else EXIT_OK
