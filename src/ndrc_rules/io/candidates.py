"""Candidate input: the stage of the pipeline that turns files into candidates.

`read_candidates` streams a CSV, JSON or JSON Lines file and yields, for every
input row, either a `Candidate` (id, regime, exact grades) or a `RowError`
(catalogue code, French message). A bad row never stops the stream; only a
file-level failure does, as an `InputFileError`. Which grade columns a regime
accepts is not decided here: the engine, which knows the regulation, does it.

Grades are exact (`Fraction`) or markers (ABS, ABJ, DISP); no float is ever made.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import itertools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ndrc_rules.common.columns import (
    CSV_SUFFIXES,
    DETAILS,
    FIRST_NAME,
    ID,
    JURY,
    JURY_REASON,
    KEPT_SUFFIX,
    LAST_NAME,
    REGIME,
    SESSION,
    SPREADSHEET_SUFFIXES,
)
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import clip, text
from ndrc_rules.language.names import fold

DEFAULT_ENCODING = "utf-8-sig"
MAX_GRADE = Fraction(20)

_BOM = "\ufeff"
_CHUNK = 1 << 16
MAX_LINE = 1 << 20  # characters; a longer line (or cell) is a row error, not read
OVERLONG = "\x00ndrc-rules: overlong line\x00\n"  # what `_lines` yields for one
_STRAY_CR = "\x00ndrc-rules: stray CR\x00"  # the csv reader found a CR inside a line
MAX_IDS_IN_MEMORY = 200_000  # beyond, duplicate ids are looked for on disk
MAX_JSON_BYTES = 256 << 20  # a JSON array is parsed whole: larger ones must be JSON Lines
MAX_JSON_DEPTH = 32  # levels of lists and objects in a candidate (it needs 1)
csv.field_size_limit(MAX_LINE)


class Marker(StrEnum):
    """A grade that is not a number."""

    ABS = "ABS"  # unjustified absence
    ABJ = "ABJ"  # justified absence
    DISP = "DISP"  # exempted


Grade = Fraction | Marker
Keep = Callable[[str], bool]  # which grade columns to read


class Candidate(BaseModel):
    """One candidate as read: grades keyed by column name, empty cells omitted."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    row: int
    id: str
    regime: str
    grades: dict[str, Grade]
    ignored: tuple[str, ...] = ()  # columns the caller chose not to read
    session: int | None = None
    kept: dict[str, int] = {}  # unit column → session the grade was obtained at
    jury: str | None = None
    jury_reason: str | None = None
    last_name: str | None = None  # `nom`, `prenom`: shown on papers, never read as grades
    first_name: str | None = None
    columns: dict[str, object] | None = None  # the row as read, for the record; None if built


class RowError(BaseModel):
    """Why one input row yields no candidate; `field` is None for a whole-row problem."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    row: int
    id: str | None
    field: str | None
    code: str
    message: str


class GradeError(ValueError):
    """A value that is not a grade: `code` is C001 (unreadable) or C002 (out of scale)."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(code, value)
        self.code = code
        self.value = value
        self.message = text(code, value=clip(value), limit=MAX_GRADE_DECIMALS)

    def __str__(self) -> str:
        return self.message


# --- grades ------------------------------------------------------------------

MAX_GRADE_DECIMALS = 20  # significant decimals a grade may have (a spreadsheet's
# float export has at most 17); a longer one is C037, refused before any number is built
_GRADE_TEXT = re.compile(r"(\d+)(?:[.,](\d+))?")
_JSON_NUMBER = re.compile(r"-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?")
_SHORT_NUMBER = 64  # characters: a longer JSON number is kept as text, never built
_CACHED_TEXT = 32  # characters: shorter grade spellings are cached


class NumberText(str):
    """A JSON number too long to build, kept as written: read as a grade, it is refused
    from its digits (C002, C037); read as an id, it is its digits."""


