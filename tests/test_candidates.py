"""Candidate input: CSV/JSON/JSONL readers, grade parsing, row errors, file errors."""

from __future__ import annotations

import pickle
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from ndrc_rules.io import candidates
from ndrc_rules.io.candidates import (
    Candidate,
    GradeError,
    InputFileError,
    Marker,
    RowError,
    SeenIds,
    candidate_from_mapping,
    parse_grade,
    read_candidates,
)


def write(directory: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(content.encode(encoding))
    return path


def read_all(path: Path, encoding: str | None = None) -> list[Candidate | RowError]:
    return list(read_candidates(path, encoding=encoding))


def only_candidates(items: list[Candidate | RowError]) -> list[Candidate]:
    assert all(isinstance(item, Candidate) for item in items), items
    return [item for item in items if isinstance(item, Candidate)]


def file_error(path: Path, encoding: str | None = None) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        read_all(path, encoding)
    return caught.value


# --- parse_grade ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", Fraction(12)),
        ("12.5", Fraction(25, 2)),
        ("12,5", Fraction(25, 2)),
        ("12.50", Fraction(25, 2)),
        ("0", Fraction(0)),
        ("20", Fraction(20)),
        ("  9,75 ", Fraction(39, 4)),
        ("ABS", Marker.ABS),
        ("abj", Marker.ABJ),
        ("Disp", Marker.DISP),
        (14, Fraction(14)),
        (Decimal("13.1"), Fraction(131, 10)),
        (Fraction(7, 3), Fraction(7, 3)),
        ("12,12345678901234567890", Fraction(1212345678901234567890, 10**20)),  # 20 decimals
        pytest.param("12,5" + "0" * 300_000, Fraction(25, 2), id="12,5 and 300,000 trailing zeros"),
        pytest.param("0" * 300_000 + "12", Fraction(12), id="300,000 leading zeros"),
        (Decimal("0e-999999999"), Fraction(0)),
        (Decimal("1.5e1"), Fraction(15)),
    ],
)
def test_parse_grade_accepts(value: object, expected: Fraction | Marker) -> None:
    grade = parse_grade(value)
    assert grade == expected
    assert type(grade) is type(expected)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("douze", "C001"),
        ("1e1", "C001"),
        ("NaN", "C001"),
        ("inf", "C001"),
        ("+3", "C001"),
        ("12,5,1", "C001"),
        ("12.", "C001"),
        ("", "C001"),
        (True, "C001"),
        (Decimal("NaN"), "C001"),
        (12.5, "C001"),
        ("-1", "C002"),
        ("20,01", "C002"),
        ("21", "C002"),
        (25, "C002"),
        (Decimal("-0.5"), "C002"),
        # refused from the digits, before a number is built (else minutes, or a ValueError)
        ("12,123456789012345678901", "C037"),
        pytest.param("0," + "1" * 900_000, "C037", id="900,000 decimals"),
        pytest.param("9" * 900_000, "C002", id="900,000 digits"),
        (Decimal("1e999999999"), "C002"),
        (Decimal("1e-999999999"), "C037"),
        (Decimal("-1e999999999"), "C002"),
        pytest.param(10**5000, "C002", id="int of 5,000 digits"),
    ],
)
def test_parse_grade_rejects(value: object, code: str) -> None:
    with pytest.raises(GradeError) as caught:
        parse_grade(value)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("1e999999999", "C002"),
        pytest.param("1" * 5000, "C002", id="5,000 digits"),
        ("-1e-99999999999999999999", "C002"),
        ("1e-999999999", "C037"),
        pytest.param("0." + "0" * 80 + "1", "C037", id="81 decimals"),
    ],
)
def test_json_numbers_are_refused_before_they_are_built(document: str, code: str) -> None:
    with pytest.raises(GradeError) as caught:
        parse_grade(candidates._parse_json(document))
    assert caught.value.code == code


def test_json_numbers_too_long_to_build_are_read_from_their_digits() -> None:
    assert parse_grade(candidates._parse_json("12." + "0" * 100)) == 12
    assert parse_grade(candidates._parse_json("0e999999999999999999999")) == 0
    assert parse_grade(candidates._parse_json("1" + "0" * 70 + "e-70")) == 1


def test_grade_error_message_is_french_and_names_the_value() -> None:
    with pytest.raises(GradeError) as caught:
        parse_grade("douze")
    assert caught.value.value == "douze"
    assert str(caught.value) == caught.value.message
    assert "note illisible `douze`" in caught.value.message


# --- CSV -------------------------------------------------------------------------


