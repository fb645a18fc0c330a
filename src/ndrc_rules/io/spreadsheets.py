"""Spreadsheet input: the first sheet (or a named one) of an .xlsx, .xlsm or .ods
workbook, read as the CSV reader reads a file, with the same columns.

The workbook is checked before `python-calamine` (a Rust reader that expands no
XML entity) opens it, so that no file costs more than its limits: its size, the
size its zip archive declares once decompressed and the ratio of each member,
every member decompressed once by `zipfile` (which stops at the declared size
and checks the CRC), no DOCTYPE in any XML part, and the extent of the sheet's
used area, from its cell references, before calamine builds it as a grid. An
OLE container named like a workbook is a password-protected one when it holds
an `EncryptedPackage` stream.

Cells become the text a CSV cell would hold: a number its shortest round-trip
decimal (`12.3`, never 12.300000000000000710…), an integral one an integer
(`1234`); dates, times, durations, booleans and error cells (`#DIV/0!`) in a
column that is read are the row's error (C039), naming the cell (`B7`). Rows are
numbered as the sheet numbers them. The sheet is read whole (calamine builds it
in memory), within the limits below; a larger cohort is better given as CSV.
"""

from __future__ import annotations

import datetime
import html
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ndrc_rules.common.columns import ID, KEPT_SUFFIX, REGIME, SESSION
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import text
from ndrc_rules.io.candidates import (
    DETAILS,
    Candidate,
    Keep,
    RowError,
    SeenIds,
    candidate_from_mapping,
    header_columns,
    row_error,
)

MAX_WORKBOOK_BYTES = 64 << 20  # the file as stored
MAX_UNCOMPRESSED_BYTES = 256 << 20  # every member of its zip archive, decompressed
MAX_RATIO = 200  # decompressed / compressed size of a member over 1 MiB (XML: 5–30)
_RATIO_FLOOR = 1 << 20
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_COLUMNS = 1_024  # a candidates sheet has a few dozen
MAX_CELLS = 4_000_000  # rows × columns of the used area, the grid calamine builds
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 16
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY")
_MAX_TAG = 1 << 16  # bytes kept from a chunk's end to find a tag cut in two
Value = object  # what calamine gives for a cell
_T = TypeVar("_T")

if TYPE_CHECKING:
    from python_calamine import CalamineSheet


# --- the container ----------------------------------------------------------------


def _refuse(code: str, path: Path, **args: object) -> InputFileError:
    return InputFileError(code, {"path": str(path), **args})


def _unreadable(path: Path, reason: str, **args: object) -> InputFileError:
    return _refuse("F054", path, reason=text(reason, **args))


def check_container(path: Path) -> zipfile.ZipFile:
    """The workbook's zip archive, once its size, its members and their XML are
    within bounds; InputFileError otherwise."""
    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        raise _refuse("F050", path, limit=MAX_WORKBOOK_BYTES >> 20)
    with path.open("rb") as stream:
        start = stream.read(len(_OLE))
        if start == _OLE:
            protected = _ENCRYPTED in stream.read()
            raise _refuse("F053", path) if protected else _unreadable(path, "sheet.ole")
    if not start.startswith(b"PK"):
        raise _unreadable(path, "sheet.not_zip")
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGED:
        raise _unreadable(path, "sheet.bad_zip") from None
    try:
        _check_members(path, archive)
    except BaseException as error:
        archive.close()
        if isinstance(error, _DAMAGED):
            raise _unreadable(path, "sheet.bad_zip") from None
        raise
    return archive


# What `zipfile` raises on a damaged archive: a bad directory, a truncated or corrupt
# member, an unknown compression method, an encrypted member.
_DAMAGED: tuple[type[Exception], ...] = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError)
_DAMAGED += (zlib.error, OSError, NotImplementedError, RuntimeError, ValueError)


