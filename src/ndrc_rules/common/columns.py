"""The columns of a candidate row, named once for the readers, the binding and the checker.

A grade column is a unit code, then `.part` for a part, a CCF situation, the
resit grade or the session of a kept grade. A dot followed by digits belongs to
the code (`U2.1`, as the arrêté writes it); a dot followed by a letter opens the
part: `U2.1.rattrapage` is the resit grade of unit U2.1, `U4.S1` a situation of U4.
Kept light (no pydantic): `check` uses it to check the columns of examples.
"""

from __future__ import annotations

import re

ID = "id"
REGIME = "regime"
SESSION = "session"  # the candidate's exam session (a year)
JURY = "jury"  # the jury's decision, an outcome of the regulation
JURY_REASON = "jury_motif"  # why the jury decided otherwise
# The files candidates are read from, by suffix (lower case): the readers' dispatch,
# the command line's and the web upload's checks read these.
CSV_SUFFIXES = frozenset({".csv", ".txt"})
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})
CANDIDATE_SUFFIXES = CSV_SUFFIXES | SPREADSHEET_SUFFIXES | {".json", ".jsonl"}
LAST_NAME = "nom"  # the candidate's name, for papers people read (read as text)
FIRST_NAME = "prenom"
# Columns read as text about the candidate, never as grades.
DETAILS = (SESSION, JURY, JURY_REASON, LAST_NAME, FIRST_NAME)
RESIT_SUFFIX = "rattrapage"  # `U1.rattrapage`: the grade of U1 at the resit
KEPT_PART = "acquis"
KEPT_SUFFIX = "." + KEPT_PART  # `U3.acquis`: the session of a grade kept from earlier

_COLUMN = re.compile(r"(?P<code>[^.]*(?:\.\d+)*)(?:\.(?P<part>.*))?", re.DOTALL)


def split_column(column: str) -> tuple[str, str]:
    """(unit code, part) of a grade column; the part is '' for a whole unit."""
    match = _COLUMN.fullmatch(column)
    assert match  # the pattern matches any text
    return match["code"], match["part"] or ""
