"""docs/guide-coordinateur.md stays in step with the tool: every command it shows
is one the command line accepts, every command is shown, every code it names exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ndrc_rules.cli import COMMANDS, _parser
from ndrc_rules.common.messages import FRENCH

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide-coordinateur.md"
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def guide() -> str:
    return GUIDE.read_text("utf-8")


def shown_commands() -> list[list[str]]:
    """The `ndrc-rules …` lines of the guide's shell blocks, as argument lists."""
    lines = (line for block in SHELL_BLOCK.findall(guide()) for line in block.splitlines())
    return [shlex.split(line)[1:] for line in lines if line.startswith("ndrc-rules ")]


@pytest.mark.parametrize("argv", shown_commands(), ids=" ".join)
def test_every_command_shown_is_accepted(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    assert args.run is COMMANDS[argv[0]].run


def test_every_command_is_shown() -> None:
    shown = {argv[0] for argv in shown_commands()}
    assert shown == set(COMMANDS)


def test_every_code_named_exists() -> None:
    named = set(re.findall(r"\b[EWCF]\d{3}\b", guide()))
    assert named and named <= set(FRENCH)


def test_the_readme_links_to_it() -> None:
    readme = (GUIDE.parent.parent / "README.md").read_text("utf-8")
    assert "docs/guide-coordinateur.md" in readme
