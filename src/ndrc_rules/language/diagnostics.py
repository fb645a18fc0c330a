"""Diagnostics as data: a stable code, its arguments and a span.

Every stage returns diagnostics instead of raising; the text is looked up in
the message catalogue only when a diagnostic is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from ndrc_rules.common.messages import text
from ndrc_rules.language.source import SourceError, SourceFile, Span

TAB_SIZE = 8
MAX_SHOWN = 160  # characters of a source line shown under a diagnostic


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Hint:
    key: str
    args: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    span: Span
    args: Mapping[str, object] = field(default_factory=dict)
    hint: Hint | None = None
    severity: Severity = Severity.ERROR

    @property
    def message(self) -> str:
        return text(self.code, **self.args)

    @property
    def hint_text(self) -> str | None:
        return text(self.hint.key, **self.hint.args) if self.hint else None

    def render(self, source: SourceFile) -> str:
        """file:line:column: severity[code]: message, the line, a caret, the hint.

        Tabs are expanded so that the caret stands under the text it marks.
        """
        span = self.span
        line = _file_of(span, source).line(span.line).expandtabs(TAB_SIZE)
        raw = _file_of(span, source).line(span.line)
        end = span.end_column if span.end_line == span.line else len(raw) + 1
        start_at = len(raw[: span.column - 1].expandtabs(TAB_SIZE))
        width = max(1, len(raw[: end - 1].expandtabs(TAB_SIZE)) - start_at)
        line, start_at, width = _window(_printable(line), start_at, width)
        gutter = f"{span.line:>4} | "
        parts = [
            f"{span}: {text('severity.' + self.severity)}[{self.code}]: {self.message}",
            gutter + line,
            " " * (len(gutter) + start_at) + "^" * width,
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


def _printable(line: str) -> str:
    """Control characters shown as '�', one for one (the caret stays in place): a
    terminal must never act on a regulation's bytes."""
    return "".join(c if c.isprintable() else "\ufffd" for c in line)


def _window(line: str, start: int, width: int) -> tuple[str, int, int]:
    """A long line cut around the marked text, so that a 3 MB line shows as one line."""
    if len(line) <= MAX_SHOWN:
        return line, start, width
    width = min(width, MAX_SHOWN // 2)
    first = max(0, start - MAX_SHOWN // 4)
    last = min(len(line), first + MAX_SHOWN)
    head = "…" if first else ""
    shown = head + line[first:last] + ("…" if last < len(line) else "")
    return shown, start - first + len(head), min(width, last - start)


def unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each (code, place) once, first report kept: inherited statements are checked
    once per regime that has them."""
    kept: dict[tuple[str, Span], Diagnostic] = {}
    for diagnostic in diagnostics:
        kept.setdefault((diagnostic.code, diagnostic.span), diagnostic)
    return list(kept.values())


# At most this many diagnostics are reported per file, and per line of a file; the
# others are counted in one note (E010), so that no text makes `check` print or hold
# an unbounded report. One cause gives one diagnostic: the first ones are the causes.
MAX_PER_FILE = 100
MAX_PER_LINE = 5
UNSHOWN = "E010"


def unshown_note(span: Span, count: int, severity: Severity = Severity.ERROR) -> Diagnostic:
    """The note that `count` diagnostics from `span` on are not shown."""
    args = {"count": count, "per_file": MAX_PER_FILE, "per_line": MAX_PER_LINE}
    return Diagnostic(UNSHOWN, span, args, Hint("hint.unshown"), severity)


def bounded(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The first MAX_PER_FILE diagnostics of each file, MAX_PER_LINE of each line, and
    one note counting the others (the notes of earlier stages included)."""
    kept: list[Diagnostic] = []
    per_file: Counter[str] = Counter()
    per_line: Counter[tuple[str, int]] = Counter()
    dropped: list[Diagnostic] = []
    unshown = 0
    for diagnostic in diagnostics:
        span = diagnostic.span
        if diagnostic.code == UNSHOWN:
            unshown += int(str(diagnostic.args["count"]))
            dropped.append(diagnostic)
        elif per_file[span.file] >= MAX_PER_FILE or per_line[span.file, span.line] >= MAX_PER_LINE:
            unshown += 1
            dropped.append(diagnostic)
        else:
            per_file[span.file] += 1
            per_line[span.file, span.line] += 1
            kept.append(diagnostic)
    if not dropped:
        return kept
    severity = Severity.ERROR if has_errors(dropped) else Severity.WARNING
    return [*kept, unshown_note(dropped[0].span.opening(), unshown, severity)]


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def _file_of(span: Span, source: SourceFile) -> SourceFile:
    """The file a span is in: `source`, or a file it imports."""
    if span.file == source.path:
        return source
    try:
        return _read(span.file)
    except (OSError, SourceError):
        return source


@cache
def _read(path: str) -> SourceFile:
    return SourceFile.read(path)


class RegulationError(Exception):
    """A regulation that does not check: its diagnostics, ready to render."""

    def __init__(self, source: SourceFile, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} diagnostic(s) in {source.path}")
        self.source = source
        self.diagnostics = diagnostics

    def render(self) -> str:
        return "\n".join(d.render(self.source) for d in self.diagnostics)