def parse_grade(value: object) -> Grade:
    """A grade from text ('12,5', 'abs'), an int or a Decimal; raises GradeError.

    A Fraction is also accepted (Python API). Anything else, booleans included,
    is unreadable (C001); a number outside 0–20, negative included, is C002; one
    with more than MAX_GRADE_DECIMALS significant decimals is C037. The digits are
    counted before a number is built, so no spelling, however long, costs more
    than reading it.
    """
    if isinstance(value, NumberText):
        return _grade_from_json_text(value)
    if isinstance(value, str):
        return _grade_from_text(value.strip())
    if isinstance(value, Decimal) and value.is_finite():
        sign, digits, exponent = value.as_tuple()
        return _grade_from_digits(sign == 1, "".join(map(str, digits)), int(exponent), str(value))
    if isinstance(value, int | Fraction) and not isinstance(value, bool):
        return _in_scale(Fraction(value), value)
    raise GradeError("C001", _shown(value))


def _grade_from_text(raw: str) -> Grade:
    return _cached_grade(raw) if len(raw) <= _CACHED_TEXT else _read_grade(raw)


def _read_grade(raw: str) -> Grade:
    if raw.upper() in Marker.__members__:
        return Marker(raw.upper())
    found = _GRADE_TEXT.fullmatch(raw.removeprefix("-"))
    if not found:
        raise GradeError("C001", raw)
    if raw.startswith("-"):
        raise GradeError("C002", raw)
    return _grade_from_digits(False, found[1] + (found[2] or ""), -len(found[2] or ""), raw)


_cached_grade = functools.lru_cache(maxsize=4096)(_read_grade)  # few distinct spellings


def _grade_from_json_text(raw: NumberText) -> Fraction:
    """A grade from a JSON number's text too long to build (JSON spelling, exponent)."""
    found = _JSON_NUMBER.fullmatch(raw)
    if not found:
        raise GradeError("C001", raw)
    decimals, power = found[2] or "", found[3] or "0"
    if len(power.lstrip("+-0")) > 12:  # beyond any digit count a text can hold
        power = ("-" if power.startswith("-") else "") + "1" + "0" * 12
    return _grade_from_digits(
        raw.startswith("-"), found[1] + decimals, int(power) - len(decimals), raw
    )


def _grade_from_digits(negative: bool, digits: str, exponent: int, shown: str) -> Fraction:
    """int(digits) × 10**exponent as a grade, refused before it is built if it is
    negative (C002), has more than two integer digits (C002) or more than
    MAX_GRADE_DECIMALS significant decimals (C037)."""
    significant = digits.lstrip("0")
    kept = significant.rstrip("0")
    if not kept:
        return Fraction(0)
    exponent += len(significant) - len(kept)
    if negative or len(kept) + exponent > 2:  # below 0, or 100 or more
        raise GradeError("C002", shown)
    if -exponent > MAX_GRADE_DECIMALS:
        raise GradeError("C037", shown)
    scale = 10 ** abs(exponent)
    number = Fraction(int(kept) * scale) if exponent >= 0 else Fraction(int(kept), scale)
    return _in_scale(number, shown)


def _in_scale(number: Fraction, shown: object) -> Fraction:
    if not 0 <= number <= MAX_GRADE:
        raise GradeError("C002", _number_text(shown))
    return number


def _number_text(value: object) -> str:
    """A number as a message quotes it; a huge int or Fraction (Python API) in
    scientific notation, as its digits cannot be written out."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Fraction) and abs(value) >= 10**_SHORT_NUMBER:
        return f"{Decimal(int(value)):.3E}"
    return str(value)


def _shown(value: object) -> str:
    """A value as the user wrote it (JSON spelling for booleans and null)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return str(value)


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- rows --------------------------------------------------------------------


