"""Source text and positions: the first stage of the pipeline.

A `SourceFile` holds a regulation's normalised text and its identity (path,
SHA-256); a `Span` locates any node of a later stage in that text.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ndrc_rules.common import messages

# Spaces that French typing puts before ':' ';' '?' '!' and inside « » (typed as
# `str.maketrans` takes a table).
_FRENCH_SPACES: dict[str, str | int | None] = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}


# The one line end of every pass (parser, lints, diagnostics, formatter): `\n`, to
# which CR LF and CR are normalised. Any other Unicode line break (\v, \f,
# \x1c-\x1e, \x85, U+2028, U+2029) is refused by the parser as an invisible
# character (E008), where it stands: it never starts a line for one pass only.
LINE_END = "\n"

# The longest regulation text read, in bytes of UTF-8: ten times the longest
# shipped file, so that `check` answers any text within about a second; a longer
# file is refused before it is read (F017), never parsed for minutes.
MAX_SOURCE_BYTES = 128 * 1024


def split_lines(text: str) -> list[str]:
    """A normalised text's lines: line N of every diagnostic is `split_lines(text)[N - 1]`."""
    return text.split(LINE_END)


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (from 1) of the character at `offset` of a normalised text."""
    return text.count(LINE_END, 0, offset) + 1, offset - text.rfind(LINE_END, 0, offset)


def _plain_spaces(text: str) -> str:
    """French non-breaking spaces as plain spaces."""
    return text.translate(str.maketrans(_FRENCH_SPACES))


def _lines_normalised(text: str) -> str:
    """NFC, Unix line ends, no BOM: the text whose lines and columns diagnostics count."""
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))
    return text.replace("\r\n", LINE_END).replace("\r", LINE_END)


def _irregular_spaces(text: str) -> tuple[Irregular, ...]:
    """Tabs in an indentation that also has spaces, and non-breaking spaces, in a
    text whose line ends and characters are normalised (the one the parser reads)."""
    found = []
    for number, line in enumerate(split_lines(text), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and " " in indent:
            found.append(Irregular(number, indent.index("\t") + 1, "tab"))
        found.extend(
            Irregular(number, i + 1, "nbsp") for i, c in enumerate(line) if c in _FRENCH_SPACES
        )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns count from 1."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def opening(self) -> Span:
        """The first character: where a statement's keyword stands."""
        return Span(self.file, self.line, self.column, self.line, self.column + 1)


@dataclass(frozen=True, slots=True)
class Irregular:
    """A space the normalisation had to mend: a tab among spaces, a non-breaking space."""

    line: int
    column: int
    kind: str  # 'tab' or 'nbsp'


class SourceError(Exception):
    """A regulation file that cannot be read as text: code and message arguments."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code, self.args_ = code, args


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    text: str
    sha256: str
    irregular: tuple[Irregular, ...] = ()

    @classmethod
    def from_text(cls, text: str, path: str = "<texte>") -> SourceFile:
        """Normalise `text`; the hash is of the raw text, as stored on disk."""
        # A lone surrogate (a str never read from bytes may hold one) is hashed as
        # its code point, and refused by the parser (E008) where it stands.
        if len(text) > MAX_SOURCE_BYTES:  # each character is at least one byte
            raise _too_long(path, len(text.encode("utf-8", "surrogatepass")))
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) > MAX_SOURCE_BYTES:
            raise _too_long(path, len(raw))
        return cls._normalised(path, text, hashlib.sha256(raw).hexdigest())

    @classmethod
    def read(cls, path: str | Path) -> SourceFile:
        try:
            if _special(Path(path)):  # a device or a pipe: reading might never end
                raise SourceError("F015", path=path, reason=messages.text("os.not_regular"))
            with Path(path).open("rb") as file:
                raw = file.read(MAX_SOURCE_BYTES + 1)
                if len(raw) > MAX_SOURCE_BYTES:  # refused before the rest is read
                    raise _too_long(str(path), os.fstat(file.fileno()).st_size)
        except FileNotFoundError:
            raise SourceError("F001", path=path) from None
        except OSError as error:  # a folder, a path through a file, no permission…
            raise SourceError(
                "F015", path=path, reason=error.strerror or type(error).__name__
            ) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SourceError("F011", path=path, position=error.start) from None
        return cls._normalised(str(path), text, hashlib.sha256(raw).hexdigest())

    @classmethod
    def _normalised(cls, path: str, text: str, digest: str) -> SourceFile:
        lined = _lines_normalised(text)
        return cls(path, _plain_spaces(lined), digest, _irregular_spaces(lined))

    def line(self, number: int) -> str:
        lines = _lines(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""


def _too_long(path: str, size: int) -> SourceError:
    return SourceError("F017", path=path, size=_kibibytes(size), limit=_kibibytes(MAX_SOURCE_BYTES))


def _kibibytes(size: int) -> str:
    return f"{-(-size // 1024):,}".replace(",", "\u202f")


def _special(path: Path) -> bool:
    """Neither a regular file nor a folder (which reading refuses by itself)."""
    mode = path.stat().st_mode
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@functools.lru_cache(maxsize=8)
def _lines(text: str) -> tuple[str, ...]:
    """A text's lines, split once: diagnostics quote lines of the same few files."""
    return tuple(split_lines(text))
