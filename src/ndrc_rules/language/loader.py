"""A regulation file and the files it imports → one surface document.

Between building and checking: each `importe "…"` is read relative to the
importing file, parsed and built on its own, and its outcomes and models (and
regimes) come before the importer's own, so the importer may reuse and
override them. Each file is read once; a loop of imports is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ndrc_rules.language import surface as s
from ndrc_rules.language.builder import build
from ndrc_rules.language.diagnostics import Diagnostic, Hint
from ndrc_rules.language.parser import ParseResult, parse
from ndrc_rules.language.source import SourceError, SourceFile


@dataclass
class Loaded:
    """The merged document (None if the main file could not be read at all)."""

    document: s.Document | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parses: dict[str, ParseResult] = field(default_factory=dict)  # by file path
    imports: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    incomplete: bool = False  # an import could not be read whole: what it declares is unknown

    def spares(self, diagnostic: Diagnostic) -> bool:
        """Whether a semantic diagnostic may stem from text a parse could not read:
        in its own file, or a name lost in a file it imports (or that imports it)."""
        parsed = self.parses.get(diagnostic.span.file)
        own = parsed is not None and parsed.spares(diagnostic)
        return own or any(p.lost(diagnostic) for p in self.parses.values())

    @property
    def syntax_errors(self) -> bool:
        return any(p.diagnostics for p in self.parses.values())


def load_document(source: SourceFile) -> Loaded:
    loaded = Loaded()
    loaded.document = _load(source, [source.path], loaded)
    return loaded


def _load(source: SourceFile, chain: list[str], loaded: Loaded) -> s.Document | None:
    parsed = parse(source)
    loaded.parses[source.path] = parsed
    loaded.diagnostics.extend(parsed.diagnostics)
    if parsed.tree is None:
        return None
    document = build(parsed.tree, source)
    outcomes: list[s.Outcome] = []
    regimes: list[s.Regime] = []
    for item in document.imports:
        imported = _imported(item, source, chain, loaded)
        if imported is not None:
            outcomes.extend(imported.outcomes)
            regimes.extend(imported.regimes)
    return replace(
        document, outcomes=(*outcomes, *document.outcomes), regimes=(*regimes, *document.regimes)
    )


def _imported(
    item: s.Import, importer: SourceFile, chain: list[str], loaded: Loaded
) -> s.Document | None:
    path = str(Path(importer.path).parent / item.path)
    if path in chain:
        cycle = " → ".join(Path(p).name for p in [*chain[chain.index(path) :], path])
        loaded.diagnostics.append(Diagnostic("E135", item.span, {"cycle": cycle}))
        return None
    if path in loaded.parses:  # already imported through another file
        return None
    try:
        source = SourceFile.read(path)
    except SourceError:
        hint = Hint("hint.import_missing")
        loaded.diagnostics.append(Diagnostic("E136", item.span, {"path": item.path}, hint))
        loaded.incomplete = True
        return None
    loaded.imports.append((path, source.sha256))
    document = _load(source, [*chain, path], loaded)
    loaded.incomplete |= document is None or bool(loaded.parses[path].diagnostics)
    return document
