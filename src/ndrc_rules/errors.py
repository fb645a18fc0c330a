"""The exceptions that stop a command: a regulation that does not check, an input
file that cannot be read. Kept apart, so that the CLI can catch them without
importing the stages that raise them.
"""

from __future__ import annotations

from .diagnostics import Diagnostic
from .messages import text
from .source import SourceFile


class RegulationError(Exception):
    """A regulation that does not check: its diagnostics, ready to render."""

    def __init__(self, source: SourceFile, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} diagnostic(s) in {source.path}")
        self.source = source
        self.diagnostics = diagnostics

    def render(self) -> str:
        return "\n".join(d.render(self.source) for d in self.diagnostics)


class InputFileError(Exception):
    """A file-level failure (missing, undecodable, bad header…): reading stops."""

    def __init__(self, code: str, args: dict[str, object]) -> None:
        super().__init__(code, args)  # kept as the constructor's arguments, for pickling
        self.code = code
        self.message = text(code, **args)

    @property  # type: ignore[override]
    def args(self) -> dict[str, object]:
        """The catalogue arguments of `message` (not the usual tuple)."""
        return super().args[1]

    def __str__(self) -> str:
        return self.message


class UsageError(InputFileError):
    """Arguments that cannot go together (a diff of two different diplomas): the
    command stops before reading anything, as for an unreadable file."""


class StoreError(Exception):
    """A file that is not a decision store, or one that cannot be written."""

    def __init__(self, code: str, args: dict[str, object]) -> None:
        super().__init__(code, args)
        self.code, self.args_ = code, args
