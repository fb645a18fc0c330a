"""Write the workbooks of the corpus, deterministically: `python tests/hostile/make_workbooks.py`.

Well-formed ones (the sample cohort as `examples/candidats_ndrc.xlsx` and `.ods`;
cells of every type a spreadsheet holds) and hostile ones (a zip bomb, an XML
entity bomb, a password-protected workbook, a renamed text file, a truncated
archive, sheets past the row, column and cell limits). The .xlsx files with
ordinary cells are written by XlsxWriter; those whose XML must say what no
writer would (a DOCTYPE, a cell far away, a number with 17 digits) and every
.ods are written here by hand, as the zip of a few XML parts. Each file's
expected outcome is in `expected.json`; `tests/test_workbooks.py` checks that
this script gives the committed bytes.
"""

# ruff: noqa: E501  (the XML parts are written out whole, one line each)
from __future__ import annotations

import csv
import datetime
import io
import struct
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent.parent / "examples"
STAMP = (2026, 1, 1, 0, 0, 0)  # every zip member's date: the bytes do not depend on the day
ERROR = object()  # a cell holding a formula error (#DIV/0!)
HEADER = ["id", "regime", "U1", "U2", "U3", "U4", "U5", "U6"]
Row = Sequence[object]


def zipped(parts: dict[str, bytes | str], stored: Sequence[str] = ()) -> bytes:
    """A zip archive of `parts` (deflated, `stored` ones not), with fixed dates."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --- .xlsx --------------------------------------------------------------------


def xlsx(path: Path, sheets: dict[str, list[Row]]) -> None:
    """A workbook as Excel writes it (XlsxWriter): numbers, text, dates, booleans, errors."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    workbook.set_properties({"created": datetime.datetime(2026, 1, 1)})
    dated = workbook.add_format({"num_format": "dd/mm/yyyy"})
    timed = workbook.add_format({"num_format": "hh:mm"})
    lasting = workbook.add_format({"num_format": "[h]:mm"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if value is ERROR:
                    sheet.write_formula(r, c, "=1/0", None, "#DIV/0!")
                elif isinstance(value, datetime.date | datetime.time | datetime.timedelta):
                    kind = {datetime.time: timed, datetime.timedelta: lasting}.get(type(value))
                    sheet.write_datetime(r, c, value, kind or dated)
                else:
                    sheet.write(r, c, value)
    workbook.close()


_XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>",
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
}


def raw_xlsx(cells: str, strings: Sequence[str] = (), doctype: str = "") -> bytes:
    """A one-sheet .xlsx whose sheet data is `cells` (`<row>…</row>` XML), written by hand."""
    shared = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return zipped(
        {
            **_XLSX_PARTS,
            "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{cells}</sheetData></worksheet>",
            "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{shared}</sst>",
        }
    )


def shared_row(number: int, indexes: Sequence[int]) -> str:
    """A row of shared-string cells A, B, …"""
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="s"><v>{s}</v></c>' for i, s in enumerate(indexes))
    return f'<row r="{number}">{cells}</row>'


# --- .ods ---------------------------------------------------------------------

_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_cell(value: object) -> str:
    """A cell as LibreOffice writes it (a number's value as given: `repr` of the float)."""
    if value is None:
        return "<table:table-cell/>"
    if value is ERROR:
        return (
            '<table:table-cell table:formula="of:=1/[.A1]" office:value-type="string" '
            'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
        )
    if isinstance(value, bool):
        shown = "VRAI" if value else "FAUX"
        return f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}"><text:p>{shown}</text:p></table:table-cell>'
    if isinstance(value, datetime.timedelta):
        hours, seconds = divmod(int(value.total_seconds()), 3600)
        time = f"PT{hours:02}H{seconds // 60:02}M{seconds % 60:02}S"
        return f'<table:table-cell office:value-type="time" office:time-value="{time}"><text:p>{hours}:{seconds // 60:02}</text:p></table:table-cell>'
    if isinstance(value, datetime.time):
        time = f"PT{value.hour:02}H{value.minute:02}M{value.second:02}S"
        return f'<table:table-cell office:value-type="time" office:time-value="{time}"><text:p>{value:%H:%M}</text:p></table:table-cell>'
    if isinstance(value, datetime.date):
        return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"><text:p>{value:%d/%m/%Y}</text:p></table:table-cell>'
    if isinstance(value, int | float):
        shown = repr(value).replace(".", ",")
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{shown}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def ods(sheets: dict[str, list[Row]], doctype: str = "") -> bytes:
    """An .ods workbook; each sheet ends as LibreOffice ends it, with empty rows and
    cells repeated to the sheet's edge (which must not count as used)."""
    tables = []
    for name, rows in sheets.items():
        body = "".join(
            f"<table:table-row>{''.join(ods_cell(v) for v in row)}"
            '<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
            for row in rows
        )
        body += (
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        )
        tables.append(f"<table:table table:name={quoteattr(name)}>{body}</table:table>")
    return ods_document("".join(tables), doctype)