def test_csv_semicolon_with_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime;U1;U2;U5.ecrit\nA1; initial ;12,5;abs;8\n")
    [candidate] = only_candidates(read_all(path))
    assert parsed(candidate) == Candidate(
        row=2,
        id="A1",
        regime="initial",
        grades={"U1": Fraction(25, 2), "U2": Marker.ABS, "U5.ecrit": Fraction(8)},
    )


def test_csv_comma_with_decimal_point(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,regime,U1,U4.S1\nA1,apprentissage,12.25,DISP\n")
    [candidate] = only_candidates(read_all(path))
    assert candidate.grades == {"U1": Fraction(49, 4), "U4.S1": Marker.DISP}


def test_csv_semicolon_wins_and_quoted_separators_do_not_count(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", 'id;"regime";U1\n"A,1";"x;y";"10,5"\n')
    [candidate] = only_candidates(read_all(path))
    assert (candidate.id, candidate.regime, candidate.grades) == (
        "A,1",
        "x;y",
        {"U1": Fraction(21, 2)},
    )


def test_csv_header_cells_are_stripped_and_empty_cells_omitted(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", " id ; regime ; U1 ; UF1 \nA1;initial;  ;\n")
    [candidate] = only_candidates(read_all(path))
    assert candidate.grades == {}


def test_txt_is_read_as_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "c.TXT", "id;regime\nA1;initial\n")
    assert [c.id for c in only_candidates(read_all(path))] == ["A1"]


def test_csv_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "\ufeffid;regime;U1\nA1;initial;10\n")
    [candidate] = only_candidates(read_all(path))
    assert candidate.id == "A1"


def test_cp1252_needs_the_encoding_option(tmp_path: Path) -> None:
    content = "id;regime;U1\nA1;Professionnalisation;12,5\nA2;Équipe;10\n"
    path = write(tmp_path, "c.csv", content, encoding="cp1252")
    candidates = only_candidates(read_all(path, encoding="cp1252"))
    assert [c.regime for c in candidates] == ["Professionnalisation", "Équipe"]

    error = file_error(path)
    assert error.code == "F014"  # not UTF-8, reads as Windows-1252: the option is named
    assert error.args == {"path": str(path), "position": content.encode().index("É".encode())}
    assert f"{path}" in error.message and "--encoding cp1252" in error.message


def test_bytes_no_known_encoding_reads_are_reported_as_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"id;regime\nA1;\x81\x8d\n")  # undefined in Windows-1252 too
    error = file_error(path)
    assert error.code == "F002" and error.args["position"] == len(b"id;regime\nA1;")


def test_undecodable_byte_late_in_the_file_comes_after_the_rows_before_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"id;regime\nA1;initial\nA2;\xe9\n")
    items = read_candidates(path)
    first = next(items)
    assert isinstance(first, Candidate) and first.id == "A1"
    with pytest.raises(InputFileError) as caught:
        next(items)
    assert caught.value.args["position"] == len(b"id;regime\nA1;initial\nA2;")


def test_unknown_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime\n")
    error = file_error(path, encoding="klingon")
    assert error.code == "F010"
    assert "klingon" in error.message


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("douze", "C001"),
        ("1e1", "C001"),
        ("NaN", "C001"),
        ("inf", "C001"),
        ("+3", "C001"),
        ('"12,5,1"', "C001"),
        ("-1", "C002"),
        ("20,5", "C002"),
    ],
)
def test_csv_bad_grade_is_a_row_error_on_its_column(tmp_path: Path, cell: str, code: str) -> None:
    path = write(tmp_path, "c.csv", f"id;regime;U1;U2\nA1;initial;10;{cell}\n")
    [error] = read_all(path)
    assert isinstance(error, RowError)
    assert (error.row, error.id, error.field, error.code) == (2, "A1", "U2", code)
    assert error.message.startswith("note ")


def test_missing_id_and_regime(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime;U1\n  ;initial;10\nA2;;10\n")
    first, second = read_all(path)
    assert isinstance(first, RowError) and isinstance(second, RowError)
    assert (first.id, first.field, first.code) == (None, "id", "C003")
    assert (second.id, second.field, second.code) == ("A2", "regime", "C004")


def test_first_problem_in_column_order_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "U1;id;regime;U2\ndouze;A1;;-1\nx;A2;initial;-1\n")
    first, second = read_all(path)
    assert isinstance(first, RowError) and isinstance(second, RowError)
    assert (first.field, first.code) == ("regime", "C004")
    assert (second.field, second.code) == ("U1", "C001")