class SeenIds:
    """The ids of the rows read so far, each with its first row: in memory for
    the first MAX_IDS_IN_MEMORY, then in a temporary SQLite index on disk, so that
    a cohort of any size streams in bounded memory."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.disk: sqlite3.Connection | None = None

    def first_row(self, candidate_id: str, row: int) -> int:
        """The row `candidate_id` was first seen at; `row` if it is new (now seen)."""
        if self.disk is None:
            first = self.rows.setdefault(candidate_id, row)
            if len(self.rows) > MAX_IDS_IN_MEMORY:
                self._spill()
            return first
        found = self.disk.execute("SELECT row FROM ids WHERE id = ?", (candidate_id,)).fetchone()
        if found:
            return int(found[0])
        self.disk.execute("INSERT INTO ids VALUES (?, ?)", (candidate_id, row))
        return row

    def _spill(self) -> None:
        self.disk = sqlite3.connect("")  # "": a private temporary file, deleted on close
        self.disk.execute("CREATE TABLE ids (id TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        self.disk.executemany("INSERT INTO ids VALUES (?, ?)", self.rows.items())
        self.rows = {}


def candidate_from_mapping(
    row: int,
    data: Mapping[str, object],
    *,
    seen: SeenIds | None = None,
    keep: Keep | None = None,
) -> Candidate | RowError:
    """Check one row (column → value) and build its candidate, or its first error.

    Problems are looked for in column order: id, regime, then the grade
    columns in the mapping's order. With `seen` (the ids of earlier rows),
    an id already used by an earlier row is an error (C012). With `keep`, only
    the grade columns it accepts are read; the others are listed in `ignored`.
    """
    fields = {str(key).strip(): value for key, value in data.items()}
    candidate_id = _identifier(fields.get(ID))
    if not candidate_id:
        return row_error(row, None, ID, "C003")
    if seen is not None and (first_row := seen.first_row(candidate_id, row)) != row:
        return row_error(row, candidate_id, ID, "C012", value=candidate_id, first_row=first_row)
    regime = _identifier(fields.get(REGIME))
    if not regime:
        return row_error(row, candidate_id, REGIME, "C004")
    details: dict[str, int] = {}
    for column in (SESSION, *(c for c in fields if c.endswith(KEPT_SUFFIX))):
        if not _is_empty(fields.get(column)):
            year = _year(fields[column])
            if year is None:
                return row_error(row, candidate_id, column, "C026", value=fields[column])
            details[column] = year
    grades: dict[str, Grade] = {}
    ignored: list[str] = []
    for column, value in fields.items():
        if column in (ID, REGIME, *DETAILS) or column.endswith(KEPT_SUFFIX):
            continue
        if keep is not None and not keep(column):
            ignored.append(column)
            continue
        if _is_empty(value):
            continue
        try:
            grades[column] = parse_grade(value)
        except GradeError as error:
            return row_error(
                row, candidate_id, column, error.code, value=error.value, limit=MAX_GRADE_DECIMALS
            )
    return Candidate(
        row=row,
        id=candidate_id,
        regime=regime,
        grades=grades,
        ignored=tuple(ignored),
        session=details.pop(SESSION, None),
        kept={column.removesuffix(KEPT_SUFFIX): year for column, year in details.items()},
        jury=_jury(fields.get(JURY)),
        jury_reason=_identifier(fields.get(JURY_REASON)) or None,
        last_name=_identifier(fields.get(LAST_NAME)) or None,
        first_name=_identifier(fields.get(FIRST_NAME)) or None,
        columns=fields,
    )


def _year(value: object) -> int | None:
    """A session year as written ('2024', 2024); None if it is not one."""
    text_ = str(value).strip()
    return int(text_) if text_.isdigit() and len(text_) == 4 else None


def _jury(value: object) -> str | None:
    """The jury's decision as written; one that is not text (`true`, a list) as the
    JSON reader shows it, for the regulation to refuse as no outcome (C028), never
    read as no decision; None when the cell is empty."""
    if _is_empty(value):
        return None
    return _identifier(value) or _shown(value)


def _identifier(value: object) -> str:
    """An id or regime as text, stripped; '' when missing or not text/integer."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def row_error(
    row: int,
    candidate_id: str | None,
    field: str | None,
    code: str,
    /,
    *,
    key: str | None = None,
    **args: object,
) -> RowError:
    """A row's error; the values it quotes from the input are clipped and escaped.
    `key`: the message, when not the code's own."""
    message = text(key or code, **{k: clip(v) for k, v in args.items()})
    return RowError(row=row, id=candidate_id, field=field, code=code, message=message)


