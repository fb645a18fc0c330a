"""The jury of a session, read from a small TOML file for its minutes (`pv --jury`).

    president = "Mme Anne Martin"
    membres = ["M. Paul Durand", "Mme Léa Petit"]
    lieu = "Lyon"
    date = 2026-07-03          # a TOML date, or text ("3 juillet 2026")
    session = 2026             # optional: else the candidates' `session` column

Every key is optional (what is missing is left blank on the paper, to fill in by
hand); an unknown key, a value of the wrong type or a TOML syntax error stops the
command with a French sentence naming the file, and the line where TOML says.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import clip

_WHERE = re.compile(r"at line (\d+), column (\d+)")  # where tomllib's message says
_TEXT_KEYS = {"president": "president", "lieu": "place", "date": "date", "session": "session"}
KEYS = (*_TEXT_KEYS, "membres")


@dataclass(frozen=True)
class Jury:
    """Who deliberated, where and when; None or empty: a blank to fill in by hand."""

    president: str | None = None
    members: tuple[str, ...] = ()
    place: str | None = None
    date: str | None = None
    session: str | None = None


def read_jury(path: Path) -> Jury:
    """The jury file at `path`; InputFileError (F060–F063) if it cannot be used."""
    try:
        source = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputFileError("F001", {"path": str(path)}) from None
    except UnicodeDecodeError as error:
        raise InputFileError("F064", {"path": str(path), "position": error.start}) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        line, column = _where(str(error), source)
        raise InputFileError("F060", {"path": str(path), "line": line, "column": column}) from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        known = ", ".join(KEYS)
        raise InputFileError("F061", {"path": str(path), "key": clip(unknown[0]), "known": known})
    values = {attribute: _text(path, key, data.get(key)) for key, attribute in _TEXT_KEYS.items()}
    return Jury(members=_members(path, data.get("membres")), **values)


def _where(message: str, source: str) -> tuple[int, int]:
    """(line, column) of a TOML error, from tomllib's English message; its end of
    document is the end of the last line."""
    found = _WHERE.search(message)
    if found:
        return int(found[1]), int(found[2])
    lines = source.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _text(path: Path, key: str, value: object) -> str | None:
    """A text value as written; a TOML date in day/month/year; a whole number (a session)."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int) and not isinstance(value, bool) and key == "session":
        return str(value)
    if not isinstance(value, str):
        raise InputFileError("F062", {"path": str(path), "key": key, "value": clip(repr(value))})
    return value.strip() or None


def _members(path: Path, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputFileError("F063", {"path": str(path), "value": clip(repr(value))})
    return tuple(item.strip() for item in value if item.strip())