def test_duplicate_id_is_reported_on_the_later_row(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime;U1\nA1;initial;10\nA2;initial;11\n A1 ;autre;12\n")
    first, second, third = read_all(path)
    assert isinstance(first, Candidate) and isinstance(second, Candidate)
    assert isinstance(third, RowError)
    assert (third.row, third.id, third.field, third.code) == (4, "A1", "id", "C012")
    assert "ligne 2" in third.message


def test_rows_with_the_wrong_field_count(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime;U1\nA1;initial\nA2;initial;10;11\nA3;initial;9\n")
    short, long, fine = read_all(path)
    assert isinstance(short, RowError) and isinstance(long, RowError)
    assert (short.row, short.id, short.field, short.code) == (2, "A1", None, "C013")
    assert "2 champs pour 3 colonnes" in short.message
    assert (long.row, long.code) == (3, "C013")
    assert isinstance(fine, Candidate) and fine.row == 4


def test_row_numbers_are_physical_lines(tmp_path: Path) -> None:
    content = '\nid;regime;U1\nA1;initial;10\n\nA2;"multi\nline";11\r\nA3;initial;douze\n'
    path = write(tmp_path, "c.csv", content)
    items = read_all(path)
    assert [item.row for item in items] == [3, 5, 7]
    assert isinstance(items[1], Candidate) and items[1].regime == "multi\nline"


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "")
    error = file_error(path)
    assert error.code == "F005"
    assert error.message == f"aucune ligne d'en-tête dans {path}"


def test_blank_lines_only_is_an_empty_file(tmp_path: Path) -> None:
    assert file_error(write(tmp_path, "c.csv", "\n \n")).code == "F005"


def test_header_only_yields_nothing(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, "c.csv", "id;regime;U1\n")) == []


@pytest.mark.parametrize(
    ("header", "code", "column"),
    [
        ("regime;U1", "F007", "id"),
        ("id;U1", "F007", "regime"),
        ("id;regime;U1; U1", "F006", "U1"),
    ],
)
def test_bad_header(tmp_path: Path, header: str, code: str, column: str) -> None:
    error = file_error(write(tmp_path, "c.csv", f"{header}\nA1;initial;10\n"))
    assert (error.code, error.args) == (code, {"column": column})
    assert f"{column}" in error.message


def test_count_invariant(tmp_path: Path) -> None:
    rows = [
        "A1;initial;10;ABS",
        "A2;initial;douze;",
        "A3;;10;10",
        "A1;initial;10;10",
        "A4;initial;10",
        ";initial;10;10",
        "A5;initial;21;10",
        "A6;initial;;",
    ]
    path = write(tmp_path, "c.csv", "id;regime;U1;U2\n" + "\n".join(rows) + "\n")
    items = read_all(path)
    assert len(items) == len(rows)
    assert sum(isinstance(item, Candidate) for item in items) == 2
    assert sum(isinstance(item, RowError) for item in items) == 6


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;regime\nA1;initial\n")
    items = read_candidates(path)
    path.unlink()  # nothing was opened yet: the error comes with the first item
    with pytest.raises(InputFileError) as caught:
        next(items)
    assert caught.value.code == "F001"


# --- JSON and JSON Lines ----------------------------------------------------------


def test_json_list(tmp_path: Path) -> None:
    content = """[
        {"id": "A1", "regime": "initial", "U1": 12.1, "U2": "12,5", "U3": null, "U4": 7},
        {"id": 42, "regime": " alternance ", "UF1": "abs"}
    ]"""
    first, second = only_candidates(read_all(write(tmp_path, "c.json", content)))
    assert parsed(first) == Candidate(
        row=1,
        id="A1",
        regime="initial",
        grades={"U1": Fraction(121, 10), "U2": Fraction(25, 2), "U4": Fraction(7)},
    )
    assert (second.row, second.id, second.regime, second.grades) == (
        2,
        "42",
        "alternance",
        {"UF1": Marker.ABS},
    )


def test_json_row_errors(tmp_path: Path) -> None:
    content = """[
        {"id": "A1", "regime": "initial", "U1": true},
        ["A2", "initial"],
        {"id": "A3", "regime": "initial", "U1": NaN},
        {"id": "A4", "regime": "initial", "U1": 1e1},
        {"id": "A1", "regime": "initial"},
        {"regime": "initial"}
    ]"""
    items = read_all(write(tmp_path, "c.json", content))
    summary = [
        (item.row, item.field, item.code) if isinstance(item, RowError) else item.row
        for item in items
    ]
    assert summary == [
        (1, "U1", "C001"),
        (2, None, "C015"),
        (3, "U1", "C001"),
        4,
        (5, "id", "C012"),
        (6, "id", "C003"),
    ]
    assert isinstance(items[0], RowError) and "`true`" in items[0].message
    assert isinstance(items[1], RowError) and "trouvé une liste" in items[1].message


