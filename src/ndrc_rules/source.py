"""Source text and positions: the first stage of the pipeline.

A `SourceFile` holds a regulation's normalised text and its identity (path,
SHA-256); a `Span` locates any node of a later stage in that text.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Spaces that French typing puts before ':' ';' '?' '!' and inside « ».
_FRENCH_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}


def normalise(text: str) -> str:
    """NFC, Unix line ends, no BOM, French non-breaking spaces as plain spaces."""
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(str.maketrans(_FRENCH_SPACES))


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


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    text: str
    sha256: str

    @classmethod
    def from_text(cls, text: str, path: str = "<texte>") -> SourceFile:
        """Normalise `text`; the hash is of the raw text, as stored on disk."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(path=path, text=normalise(text), sha256=digest)

    @classmethod
    def read(cls, path: str | Path) -> SourceFile:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
        return cls(path=str(path), text=normalise(text), sha256=hashlib.sha256(raw).hexdigest())

    def line(self, number: int) -> str:
        lines = self.text.split("\n")
        return lines[number - 1] if 0 < number <= len(lines) else ""
