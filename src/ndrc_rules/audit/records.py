"""Decision records as JSON text: what `eval` writes, the store keeps and `replay` reads.

One record per input row: a decision (trace, replay stamps, the input row as
read) or the row's error. The JSON text is that of `json.dumps(record,
ensure_ascii=False)`; the generated writer (`fasttrace`) writes the same text
from the same envelope fields, which are made here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from ndrc_rules.common.status import ERROR
from ndrc_rules.engine import trace as t
from ndrc_rules.io.candidates import (
    FIRST_NAME,
    ID,
    JURY,
    JURY_REASON,
    KEPT_SUFFIX,
    LAST_NAME,
    REGIME,
    SESSION,
    Candidate,
    Grade,
    GradeError,
    Marker,
    NumberText,
    RowError,
    parse_grade,
)

# json.dumps(value, ensure_ascii=False), without building an encoder at each call.
to_json = json.JSONEncoder(ensure_ascii=False).encode


def record(result: t.Decision | RowError) -> dict[str, object]:
    """The JSON object of one row: a decision, or the row's error."""
    if isinstance(result, RowError):
        detail = t.RowErrorDetail(code=result.code, field=result.field, message=result.message)
        return t.ErrorRecord(row=result.row, id=result.id, error=detail).model_dump(mode="json")
    return result.model_dump(mode="json")


def explained(result: t.Decision | RowError) -> dict[str, object]:
    """The record as `explain --format json` prints it: with the decision's near miss
    (`Decision.near_miss` is no part of the record, the store's or eval's)."""
    dumped = record(result)
    if isinstance(result, t.Decision) and result.near_miss is not None:
        dumped["near_miss"] = [phase.model_dump(mode="json") for phase in result.near_miss]
    return dumped


def result_line(result: t.Decision | RowError) -> tuple[str, str]:
    """(outcome or ERROR, the JSON text of the row's record)."""
    outcome = ERROR if isinstance(result, RowError) else result.decision
    return outcome, to_json(record(result))


def from_line(outcome: str, line: str) -> t.Decision | RowError:
    """A record's JSON text (`result_line`, `record_line`) read back as a result."""
    if outcome != ERROR:
        return t.Decision.model_validate_json(line)
    record = t.ErrorRecord.model_validate_json(line)
    error = record.error
    return RowError(
        row=record.row, id=record.id, field=error.field, code=error.code, message=error.message
    )


def envelope(candidate: Candidate, decided_at: str) -> tuple[str, ...]:
    """The JSON texts of the record fields the candidate gives (fasttrace.ENVELOPE)."""
    return (
        str(candidate.row),
        _json_text(candidate.id),
        _json_list(candidate.ignored),
        _input(candidate)[2],
        f'"{decided_at}"',
    )


def now() -> str:
    """The time a record is stamped with: UTC, to the second, ISO 8601 (the text
    is made once per second: a batch stamps many records each second)."""
    second = int(time.time())
    if _clock[0] != second:
        stamp_ = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
        _clock[:] = [second, stamp_]
    return _clock[1]  # type: ignore[return-value]  # [second, its text]: the text


_clock: list[int | str] = [0, ""]


def input_record(candidate: Candidate) -> t.InputRecord:
    """The candidate's row as read (rebuilt from its fields when it was built in
    Python), with the SHA-256 of its JSON text."""
    digest, cells, _ = _input(candidate)
    return t.InputRecord(sha256=digest, columns=dict(cells))


def _input(candidate: Candidate) -> tuple[str, Mapping[str, str | None], str]:
    """(SHA-256, cells, the JSON text of the input record)."""
    columns = candidate.columns if candidate.columns is not None else _rebuilt(candidate)
    cells = columns if all(type(v) is str for v in columns.values()) else _cells(columns)
    text_ = to_json(cells)
    digest = hashlib.sha256(text_.encode()).hexdigest()
    # `cells` is `columns` only when every value is a str, as the type says.
    return digest, cells, f'{{"sha256": "{digest}", "columns": {text_}}}'  # type: ignore[return-value]


def _cells(columns: Mapping[str, object]) -> dict[str, str | None]:
    """JSON input cells as text: numbers as written, booleans as JSON spells them."""
    return {str(k): _cell(v) for k, v in columns.items()}


def _cell(value: object) -> str | None:
    if value is None or type(value) is str:
        return value
    if isinstance(value, Decimal | NumberText):
        return _number_cell(value)
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _number_cell(value: Decimal | NumberText) -> str:
    """A JSON number with decimals or an exponent as text that a replay reads back as
    the same grade: as written when it does ('12.50'), else the grade's exact
    decimals ('1e1' → '10', '1e-7' → '0.0000001', '-0.0' → '0'); as written when it
    is no grade (a column the regulation does not read)."""
    shown = str(value)
    try:
        grade = parse_grade(value)
    except GradeError:
        return shown
    return shown if _reads(shown) == grade else _grade_text(grade)


def _reads(text_: str) -> Grade | None:
    """The grade a text cell reads as, or None."""
    try:
        return parse_grade(text_)
    except GradeError:
        return None


def _rebuilt(candidate: Candidate) -> dict[str, object]:
    columns: dict[str, object] = {ID: candidate.id, REGIME: candidate.regime}
    columns |= {column: _grade_text(grade) for column, grade in candidate.grades.items()}
    columns |= {f"{unit}{KEPT_SUFFIX}": str(year) for unit, year in candidate.kept.items()}
    details = {
        SESSION: candidate.session,
        JURY: candidate.jury,
        JURY_REASON: candidate.jury_reason,
        LAST_NAME: candidate.last_name,
        FIRST_NAME: candidate.first_name,
    }
    return columns | {k: str(v) for k, v in details.items() if v is not None}


def _grade_text(grade: Grade) -> str:
    """A grade as a spreadsheet writes it, exactly: '12.5'; 'n/d' if no decimal is exact."""
    if isinstance(grade, Marker):
        return str(grade)
    rest, places = grade.denominator, 0
    for prime in (2, 5):
        count = 0
        while rest % prime == 0:
            rest, count = rest // prime, count + 1
        places = max(places, count)
    if rest != 1:
        return str(grade)
    digits = str(grade.numerator * 10**places // grade.denominator).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits


def _json_text(value: str) -> str:
    """A string as JSON text, as json.dumps writes it (quoted directly when plain)."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return to_json(value)


def _json_list(values: tuple[str, ...]) -> str:
    return to_json(list(values)) if values else "[]"
