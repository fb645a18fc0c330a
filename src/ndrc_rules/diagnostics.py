"""Diagnostics as data: a stable code, its arguments and a span.

Every stage returns diagnostics instead of raising; the text is looked up in
the message catalogue only when a diagnostic is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .messages import text
from .source import SourceFile, Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Hint:
    key: str
    args: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    span: Span
    args: dict[str, object] = field(default_factory=dict)
    hint: Hint | None = None
    severity: Severity = Severity.ERROR

    @property
    def message(self) -> str:
        return text(self.code, **self.args)

    @property
    def hint_text(self) -> str | None:
        return text(self.hint.key, **self.hint.args) if self.hint else None

    def render(self, source: SourceFile) -> str:
        """file:line:column: severity[code]: message, the line, a caret, the hint."""
        span = self.span
        line = source.line(span.line)
        width = max(
            1, (span.end_column if span.end_line == span.line else len(line) + 1) - span.column
        )
        gutter = f"{span.line:>4} | "
        parts = [
            f"{span}: {text('severity.' + self.severity)}[{self.code}]: {self.message}",
            gutter + line,
            " " * (len(gutter) + span.column - 1) + "^" * width,
        ]
        if self.hint:
            parts.append(" " * len(gutter) + "= " + (self.hint_text or ""))
        return "\n".join(parts)

    def as_json(self) -> dict[str, object]:
        span = self.span
        return {
            "code": self.code,
            "severity": str(self.severity),
            "file": span.file,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
            "message": self.message,
            "hint": self.hint_text,
        }


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
