"""Papers people read: a session's cohort decided once, then its minutes (`pv`) and
its grade sheets (`releve`), as HTML or PDF (`render`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ndrc_rules.io.candidates import Candidate, RowError
from ndrc_rules.io.jury import Jury
from ndrc_rules.render.views import Cohort, Entry
from ndrc_rules.versions import Versions

FORMATS = ("pdf", "html")


def no_one(candidate_id: str) -> bool:
    """No candidate: papers without « ce qu'il aurait fallu » (the PV)."""
    return False


def everyone(candidate_id: str) -> bool:
    """Every candidate."""
    return True


NearMissFor = Callable[[str], bool]  # which candidates (by id) get « ce qu'il aurait fallu »


def decide(
    versions: Versions, rows: Iterable[Candidate | RowError], *, near_miss: NearMissFor = no_one
) -> Iterator[Entry | RowError]:
    """Every row decided for papers, with its trace and the candidate's names: the one
    place papers get their decisions; with « ce qu'il aurait fallu » for the candidates
    `near_miss` names (the relevés asked for: it costs more than deciding)."""
    for row in rows:
        result = (
            row
            if isinstance(row, RowError)
            else versions.try_decide(row, near_miss=near_miss(row.id))
        )
        if isinstance(result, RowError):
            yield result
        else:
            assert isinstance(row, Candidate)
            yield Entry(result, row.last_name, row.first_name)


def cohort(
    versions: Versions,
    candidates: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    jury: Jury | None = None,
    near_miss: NearMissFor = no_one,
) -> Cohort:
    """The candidates file (the sheet of a workbook) decided under the versions:
    entries, row errors, sessions; with the near miss when asked (relevés)."""
    sessions: set[int] = set()
    ignored: set[str] = set()
    entries: list[Entry] = []
    errors: list[RowError] = []
    rows = versions.read(candidates, encoding=encoding, sheet=sheet)
    for result in decide(versions, _noting(rows, sessions, ignored), near_miss=near_miss):
        if isinstance(result, RowError):
            errors.append(result)
        else:
            entries.append(result)
    programs = [versions.regulations[id(r.program)].program for r in versions.ranges]
    return Cohort(
        programs, entries, errors, jury or Jury(), tuple(sorted(sessions)), tuple(sorted(ignored))
    )


def _noting(
    rows: Iterator[Candidate | RowError], sessions: set[int], ignored: set[str]
) -> Iterator[Candidate | RowError]:
    """Rows passed through, their sessions and the columns set aside collected."""
    for row in rows:
        if isinstance(row, Candidate):
            sessions.update([row.session] if row.session is not None else [])
            ignored.update(row.ignored)
        yield row


def document(html: str, form: str) -> bytes:
    """A paper's HTML as the file to write: the PDF printed from it, or the HTML itself."""
    if form == "html":
        return html.encode("utf-8")
    from ndrc_rules.render.pdf import pdf

    return pdf(html)