def test_json_number_grades_stay_exact(tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", '[{"id": "A1", "regime": "r", "U1": 0.1, "U2": 1e1}]')
    [candidate] = only_candidates(read_all(path))
    assert candidate.grades == {"U1": Fraction(1, 10), "U2": Fraction(10)}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('[{"id": "A1",}', "syntaxe invalide ligne 1, colonne 14"),
        ('{"id": "A1"}', "trouvé un objet"),
        ("", "syntaxe invalide ligne 1, colonne 1"),
    ],
)
def test_json_document_errors(tmp_path: Path, content: str, fragment: str) -> None:
    path = write(tmp_path, "c.json", content)
    error = file_error(path)
    assert error.code == "F004"
    assert fragment in error.message
    assert str(path) in error.message


def test_jsonl_with_a_broken_line(tmp_path: Path) -> None:
    content = "\n".join(
        [
            '{"id": "A1", "regime": "initial", "U1": 12.5}',
            "",
            '{"id": "A2", "regime": "initial", "U1": }',
            '"A3"',
            '{"id": "A4", "regime": "initial", "U1": "ABJ"}',
        ]
    )
    items = read_all(write(tmp_path, "c.jsonl", content))
    assert [item.row for item in items] == [1, 3, 4, 5]
    broken, not_object = items[1], items[2]
    assert isinstance(broken, RowError) and isinstance(not_object, RowError)
    assert (broken.id, broken.field, broken.code) == (None, None, "C014")
    assert broken.message.startswith("ligne JSON illisible : syntaxe invalide colonne 41")
    assert not_object.code == "C015" and "trouvé un texte" in not_object.message
    assert [item.id for item in items if isinstance(item, Candidate)] == ["A1", "A4"]


def test_jsonl_with_bom_and_crlf(tmp_path: Path) -> None:
    content = '\ufeff{"id": "A1", "regime": "r"}\r\n{"id": "A2", "regime": "r"}\r\n'
    items = read_all(write(tmp_path, "c.jsonl", content))
    assert [(c.row, c.id) for c in only_candidates(items)] == [(1, "A1"), (2, "A2")]


# --- files and the Python API ------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    error = file_error(path)
    assert (error.code, error.args) == ("F001", {"path": str(path)})
    assert error.message == f"fichier introuvable : {path}"


def test_unknown_format(tmp_path: Path) -> None:
    error = file_error(write(tmp_path, "c.xls", "id;regime\n"))
    assert error.code == "F003"


def test_input_file_error_survives_pickling(tmp_path: Path) -> None:
    error = file_error(tmp_path / "absent.csv")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.args, copy.message) == (error.code, error.args, error.message)


def test_candidate_from_mapping_for_the_python_api() -> None:
    result = candidate_from_mapping(7, {"id": "A1", "regime": "initial", "U1": Fraction(21, 2)})
    assert parsed(result) == Candidate(
        row=7, id="A1", regime="initial", grades={"U1": Fraction(21, 2)}
    )
    seen = SeenIds()
    assert isinstance(candidate_from_mapping(1, {"id": "A", "regime": "r"}, seen=seen), Candidate)
    again = candidate_from_mapping(2, {"id": "A", "regime": "r"}, seen=seen)
    assert isinstance(again, RowError) and again.code == "C012"


def test_models_are_frozen() -> None:
    candidate = Candidate(row=1, id="A1", regime="r", grades={})
    with pytest.raises(ValueError, match="frozen"):
        candidate.id = "B"  # type: ignore[misc]


def parsed(candidate: object) -> object:
    """A candidate without the row it was read from (`columns`, checked on its own)."""
    assert isinstance(candidate, Candidate)
    return candidate.model_copy(update={"columns": None})


def test_a_candidate_keeps_its_row_as_read(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id;regime;U1;U2;Autre\nA1; initial ;12,5;;x\n", encoding="utf-8")
    keep = {"U1", "U2"}.__contains__
    (candidate,) = read_candidates(path, keep=keep)
    assert isinstance(candidate, Candidate)
    assert candidate.columns == {
        "id": "A1",
        "regime": " initial ",
        "U1": "12,5",
        "U2": "",
        "Autre": "x",
    }


def test_ids_beyond_the_memory_bound_are_checked_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates, "MAX_IDS_IN_MEMORY", 3)
    seen = SeenIds()
    firsts = [seen.first_row(f"C{i}", i) for i in range(10)]
    assert firsts == list(range(10)) and seen.disk is not None and seen.rows == {}
    assert seen.first_row("C1", 50) == 1  # seen in memory, before the spill
    assert seen.first_row("C8", 51) == 8  # seen on disk
    assert seen.first_row("C99", 52) == 52
