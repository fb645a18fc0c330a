"""Cohorts uploaded to the server: the file read in a temporary folder removed at
once, decided once under the chosen regulation (traces and near misses, for the
candidate pages and the papers), kept in memory under a random token; the oldest
is forgotten when there are too many."""

from __future__ import annotations

import secrets
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from ndrc_rules.common.columns import CANDIDATE_SUFFIXES
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.papers import cohort, everyone
from ndrc_rules.render.views import Cohort, Entry
from ndrc_rules.versions import Versions

MAX_UPLOAD = 64 * 1024 * 1024  # bytes of an uploaded candidates file
MAX_COHORTS = 4  # kept in memory at once (each with its file, for the diff)


@dataclass(frozen=True)
class Decided:
    """An uploaded cohort as decided."""

    token: str
    regulation: str  # the file name, in the folder
    filename: str  # as uploaded, for the page only
    versions: Versions
    cohort: Cohort
    content: bytes  # the file as uploaded: the diff of two versions reads it again

    @property
    def suffix(self) -> str:
        return Path(self.filename).suffix.lower()

    def entry(self, candidate: str) -> Entry | None:
        return next((e for e in self.cohort.entries if e.decision.id == candidate), None)

    def counts(self) -> list[tuple[str, str, int]]:
        """(outcome, label, count) for every declared outcome, in the regulation's
        order, then outcomes only the jury gave; errors apart."""
        counted = Counter(e.decision.decision for e in self.cohort.entries)
        labels = {o.name: o.label for p in self.cohort.programs for o in p.outcomes}
        shown = [(name, label, counted[name]) for name, label in labels.items()]
        return shown + [(n, n, c) for n, c in counted.items() if n not in labels]


class Cohorts:
    def __init__(self, limit: int = MAX_COHORTS) -> None:
        self.limit = limit
        self.kept: OrderedDict[str, Decided] = OrderedDict()

    def get(self, token: str) -> Decided | None:
        return self.kept.get(token)

    def latest(self) -> Decided | None:
        return next(reversed(self.kept.values()), None)

    def decide(
        self, regulation: Path, filename: str, content: bytes, sheet: str | None
    ) -> Decided:
        """Decide the uploaded file; raises RegulationError, SourceError, InputFileError."""
        versions = Versions.load([regulation])
        suffix = Path(filename).suffix.lower()
        if suffix not in CANDIDATE_SUFFIXES:
            shown = ", ".join(sorted(CANDIDATE_SUFFIXES))
            raise InputFileError("web.upload_suffix", {"suffixes": shown})
        with TemporaryDirectory(prefix="ndrc-upload-") as folder:
            path = Path(folder) / f"candidats{suffix}"
            path.write_bytes(content)
            decided = cohort(versions, path, sheet=sheet or None, near_miss=everyone)
        token = secrets.token_urlsafe(16)
        kept = Decided(token, regulation.name, filename, versions, decided, content)
        self.kept[token] = kept
        while len(self.kept) > self.limit:
            self.kept.popitem(last=False)
        return kept
