"""The exceptions that stop a command on its input: a file that cannot be read,
arguments that cannot go together, a store that cannot be used. Kept apart, so
that the CLI can catch them without importing the stages that raise them.
"""

from __future__ import annotations

from ndrc_rules.common.messages import text


class InputFileError(Exception):
    """A file-level failure (missing, undecodable, bad header…): reading stops."""

    def __init__(self, code: str, args: dict[str, object]) -> None:
        super().__init__(code, args)  # kept as the constructor's arguments, for pickling
        self.code = code
        self.message = text(code, **args)

    @property
    def args(self) -> dict[str, object]:  # type: ignore[override]  # a dict, not BaseException's tuple
        """The catalogue arguments of `message` (not the usual tuple)."""
        arguments: dict[str, object] = super().args[1]
        return arguments

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
