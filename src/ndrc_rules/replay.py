"""Replay: decide a stored record again and say whether the same record comes out.

A decision record carries the candidate's row as read, the regulation's path
and the SHA-256 of its text (and of every imported file), the engine version
and the decision time. Replaying reads the row again under the regulation
file, with the record's own time, and compares the new record with the old,
byte for byte. When they differ, it says why it can tell (the regulation text
or the engine changed) and where the records part (JSON paths, old and new).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ndrc_rules import __version__
from ndrc_rules.api import Regulation, load
from ndrc_rules.audit.records import explained, result_line, to_json
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.io.candidates import RowError, candidate_from_mapping
from ndrc_rules.language.diagnostics import RegulationError
from ndrc_rules.language.names import fold
from ndrc_rules.language.source import SourceError

MAX_DIFFERENCES = 20


@dataclass(frozen=True, slots=True)
class Difference:
    path: str  # where the records part, as a JSON path: trace.rules[2].status
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Replayed:
    """The replay of one record: same, different (and why), or impossible (and why)."""

    key: str  # the record's place: its line in a file, or its seq in a store
    id: str | None
    same: bool
    skipped: str | None = None  # a catalogue key when the record cannot be replayed
    regulation: str | None = None  # the regulation file it could not be replayed under
    changed_files: list[tuple[str, str, str]] = field(default_factory=list)  # path, old, new
    engine: tuple[str, str] | None = None  # (recorded, running) when they differ
    differences: list[Difference] = field(default_factory=list)


class Replayer:
    """Replays records, loading each regulation file once.

    `regulation` replays every record under that file rather than the recorded
    one; it is loaded at once, so that a file that is missing, unreadable or
    invalid stops the replay (SourceError, RegulationError) before any record."""

    def __init__(self, regulation: Path | None = None) -> None:
        self.override = regulation
        self.loaded: dict[str, Regulation | str] = {}  # path → regulation, or why not
        if regulation is not None:
            self.loaded[str(regulation)] = load(regulation)

    def replay(self, key: str, text: str) -> Replayed:
        record = _parsed(text)
        if record is None:
            return Replayed(key, None, same=False, skipped="replay.unreadable")
        identifier = record.get("id")
        if "error" in record:
            return Replayed(key, identifier, same=True, skipped="replay.row_error")
        if not record.get("input") or not record.get("regulation"):
            return Replayed(key, identifier, same=False, skipped="replay.no_input")
        stamp = record["regulation"]
        path = str(self.override or stamp["path"])
        regulation = self._regulation(path)
        if isinstance(regulation, str):
            return Replayed(key, identifier, same=False, skipped=regulation, regulation=path)
        again = _relocated(_decide_again(regulation, record), stamp, regulation)
        if again == text:
            return Replayed(key, identifier, same=True)
        recorded_engine = stamp["engine_version"]
        return Replayed(
            key,
            identifier,
            same=False,
            changed_files=_changed_files(stamp, regulation),
            engine=None if recorded_engine == __version__ else (recorded_engine, __version__),
            differences=list(_differences(record, json.loads(again))),
        )

    def _regulation(self, path: str) -> Regulation | str:
        if path not in self.loaded:
            try:
                self.loaded[path] = load(path)
            except (SourceError, OSError):
                self.loaded[path] = "replay.no_regulation"
            except RegulationError:
                self.loaded[path] = "replay.invalid_regulation"
        return self.loaded[path]


def _decide_again(regulation: Regulation, record: dict[str, object]) -> str:
    """The record the regulation writes today for the recorded row, at the recorded time."""
    known = regulation.columns
    columns = record["input"]["columns"]  # type: ignore[index]  # checked by `replay`
    row = record["row"]
    candidate = candidate_from_mapping(
        row if isinstance(row, int) else 0,
        columns,
        keep=lambda column: fold(column) in known,
    )
    if isinstance(candidate, RowError):
        return result_line(candidate)[1]
    decided_at = str(record["decided_at"])
    if "near_miss" in record:  # as `explain` prints it: its near miss is decided again too
        decided = regulation.try_decide(candidate, decided_at=decided_at, near_miss=True)
        return to_json(explained(decided))
    return regulation.record_line(candidate, decided_at)[1]


def _files(stamp: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, SHA-256) of the recorded regulation, then of each file it imported."""
    return [(stamp["path"], stamp["sha256"])] + [(i["path"], i["sha256"]) for i in stamp["imports"]]