def ods_document(tables: str, doctype: str = "") -> bytes:
    """The zip of an .ods whose spreadsheet holds `tables` (`<table:table>` XML)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content {_ODS_NAMESPACES} '
        f'office:version="1.2"><office:body><office:spreadsheet>{tables}'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    return zipped(
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "META-INF/manifest.xml": _MANIFEST,
            "content.xml": content,
        },
        stored=["mimetype"],
    )


# --- an OLE (compound file) container -----------------------------------------------


def ole(streams: Sequence[str]) -> bytes:
    """A compound file (as Office writes a password-protected workbook) whose directory
    names `streams`, each empty: the smallest container the reader must recognise."""
    end, free, fat = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<108I", *[free] * 108)  # DIFAT: sector 0
    table = struct.pack("<128I", fat, end, *[free] * 126)  # sector 0: FAT, sector 1: directory

    def entry(name: str, kind: int, child: int, right: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        fields = struct.pack("<HBBIII", len(encoded), kind, 1, free, right, child)
        return encoded.ljust(64, b"\0") + fields + bytes(16 + 4 + 16) + struct.pack("<IQ", end, 0)

    names = list(streams)
    entries = [entry("Root Entry", 5, 1 if names else free, free)]
    entries += [entry(n, 2, free, i + 2 if i + 1 < len(names) else free) for i, n in enumerate(names)]
    directory = b"".join(entries).ljust(512, b"\0")
    return header + table + directory


# --- the files ------------------------------------------------------------------------


def sample_rows() -> list[Row]:
    """The sample cohort's CSV as spreadsheet cells: numbers as numbers, empty as nothing."""
    with (EXAMPLES / "candidats_ndrc.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    return [rows[0], *([_number(cell) for cell in row] for row in rows[1:])]


def _number(cell: str) -> object:
    if not cell:
        return None
    try:
        value = float(cell.replace(",", "."))
    except ValueError:
        return cell
    return int(value) if value.is_integer() else value


CELLS: list[Row] = [
    ["ID", "Régime", " u1 ", "U2", "U3", "U4", "U5", "U6", "Session", "naissance"],
    [1234.0, "apprentissage", 12.3, 12.345, 11, 12, 13, 14, 2026.0, datetime.date(2008, 5, 1)],
    None,  # an empty row: skipped, the next keeps its number in the sheet
    ["W2", "apprentissage", "12,5", "ABJ", 11, 12, 13, 14, 2026, None],
    ["W3", "apprentissage", 12, datetime.date(2026, 5, 1), 11, 12, 13, 14, None, None],
    ["W4", "apprentissage", 12, 12, True, 12, 13, 14, None, None],
    ["W5", "apprentissage", 12, 12, 12, ERROR, 13, 14, None, None],
    ["W6", "apprentissage", 12, 12, 12, 12, datetime.time(10, 30), 14, None, None],
    ["W7", "apprentissage", 12, 12, 12, 12, 13, 14, datetime.date(2026, 6, 1), None],
    ["W8", "apprentissage", 12, 12, 12, 12, 13, 21, None, None],
    ["W9", "apprentissage", 0.1, 12, 12, 12, 13, 14, None, None],
    ["W12", "apprentissage", 12, 12, 12, 12, 13, datetime.timedelta(hours=30), None, None],
]
SECOND: list[Row] = [HEADER, ["S1", "apprentissage", 12, 12, 12, 12, 13, 14]]
ODS_ONLY: list[Row] = [  # 17 significant digits: what the cell holds, kept exactly
    ["W10", "apprentissage", 0.30000000000000004, 12, 12, 12, 13, 14, None, None],
    ["W11", "apprentissage", 12.000000000000002, 12, 12, 12, 13, 14, None, None],
]
LAUGHS = (  # the billion laughs: 10**9 "lol" once expanded, if a reader expanded entities
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        '<!ENTITY lol{} "{}">'.format(n, ("&lol" + (str(n - 1) if n > 2 else "") + ";") * 10)
        for n in range(2, 10)
    )
    + "]>"
)