# --- files -------------------------------------------------------------------


def read_candidates(
    path: str | Path,
    *,
    encoding: str | None = None,
    keep: Keep | None = None,
    sheet: str | None = None,
) -> Iterator[Candidate | RowError]:
    """Every row of a .csv/.txt, .json, .jsonl file or of a workbook's sheet (.xlsx,
    .xlsm, .ods: the first one, or `sheet`), as a candidate or an error.

    A generator: nothing is read before the first item is asked for, and CSV and
    JSON Lines are read line by line. File-level failures raise InputFileError
    (possibly after some rows, for a byte the encoding rejects). The default
    encoding is UTF-8, with or without a BOM; a UTF-16 byte-order mark (Excel's
    "Unicode text") declares UTF-16. `keep` selects the grade columns to read
    (see `candidate_from_mapping`).
    """
    from ndrc_rules.io.spreadsheets import read_spreadsheet

    path = Path(path)
    if not path.is_file():
        raise InputFileError("F001", {"path": str(path)})
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in SPREADSHEET_SUFFIXES:
        raise InputFileError("F058", {"path": str(path)})
    if suffix in SPREADSHEET_SUFFIXES:
        yield from read_spreadsheet(path, sheet=sheet, keep=keep)
        return
    codec = _codec(encoding or _declared(path) or DEFAULT_ENCODING)
    if suffix in CSV_SUFFIXES:
        yield from _read_csv(path, codec, keep)
    elif suffix == ".json":
        yield from _read_json(path, codec, keep)
    elif suffix == ".jsonl":
        yield from _read_jsonl(path, codec, keep)
    else:
        raise InputFileError("F003", {"path": str(path)})


def _declared(path: Path) -> str | None:
    """The encoding a byte-order mark declares, for UTF-16 (a BOM is a statement, not a guess)."""
    with path.open("rb") as stream:
        start = stream.read(2)
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else None


def _codec(encoding: str) -> str:
    """The codec to decode with; a BOM is dropped separately, so utf-8-sig is utf-8."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError("F010", {"encoding": encoding}) from None
    return "utf-8" if name == "utf-8-sig" else name


def _decoded_pieces(path: Path, codec: str) -> Iterator[str]:
    """The file decoded lazily, in fixed-size chunks (a file with no line break is
    never read whole); F002 gives the byte offset of an undecodable byte."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with path.open("rb") as stream:
        chunks = iter(lambda: stream.read(_CHUNK), b"")
        for chunk in itertools.chain(chunks, [b""]):
            held = decoder.getstate()[0]  # bytes held back from earlier chunks
            try:
                piece = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                # The text before the bad byte comes out first: its rows get decided.
                piece = (held + chunk)[: error.start].decode(codec)
                yield piece.removeprefix(_BOM) if offset == 0 else piece
                position = offset - len(held) + error.start
                code = "F014" if codec == "utf-8" and _windows_1252(held + chunk) else "F002"
                raise InputFileError(code, {"path": str(path), "position": position}) from None
            yield piece.removeprefix(_BOM) if offset == 0 else piece
            offset += len(chunk)