def _relocated(text: str, stamp: dict[str, Any], regulation: Regulation) -> str:
    """The new record with the recorded file paths, when the files were given
    elsewhere (--regulation): where a file sits is not what it says."""
    program = regulation.program
    for (old, _), (new, _) in zip(
        _files(stamp), [(program.path, ""), *program.imports], strict=False
    ):
        if old != new:
            text = text.replace(
                json.dumps(new, ensure_ascii=False), json.dumps(old, ensure_ascii=False)
            )
    return text


def _changed_files(stamp: dict[str, Any], regulation: Regulation) -> list[tuple[str, str, str]]:
    """Files whose text is not the one recorded: the regulation, then its imports."""
    program = regulation.program
    current = [(program.path, program.sha256), *program.imports]
    changed = []
    for index, (path, sha) in enumerate(_files(stamp)):
        now = current[index][1] if index < len(current) else "—"
        if now != sha:
            changed.append((path, sha, now))
    return changed


def _differences(old: object, new: object) -> Iterator[Difference]:
    """Where two JSON values part, outermost first, at most MAX_DIFFERENCES."""
    return itertools.islice(_walk(old, new, ""), MAX_DIFFERENCES)


def _walk(old: object, new: object, path: str) -> Iterator[Difference]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            yield from _walk(old.get(key), new.get(key), f"{path}.{key}" if path else key)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _walk(a, b, f"{path}[{index}]")
    elif old != new:
        yield Difference(path or "$", _short(old), _short(new))


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def records_in(
    path: Path, seq: int | None = None, candidate: str | None = None
) -> Iterator[tuple[str, str]]:
    """(place, JSON text) of the records in a store, a JSON Lines file of records,
    an `eval --format json` document or an `explain --format json` trace; `seq`
    and `candidate` select."""
    if _is_sqlite(path):
        from ndrc_rules.audit.store import Store

        store = Store(path, readonly=True)
        try:
            for row in store.each_record(seq=seq, candidate_id=candidate):
                yield f"#{row['seq']}", row["record"]
        finally:
            store.close()
        return
    with path.open(encoding="utf-8", errors="replace") as lines:
        first = lines.readline()
        lines.seek(0)
        # Both JSON documents are indented, so they open with a line holding `{` alone,
        # which no JSON Lines record does.
        whole = path.suffix.lower() == ".json" or first.strip() == "{"
        texts = _document(path, lines.read()) if whole else lines
        for number, line in enumerate(texts, start=1):
            text = line.rstrip("\n")
            wanted = seq in (None, number) and text.strip()
            if wanted and (candidate is None or (_parsed(text) or {}).get("id") == candidate):
                yield f"#{number}", text


def _document(path: Path, content: str) -> list[str]:
    """The records of an `eval --format json` document, or the one record of an
    `explain --format json` trace, as `eval` writes them one per line."""
    document = _parsed(content)
    if document is not None and isinstance(document.get("results"), list):
        return [to_json(result) for result in document["results"]]
    if document is not None and {"decision", "input", "regulation"} <= document.keys():
        return [to_json(document)]
    raise InputFileError("F016", {"path": str(path)})


def _parsed(text: str) -> dict[str, Any] | None:
    """A JSON object, or None for anything else (a truncated line, a list, garbage)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as head:
        return head.read(16) == b"SQLite format 3\x00"