def files() -> dict[Path, bytes]:
    """Every generated file and its bytes."""
    made: dict[Path, bytes] = {}
    written = HERE / ".written.xlsx"

    def by_xlsxwriter(sheets: dict[str, list[Row]]) -> bytes:
        xlsx(written, sheets)
        data = written.read_bytes()
        written.unlink()
        return data

    rows = [row or [] for row in CELLS]
    made[EXAMPLES / "candidats_ndrc.xlsx"] = by_xlsxwriter({"Candidats": sample_rows()})
    made[EXAMPLES / "candidats_ndrc.ods"] = ods({"Candidats": sample_rows()})
    made[HERE / "workbook_cells.xlsx"] = by_xlsxwriter({"Notes": rows, "Seconde": SECOND})
    made[HERE / "workbook_cells.ods"] = ods({"Notes": rows + ODS_ONLY, "Seconde": SECOND})
    made[HERE / "workbook_empty.xlsx"] = by_xlsxwriter({"Vide": [], "Seconde": SECOND})
    made[HERE / "workbook_duplicate_header.xlsx"] = by_xlsxwriter(
        {"Notes": [["id", "regime", "U1", "u1"], ["D1", "apprentissage", 12, 12]]}
    )
    sample = made[EXAMPLES / "candidats_ndrc.xlsx"]
    made[HERE / "workbook_truncated.xlsx"] = sample[: len(sample) // 2]
    made[HERE / "workbook_renamed_text.xlsx"] = b"id;regime;U1\nT1;apprentissage;12\n"
    made[HERE / "workbook_other_document.xlsx"] = zipped({"word/document.xml": "<w:document/>"})
    made[HERE / "workbook_password.xlsx"] = ole(["EncryptedInfo", "EncryptedPackage"])
    made[HERE / "workbook_ole.xlsx"] = ole(["Workbook"])
    made[HERE / "workbook_zip_bomb.xlsx"] = zipped(
        {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": b" " * (50 << 20)}
    )
    made[HERE / "workbook_declared_huge.xlsx"] = _declared_huge()
    made[HERE / "workbook_entity_bomb.xlsx"] = raw_xlsx(
        shared_row(1, [0, 1]) + shared_row(2, [2, 3]), ["id", "regime", "&lol9;", "x"], LAUGHS
    )
    made[HERE / "workbook_entity_bomb.ods"] = ods({"A": [["&lol9;"]]}, doctype=LAUGHS)
    header = shared_row(1, [0, 1])
    far = '<row r="{row}"><c r="{cell}"><v>1</v></c></row>'
    made[HERE / "workbook_too_many_rows.xlsx"] = raw_xlsx(
        header + far.format(row=1048577, cell="A1048577"), ["id", "regime"]
    )
    made[HERE / "workbook_too_many_columns.xlsx"] = raw_xlsx(
        header + far.format(row=2, cell="AMK2"), ["id", "regime"]
    )
    made[HERE / "workbook_too_many_cells.xlsx"] = raw_xlsx(
        header + far.format(row=200000, cell="Z200000"), ["id", "regime"]
    )
    made[HERE / "workbook_ods_bomb.ods"] = _ods_cell_bomb()
    return made


def _declared_huge() -> bytes:
    """A small workbook whose zip directory declares a sheet of 4 GB."""
    data = bytearray(zipped({**_XLSX_PARTS, "xl/worksheets/sheet1.xml": "<worksheet/>"}))
    directory = data.rfind(b"PK\x01\x02")
    while directory >= 0:  # each central directory entry: uncompressed size at +24
        name_length = struct.unpack_from("<H", data, directory + 28)[0]
        name = bytes(data[directory + 46 : directory + 46 + name_length])
        if name == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, directory + 24, 0xFFFFFFF0)
        directory = data.rfind(b"PK\x01\x02", 0, directory)
    return bytes(data)


def _ods_cell_bomb() -> bytes:
    """A few bytes of .ods asking for 100,000 rows of 16,000 cells holding 1."""
    header = f"<table:table-row>{ods_cell('id')}{ods_cell('regime')}</table:table-row>"
    bomb = (
        '<table:table-row table:number-rows-repeated="100000">'
        '<table:table-cell table:number-columns-repeated="16000" office:value-type="float" '
        'office:value="1"/></table:table-row>'
    )
    return ods_document(f'<table:table table:name="A">{header}{bomb}</table:table>')


def main() -> int:
    for path, data in files().items():
        path.write_bytes(data)
        print(f"{path.relative_to(HERE.parent.parent)}: {len(data)} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