def _windows_1252(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 read as Windows-1252, the usual French Excel export."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _lines(pieces: Iterable[str]) -> Iterator[str]:
    """Decoded text re-cut into lines ending with '\\n' (the last one may not).

    A file whose first piece breaks lines with bare carriage returns and never
    with '\\n' (old Mac exports) has its CRs read as line ends; elsewhere a CR
    is left in its line, for the reader to report. A line longer than MAX_LINE
    characters is not kept: OVERLONG comes instead, and the rest of it is
    skipped, so that memory stays bounded on any file."""
    pieces = iter(pieces)
    first = next(pieces, "")
    if "\n" not in first and "\r" in first.rstrip("\r"):
        pieces = (piece.replace("\r", "\n") for piece in pieces)
        first = first.replace("\r", "\n")
    pending, skipping = "", False
    for piece in itertools.chain([first], pieces):
        *lines, pending = (pending + piece).split("\n")
        for line in lines:
            if skipping:
                skipping = False
                continue
            yield OVERLONG if len(line) > MAX_LINE else line + "\n"
        if len(pending) > MAX_LINE:
            if not skipping:
                yield OVERLONG
            pending, skipping = "", True
    if pending and not skipping:
        yield OVERLONG if len(pending) > MAX_LINE else pending


# --- CSV ---------------------------------------------------------------------


def _read_csv(path: Path, codec: str, keep: Keep | None) -> Iterator[Candidate | RowError]:
    lines = _lines(_decoded_pieces(path, codec))
    skipped = 0  # blank lines before the header
    for first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        raise InputFileError("F005", {"path": str(path)})
    if first == OVERLONG:
        raise InputFileError("F012", {"path": str(path), "limit": MAX_LINE})
    reader = csv.reader(itertools.chain([first], lines), delimiter=_separator(first))
    try:
        header = header_columns(next(reader))
    except csv.Error:  # a quoted cell running over MAX_LINE
        raise InputFileError("F012", {"path": str(path), "limit": MAX_LINE}) from None
    seen = SeenIds()
    line = skipped + reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a stray CR, or a quoted cell longer than MAX_LINE
            fields = [_STRAY_CR if "new-line" in str(error) else OVERLONG.strip()]
        row, line = line + 1, skipped + reader.line_num
        if fields == [OVERLONG.strip()]:
            yield row_error(row, None, None, "C032", limit=MAX_LINE)
        elif fields == [_STRAY_CR]:
            yield row_error(row, None, None, "C038")
        elif fields and len(fields) != len(header):
            yield _short_row(row, header, fields, line)
        elif fields:
            data = dict(zip(header, fields, strict=True))
            yield candidate_from_mapping(row, data, seen=seen, keep=keep)


def _separator(header_line: str) -> str:
    """';' when the header has one outside quotes (French exports), else a tab
    (Excel's "Unicode text"), else ',' if any."""
    outside_quotes = "".join(header_line.split('"')[::2])
    for separator in (";", "\t", ","):
        if separator in outside_quotes:
            return separator
    return ";"


_FIXED = {fold(column): column for column in (ID, REGIME, *DETAILS)}


def header_columns(cells: list[str]) -> list[str]:
    """A header row's column names, as every tabular reader (CSV, spreadsheets) reads
    them: stripped, and matched as the language matches names, whatever the case and
    accents (`ID`, `Régime`, ` u1 `); the fixed columns take their own spelling (`id`).
    Two names that fold the same are the same column, twice (F006)."""
    columns = [_FIXED.get(fold(cell.strip()), cell.strip()) for cell in cells]
    known: dict[str, str] = {}
    for column in columns:
        if fold(column) in known:
            raise InputFileError("F006", {"column": column})
        known[fold(column)] = column
    for required in (ID, REGIME):
        if required not in known:
            raise InputFileError("F007", {"column": required})
    return columns


def _short_row(row: int, header: list[str], fields: list[str], last_line: int) -> RowError:
    """C013 for a row whose field count differs from the header's; keeps the id if
    readable. A row read over several lines had a quote left open (C033)."""
    if last_line > row:
        return row_error(row, None, None, "C033", last=last_line)
    position = header.index(ID)
    candidate_id = fields[position].strip() if position < len(fields) else ""
    return row_error(
        row, candidate_id or None, None, "C013", count=len(fields), expected=len(header)
    )


# --- JSON and JSON Lines -------------------------------------------------------


def _read_json(path: Path, codec: str, keep: Keep | None) -> Iterator[Candidate | RowError]:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputFileError("F013", {"path": str(path), "limit": MAX_JSON_BYTES >> 20})
    document = "".join(_decoded_pieces(path, codec))
    try:
        elements = _parse_json(document)
    except json.JSONDecodeError as error:
        reason = text("json.syntax", line=error.lineno, column=error.colno, detail=error.msg)
        raise InputFileError("F004", {"path": str(path), "reason": reason}) from None
    except RecursionError:
        reason = text("json.depth", limit=MAX_JSON_DEPTH)
        raise InputFileError("F004", {"path": str(path), "reason": reason}) from None
    if not isinstance(elements, list):
        reason = text("json.found", kind=_json_kind(elements))
        raise InputFileError("F004", {"path": str(path), "reason": reason})
    seen = SeenIds()
    for row, element in enumerate(elements, start=1):
        yield _from_json(row, element, seen, keep)


def _read_jsonl(path: Path, codec: str, keep: Keep | None) -> Iterator[Candidate | RowError]:
    seen = SeenIds()
    for row, line in enumerate(_lines(_decoded_pieces(path, codec)), start=1):
        if not line.strip():
            continue
        if line == OVERLONG:
            yield row_error(row, None, None, "C032", limit=MAX_LINE)
            continue
        try:
            element = _parse_json(line)
        except json.JSONDecodeError as error:
            reason = text("json.syntax_column", column=error.colno, detail=error.msg)
            yield row_error(row, None, None, "C014", reason=reason)
        except RecursionError:
            yield _too_deep(row)
        else:
            yield _from_json(row, element, seen, keep)


def _parse_json(document: str) -> object:
    """Numbers with a fraction part as Decimal, never float; NaN/Infinity kept as text;
    a number too long to build as NumberText. Nesting too deep for the parser raises
    RecursionError."""
    return json.loads(document, parse_float=_json_decimal, parse_int=_json_int, parse_constant=str)


def _json_decimal(spelling: str) -> Decimal | NumberText:
    if len(spelling) <= _SHORT_NUMBER:
        with contextlib.suppress(InvalidOperation):  # an exponent past Decimal's range
            return Decimal(spelling)
    return NumberText(spelling)


def _json_int(spelling: str) -> int | NumberText:
    return int(spelling) if len(spelling) <= _SHORT_NUMBER else NumberText(spelling)


def _from_json(row: int, element: object, seen: SeenIds, keep: Keep | None) -> Candidate | RowError:
    if not isinstance(element, dict):
        return row_error(row, None, None, "C015", kind=_json_kind(element))
    if _nested_deeper(element, MAX_JSON_DEPTH):
        return _too_deep(row)
    return candidate_from_mapping(row, element, seen=seen, keep=keep)


def _too_deep(row: int) -> RowError:
    return row_error(row, None, None, "C014", reason=text("json.depth", limit=MAX_JSON_DEPTH))


def _nested_deeper(element: dict[str, object], limit: int) -> bool:
    """Whether a candidate object holds lists or objects nested over `limit` levels
    (counted without recursion: such a value is never written out or compared)."""
    stack = [(value, 2) for value in element.values() if isinstance(value, list | dict)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        items = value.values() if isinstance(value, dict) else value
        stack.extend((item, depth + 1) for item in items if isinstance(item, list | dict))
    return False


def _json_kind(value: object) -> str:
    match value:
        case None:
            kind = "null"
        case bool():
            kind = "boolean"
        case int() | Decimal():
            kind = "number"
        case str():
            kind = "string"
        case list():
            kind = "array"
        case _:
            kind = "object"
    return text(f"json.{kind}")