def _check_members(path: Path, archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse("F051", path, size=total >> 20, limit=MAX_UNCOMPRESSED_BYTES >> 20)
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
            raise _refuse("F052", path, member=member.filename, ratio=ratio, limit=MAX_RATIO)
    for member in members:  # decompressed once: the declared sizes and CRCs hold
        tail = b""
        for chunk in _chunks(archive, member.filename):
            if _DOCTYPE.search(tail + chunk):
                raise _refuse("F055", path, member=member.filename)
            tail = chunk[-16:]


# --- the sheet's extent and its typed cells, from its XML ------------------------------

ERROR_CELL = "sheet.error_cell"  # calamine gives an error cell as an empty one
DURATION_CELL = "sheet.duration"  # and an .ods duration of a day or more as its ISO text


@dataclass
class SheetScan:
    """What the sheet's XML says before calamine reads it: the end of its used area
    (rows, columns; 0-based, exclusive), and the cells whose type calamine's values
    do not tell (the C039 kind of each, by position)."""

    rows: int = 0
    columns: int = 0
    marked: dict[tuple[int, int], str] = field(default_factory=dict)

    def used(self, row: int, column: int) -> None:
        self.rows, self.columns = max(self.rows, row + 1), max(self.columns, column + 1)

    def mark(self, row: int, column: int, rows: int, columns: int, kind: str) -> None:
        """A block of cells of one kind (a repeated .ods cell), as far as it can matter:
        a block past the limits makes the sheet refused anyway."""
        if len(self.marked) + rows * columns <= MAX_CELLS:
            block = ((row + r, column + c) for r in range(rows) for c in range(columns))
            self.marked.update(dict.fromkeys(block, kind))

    def check(self, path: Path, sheet: str) -> None:
        rows, columns = self.rows, self.columns
        if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
            limits = {"max_rows": MAX_ROWS, "max_columns": MAX_COLUMNS, "max_cells": MAX_CELLS}
            raise _refuse("F056", path, sheet=sheet, rows=rows, columns=columns, **limits)


def _tags(stream: Iterator[bytes], pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """Every match of a tag pattern in a stream of XML bytes, tags cut between chunks
    included (what follows the last '<' of a chunk waits for the next one)."""
    pending = b""
    for chunk in stream:
        data = pending + chunk
        cut = data.rfind(b"<")
        cut = len(data) if cut < 0 or len(data) - cut > _MAX_TAG else cut
        yield from pattern.finditer(data, 0, cut)
        pending = data[cut:]
    yield from pattern.finditer(pending)


def _chunks(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    with archive.open(member) as stream:
        yield from iter(lambda: stream.read(_CHUNK), b"")


_ATTRIBUTE = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    """A tag's attributes, by local name (the namespace prefix dropped)."""
    return {name.rpartition(b":")[2]: value for name, value in _ATTRIBUTE.findall(raw)}


_XLSX_TAG = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>")
_REFERENCE = re.compile(rb"([A-Z]{1,3})?(\d{1,9})?")


def _scan_xlsx(archive: zipfile.ZipFile, member: str) -> SheetScan:
    """Cell positions as calamine finds them: a cell's `r`, else the next column
    (the next row for a row without `r`)."""
    scan, row, column = SheetScan(), -1, -1
    for found in _tags(_chunks(archive, member), _XLSX_TAG):
        attributes = _attributes(found[2])
        reference = _REFERENCE.fullmatch(attributes.get(b"r", b"")) or _REFERENCE.match(b"")
        assert reference is not None  # the pattern matches the empty text
        if found[1] == b"row":
            row, column = (int(reference[2]) - 1 if reference[2] else row + 1), -1
            continue
        column = column_index(reference[1].decode()) if reference[1] else column + 1
        row = int(reference[2]) - 1 if reference[2] else max(row, 0)
        scan.used(row, column)
        if attributes.get(b"t") == b"e":
            scan.mark(row, column, 1, 1, ERROR_CELL)
    return scan


_ODS_TAG = re.compile(
    rb"<(/?)(?:\w+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>"
)


def _scan_ods(archive: zipfile.ZipFile, index: int) -> SheetScan:
    """The `index`-th table of content.xml. A repeated row or cell counts as many times
    as it is repeated when it holds something; empty ones, however repeated (as
    LibreOffice pads a sheet), are not materialised and do not count."""
    scan, table, row, column, repeat = SheetScan(), -1, 0, 0, 1
    for found in _tags(_chunks(archive, "content.xml"), _ODS_TAG):
        closing, name, raw = found[1] == b"/", found[2], found[3]
        if name == b"table":
            table, row = table + (0 if closing else 1), 0
        elif table != index or (closing and name != b"table-row"):
            continue
        elif name == b"table-row":
            if closing or raw.rstrip().endswith(b"/"):
                row += repeat
            if not closing:
                column = 0
                repeat = _count(_attributes(raw).get(b"number-rows-repeated"))
        else:
            cells = _count(_attributes(raw).get(b"number-columns-repeated"))
            if not raw.rstrip().endswith(b"/") or b"value-type" in raw:
                scan.used(row + repeat - 1, column + cells - 1)
                if kind := _ods_kind(raw):
                    scan.mark(row, column, repeat, cells, kind)
            column += cells
    return scan


_ODS_TYPE = re.compile(rb'value-type="(\w*)"')
_ODS_KINDS = {b"error": ERROR_CELL, b"time": DURATION_CELL}


def _ods_kind(raw: bytes) -> str | None:
    """The C039 kind of an .ods cell calamine cannot tell, from its last value type
    (LibreOffice's `calcext:value-type="error"` follows `office:value-type`)."""
    types = _ODS_TYPE.findall(raw)
    return _ODS_KINDS.get(types[-1]) if types else None


def _count(value: bytes | None) -> int:
    """A repetition count as written (at least 1)."""
    return max(int(value), 1) if value and value.isdigit() else 1


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet(?=[\s/>])([^>]*)>")
_TABLE_TAG = re.compile(rb"<(?:\w+:)?table(?=[\s/>])([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship(?=[\s/>])([^>]*)>")


def _sheets(archive: zipfile.ZipFile, ods: bool) -> list[dict[bytes, bytes]]:
    """The attributes of each sheet, in the workbook's order (calamine's)."""
    if ods:
        return [_attributes(m[1]) for m in _tags(_chunks(archive, "content.xml"), _TABLE_TAG)]
    return [_attributes(m[1]) for m in _tags(_chunks(archive, "xl/workbook.xml"), _SHEET_TAG)]


def _name(attributes: dict[bytes, bytes]) -> str:
    return html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))


def _xlsx_member(archive: zipfile.ZipFile, sheet: dict[bytes, bytes]) -> str | None:
    """The part holding a sheet of the workbook (xl/worksheets/sheet1.xml)."""
    rels = "xl/_rels/workbook.xml.rels"
    links = [_attributes(m[1]) for m in _tags(_chunks(archive, rels), _RELATIONSHIP)]
    target = next((r.get(b"Target") for r in links if r.get(b"Id") == sheet.get(b"id")), None)
    if target is None:
        return None
    name = html.unescape(target.decode("utf-8", "replace"))
    return name.lstrip("/") if name.startswith("/") else f"xl/{name}"


def column_index(letters: str) -> int:
    """'A' → 0, 'AB' → 27."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def cell_name(row: int, column: int) -> str:
    """(6, 1) → 'B7': a cell as the sheet names it (0-based row and column)."""
    letters, number = "", column + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row + 1}"


# --- the workbook ------------------------------------------------------------------


def _open(
    path: Path, archive: zipfile.ZipFile, sheet: str | None
) -> tuple[CalamineSheet, SheetScan]:
    """The sheet and its scan, read by calamine once its XML is within bounds."""
    from python_calamine import CalamineWorkbook

    ods = path.suffix.lower() == ".ods"
    try:
        sheets = _sheets(archive, ods)
        names = [_name(attributes) for attributes in sheets]
        if not names:
            raise InputFileError("F005", {"path": str(path)})
        if sheet is not None and sheet not in names:
            shown = ", ".join(f"`{name}`" for name in names)
            raise _refuse("F057", path, sheet=sheet, sheets=shown)
        index = names.index(sheet) if sheet is not None else 0
        if ods:
            scan = _scan_ods(archive, index)
        else:
            member = _xlsx_member(archive, sheets[index])
            if member is None or member not in archive.namelist():
                raise _unreadable(path, "sheet.no_sheet")
            scan = _scan_xlsx(archive, member)
    except KeyError:  # another zip (a .docx renamed), or a workbook missing a part
        raise _unreadable(path, "sheet.not_workbook") from None
    except _DAMAGED:
        raise _unreadable(path, "sheet.bad_zip") from None
    scan.check(path, names[index])
    workbook = _calamine(path, lambda: CalamineWorkbook.from_path(str(path)))
    return _calamine(path, lambda: workbook.get_sheet_by_index(index)), scan


def _calamine(path: Path, call: Callable[[], _T]) -> _T:
    """What calamine returns, or a file error saying why it could not: it raises its
    own errors, and a Rust panic arrives as a BaseException (pyo3's PanicException)."""
    from python_calamine import PasswordError

    try:
        return call()
    except PasswordError:
        raise _refuse("F053", path) from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as error:
        raise _unreadable(path, "sheet.reader", detail=str(error)[:200]) from None


def read_spreadsheet(
    path: Path, *, sheet: str | None = None, keep: Keep | None = None
) -> Iterator[Candidate | RowError]:
    """Every row of the sheet after its header, as a candidate or a row error."""
    with check_container(path) as archive:
        worksheet, scan = _open(path, archive, sheet)
    start = worksheet.start or (0, 0)
    rows = _calamine(path, lambda: iter(worksheet.iter_rows()))
    numbered = ((start[0] + offset, list(cells)) for offset, cells in enumerate(rows))
    cells = next((cells for _, cells in numbered if not all(map(_blank, cells))), None)
    if cells is None:
        raise InputFileError("F005", {"path": str(path)})
    positions = [(start[1] + i, str(cell).strip()) for i, cell in enumerate(cells)]
    named = [(position, name) for position, name in positions if name]
    header = header_columns([name for _, name in named])
    columns = list(zip([position for position, _ in named], header, strict=True))
    seen = SeenIds()
    read = _reads(keep)
    for number, cells in numbered:
        if all(_blank(cell) for cell in cells):
            continue
        yield _row(number, cells, start[1], columns, scan, read, seen, keep)


def _reads(keep: Keep | None) -> Callable[[str], bool]:
    """Whether the reader reads a column (a cell of another type there is an error)."""
    fixed = {ID, REGIME, *DETAILS}
    return lambda c: c in fixed or c.endswith(KEPT_SUFFIX) or keep is None or keep(c)


def _blank(cell: Value) -> bool:
    return isinstance(cell, str) and not cell.strip()


def _row(
    number: int,
    cells: Sequence[Value],
    first: int,
    columns: list[tuple[int, str]],
    scan: SheetScan,
    read: Callable[[str], bool],
    seen: SeenIds,
    keep: Keep | None,
) -> Candidate | RowError:
    data: dict[str, object] = {}
    problem: tuple[str, str, str] | None = None  # (column, cell, kind)
    for position, column in columns:
        value = cells[position - first] if position - first < len(cells) else ""
        kind = _kind(value) or scan.marked.get((number, position))
        if kind is not None and problem is None and read(column):
            problem = (column, cell_name(number, position), kind)
        data[column] = _cell_text(value)
    row = number + 1
    if problem is not None:
        column, cell, kind = problem
        found = data.get(ID)
        candidate_id = found.strip() or None if isinstance(found, str) and column != ID else None
        expected = text(_expected(column))
        return row_error(
            row, candidate_id, column, "C039", cell=cell, kind=text(kind), expected=expected
        )
    return candidate_from_mapping(row, data, seen=seen, keep=keep)


def _expected(column: str) -> str:
    """What a column holds, as C039 says it: a year, a text, or a grade."""
    if column == SESSION or column.endswith(KEPT_SUFFIX):
        return "sheet.expect_year"
    return "sheet.expect_text" if column in _TEXT_COLUMNS else "sheet.expect_grade"


_TEXT_COLUMNS = frozenset({ID, REGIME, *DETAILS} - {SESSION})  # the names among them


_KINDS: dict[type, str] = {  # calamine's types for cells that hold no number or text
    bool: "sheet.boolean",
    datetime.datetime: "sheet.datetime",
    datetime.date: "sheet.date",
    datetime.time: "sheet.time",
    datetime.timedelta: "sheet.duration",
}


def _kind(value: Value) -> str | None:
    """The catalogue key naming a cell that holds no number or text, or None."""
    return _KINDS.get(type(value))


def _cell_text(value: Value) -> str:
    """A cell as a CSV cell would hold it: text as it is, a number as its shortest
    decimal text (integral: an integer)."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        if value != value or value in (float("inf"), float("-inf")):
            return repr(value)
        return format(Decimal(repr(value)), "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else str(value)
