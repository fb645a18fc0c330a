"""The application: `create_app(folder, host=…, port=…)` serves the regulations of one
folder (see docs in README, « Interface web »). Every page is rendered on the
server; `static/app.js` only filters and sorts tables and posts with the CSRF
token; the editor bundle (`static/editor.js`), when present, replaces the textarea."""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import traceback
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ndrc_rules import diff_words, papers
from ndrc_rules.api import Regulation
from ndrc_rules.audit.store import Store
from ndrc_rules.common.errors import InputFileError, StoreError
from ndrc_rules.common.messages import CATALOGUES, text
from ndrc_rules.diffing import CandidateChange, DiffReport, compare, read_both
from ndrc_rules.engine.trace import Decision
from ndrc_rules.io.candidates import RowError
from ndrc_rules.language.diagnostics import RegulationError
from ndrc_rules.language.names import KEYWORDS
from ndrc_rules.language.source import SourceError, SourceFile
from ndrc_rules.render import html as papers_html
from ndrc_rules.render.html import french
from ndrc_rules.render.tabular import Headers, decision_columns, write_csv, write_workbook
from ndrc_rules.render.trace import Line, Node, Vocabulary, near_miss, trace_nodes, where
from ndrc_rules.web import editor
from ndrc_rules.web.cohorts import MAX_UPLOAD, Cohorts, Decided
from ndrc_rules.web.pages import page
from ndrc_rules.web.paths import REGULATION, STORE, OutsideFolder, confined, listed
from ndrc_rules.web.safety import CSRF_FIELD, BodyTooLarge, Guard, json_body, mebibytes, refusal

STATIC = Path(__file__).parent / "static"
STORE_ROWS = 500  # records shown on a store's page at most
LOOPBACK = ("127.0.0.1", "localhost")

Endpoint = Callable[[Request], Awaitable[Response]]


class Site:
    """The folder served, the CSRF token of this run, the cohorts uploaded."""

    def __init__(self, folder: Path, max_upload: int) -> None:
        self.folder = folder
        self.max_upload = max_upload
        self.token = secrets.token_urlsafe(32)
        self.cohorts = Cohorts()

    def file(self, name: str, suffix: str) -> Path:
        try:
            return confined(self.folder, name, suffix)
        except OutsideFolder:
            raise HTTPException(404, text("web.not_found")) from None

    def render(self, template: str, status: int = 200, **values: object) -> HTMLResponse:
        shown = page(template, csrf=self.token, folder=self.folder.name, **values)
        return HTMLResponse(shown, status_code=status)

    def decided(self, request: Request) -> Decided:
        found = self.cohorts.get(request.path_params["token"])
        if found is None:
            raise HTTPException(404, text("web.unknown_cohort"))
        return found

    async def form_checked(self, request: Request) -> Any:
        """The request's form, once its CSRF field is this run's token."""
        form = await request.form(max_files=1, max_fields=20)
        token = form.get(CSRF_FIELD) or request.headers.get("x-csrf-token")
        if not isinstance(token, str) or not secrets.compare_digest(token, self.token):
            raise HTTPException(403, text("web.bad_csrf"))
        return form


def create_app(
    folder: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    lang: str | None = None,
    max_upload: int = MAX_UPLOAD,
) -> Starlette:
    """The application serving `folder`, answering only `host:port` (and, on the
    loopback interface, `localhost:port` / `127.0.0.1:port`); an uploaded candidates
    file has `max_upload` bytes at most."""
    if lang in CATALOGUES:
        os.environ["NDRC_LANG"] = lang  # the catalogue reads it at each text
    site = Site(Path(folder), max_upload)
    names = {host, *LOOPBACK} if host in LOOPBACK else {host}
    hosts = frozenset(f"{name}:{port}" for name in names)
    routes = [
        Route("/", _folder(site)),
        Route("/edit/{name}", _edit(site)),
        Route("/api/{action}", _api(site), methods=["POST"]),
        Route("/cohort", _cohort_form(site)),
        Route("/cohort", _upload(site), methods=["POST"]),
        Route("/cohort/{token}", _cohort(site)),
        Route("/cohort/{token}/candidate/{id:path}", _candidate(site)),
        Route("/cohort/{token}/download/{kind}", _download(site)),
        Route("/versions", _versions(site)),
        Route("/store", _stores(site)),
        Route("/store/{name}", _store(site)),
        Route("/store/{name}/verify", _verify(site), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {
        HTTPException: _http_error,
        BodyTooLarge: _too_large,
        Exception: _internal,
    }
    middleware = [Middleware(Guard, hosts=hosts, token=site.token, max_upload=max_upload)]
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


# --- errors: a French page or JSON, never a traceback -----------------------------------
async def _http_error(request: Request, error: Exception) -> Response:
    """Our refusals say why in French; the router's own (no route, wrong method) get
    the catalogue's words instead of the English phrase."""
    assert isinstance(error, HTTPException)
    code = error.status_code
    said = error.detail
    if said == HTTPStatus(code).phrase:
        said = text("web.not_found") if code == 404 else text("web.bad_request", reason=code)
    return refusal(request.url.path, code, said)


async def _too_large(request: Request, error: Exception) -> Response:
    assert isinstance(error, BodyTooLarge)
    return refusal(request.url.path, 413, text("web.too_large", size=mebibytes(error.limit)))


async def _internal(request: Request, error: Exception) -> Response:
    traceback.print_exception(error, file=sys.stderr)  # for the terminal, not the page
    return refusal(request.url.path, 500, text("web.internal"))


def _regulation_error(error: RegulationError | SourceError) -> str:
    return error.render() if isinstance(error, RegulationError) else str(error)


# --- the folder and the editor ------------------------------------------------------------
def _folder(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        regulations = listed(site.folder, REGULATION)
        return site.render("folder.html", title=text("web.nav_folder"), regulations=regulations)

    return endpoint


def _edit(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        path = site.file(name, REGULATION)
        try:
            SourceFile.read(path)  # bounded, UTF-8: what every command reads
            prose = path.read_text(encoding="utf-8")  # as written (its spaces unchanged)
        except SourceError as error:
            return site.render("error.html", 400, title=name, message=str(error))
        checked = editor.check(path, prose)
        return site.render(
            "edit.html",
            title=text("web.edit_heading", name=name),
            name=name,
            source=prose,
            checked=checked,
            examples=editor.examples(path, prose) if checked["ok"] else None,
            bundle=(STATIC / "editor.js").is_file(),
            editor_options=_editor_options(name),
        )

    return endpoint


def _editor_options(name: str) -> str:
    """What the page hands the editor bundle's `NdrcEditor.mount` (web/README.md), as JSON."""
    messages = {
        "network": text("web.editor_network"),
        "badAnswer": text("web.editor_bad_answer", status="{status}"),
        "formatted": text("web.editor_formatted"),
        "formatRefused": text("web.editor_format_refused"),
        "formatStale": text("web.editor_format_stale"),
        "editorLabel": text("web.source_label"),
    }
    return json.dumps(
        {
            "file": name,
            "checkUrl": "/api/check",
            "formatUrl": "/api/format",
            "saveUrl": "/api/save",
            "keywords": sorted(KEYWORDS),
            "messages": {key: french(said) for key, said in messages.items()},
        },
        ensure_ascii=False,
    )


_ACTIONS: dict[str, Callable[[Path, str], dict[str, object]]] = {
    "check": editor.check,
    "format": editor.formatted,
    "examples": editor.examples,
}


def _api(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        action = request.path_params["action"]
        if action not in {*_ACTIONS, "save"}:
            raise HTTPException(404, text("web.not_found"))
        try:
            body = await json_body(request)
        except ValueError as error:
            raise HTTPException(400, text("web.bad_request", reason=error)) from None
        name, prose = body.get("file"), body.get("text")
        if not isinstance(name, str) or not isinstance(prose, str):
            raise HTTPException(400, text("web.bad_request", reason=text("web.file_and_text")))
        path = site.file(name, REGULATION)
        try:
            if action == "save":
                return JSONResponse(editor.save(path, prose, body.get("force") is True))
            return JSONResponse(_ACTIONS[action](path, prose))
        except SourceError as error:
            raise HTTPException(400, str(error)) from None

    return endpoint


# --- cohorts ---------------------------------------------------------------------------------
def _cohort_form(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return _upload_page(site)

    return endpoint


def _upload_page(site: Site, message: str | None = None, status: int = 200) -> Response:
    return site.render(
        "upload.html",
        status,
        title=text("web.cohort_heading"),
        regulations=listed(site.folder, REGULATION),
        message=message,
        limit=mebibytes(site.max_upload),
    )


def _upload(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        form = await site.form_checked(request)
        upload, chosen, sheet = form.get("candidates"), form.get("regulation"), form.get("sheet")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _upload_page(site, text("web.no_file"), 400)
        path = site.file(str(chosen or ""), REGULATION)
        content = await upload.read(site.max_upload + 1)
        await upload.close()
        if len(content) > site.max_upload:
            return _upload_page(site, text("web.too_large", size=mebibytes(site.max_upload)), 413)
        try:
            decided = await run_in_threadpool(  # the event loop keeps answering meanwhile
                site.cohorts.decide, path, upload.filename, content, str(sheet) if sheet else None
            )
        except (RegulationError, SourceError) as error:
            return _upload_page(site, _regulation_error(error), 400)
        except InputFileError as error:
            return _upload_page(site, error.message, 400)
        return RedirectResponse(f"/cohort/{decided.token}", status_code=303)

    return endpoint


def _cohort(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        decided = site.decided(request)
        programs = decided.cohort.programs
        vocabulary = Vocabulary.of(programs)
        rows = [_decision_row(entry, vocabulary) for entry in decided.cohort.entries]
        return site.render(
            "cohort.html",
            title=text("web.cohort_of", filename=decided.filename, regulation=decided.regulation),
            decided=decided,
            counts=decided.counts(),
            rows=rows,
            regimes=sorted({row["regime"] for row in rows}),
            outcomes=[(name, label) for name, label, _ in decided.counts()],
            rules=sorted({row["rule"] for row in rows}),
            errors=sorted(decided.cohort.errors, key=lambda e: e.row),
        )

    return endpoint


def _decision_row(entry: papers.Entry, vocabulary: Vocabulary) -> dict[str, str]:
    decision = entry.decision
    after = decision.resit_phase is not None
    return {
        "id": decision.id,
        "name": entry.name,
        "regime": decision.regime,
        "regime_title": vocabulary.regime(decision.regime),
        "outcome": decision.decision,
        "label": decision.label,
        "rule": decision.deciding_rule,
        "rule_title": vocabulary.rule(decision.regime, decision.deciding_rule, after),
    }


def _candidate(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        decided = site.decided(request)
        candidate = request.path_params["id"]
        entry = decided.entry(candidate)
        if entry is None:
            raise HTTPException(404, text("web.unknown_candidate", id=candidate))
        decision = entry.decision
        vocabulary = Vocabulary.of(decided.cohort.programs)
        source = decision.deciding_rule_source
        after = decision.resit_phase is not None
        root, footer = trace_nodes(decision, vocabulary, with_near_miss=False)
        missed = Node(Line())
        near_miss(missed, decision, vocabulary)
        return site.render(
            "candidate.html",
            title=text("web.candidate_heading", id=decision.id),
            decided=decided,
            entry=entry,
            decision=decision,
            rule=vocabulary.rule(decision.regime, decision.deciding_rule, after),
            source=source,
            source_file=Path(source.file).name if source else None,
            where=where(source) if source else None,
            tree_root=root,
            footer=footer,
            near_miss=missed.children[0] if missed.children else None,
        )

    return endpoint


_DOWNLOADS = {  # kind → (file name, media type)
    "pv.pdf": ("pv.pdf", "application/pdf"),
    "pv.html": ("pv.html", "text/html; charset=utf-8"),
    "releves.pdf": ("releves.pdf", "application/pdf"),
    "decisions.xlsx": (
        "decisions.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "decisions.csv": ("decisions.csv", "text/csv; charset=utf-8"),
}


def _download(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        decided = site.decided(request)
        kind = request.path_params["kind"]
        if kind not in _DOWNLOADS:
            raise HTTPException(404, text("web.not_found"))
        filename, media = _DOWNLOADS[kind]
        stem = Path(decided.regulation).stem
        headers = {"Content-Disposition": f'attachment; filename="{stem}-{filename}"'}
        paper = await run_in_threadpool(_paper, decided, kind)
        return Response(paper, media_type=media, headers=headers)

    return endpoint


def _paper(decided: Decided, kind: str) -> bytes:
    cohort = decided.cohort
    if kind.startswith(("pv.", "releves.")):
        document = papers_html.pv(cohort) if kind.startswith("pv.") else papers_html.releves(cohort)
        return papers.document(document, kind.rpartition(".")[2])
    results: list[Decision | RowError] = [e.decision for e in cohort.entries]
    results = sorted([*results, *cohort.errors], key=lambda result: result.row or 0)
    columns = decision_columns(cohort.latest)
    if kind == "decisions.csv":
        out = io.StringIO()
        write_csv(results, columns, out, Headers.FR)
        return out.getvalue().encode("utf-8")
    binary = io.BytesIO()
    write_workbook(results, columns, binary, Headers.FR)
    return binary.getvalue()


# --- versions ---------------------------------------------------------------------------------
def _versions(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        query = request.query_params
        regulations = listed(site.folder, REGULATION)
        cohorts = list(site.cohorts.kept.values())
        values: dict[str, object] = {
            "title": text("web.versions_heading"),
            "regulations": regulations,
            "cohorts": cohorts,
            "chosen": dict(query),
            "report": None,
            "message": None,
            "words": diff_words,
        }
        if {"old", "new", "cohort"} <= set(query):
            old, new = site.file(query["old"], REGULATION), site.file(query["new"], REGULATION)
            decided = site.cohorts.get(query["cohort"])
            if decided is None:
                raise HTTPException(404, text("web.unknown_cohort"))
            try:
                report, values["vocabulary"] = await run_in_threadpool(_diff, old, new, decided)
                values["report"] = report
                values["figures"], values["changed"] = _changed(report)
            except (RegulationError, SourceError) as error:
                values["message"] = _regulation_error(error)
            except InputFileError as error:
                values["message"] = error.message
        return site.render("versions.html", 400 if values["message"] else 200, **values)

    return endpoint


def _diff(old_path: Path, new_path: Path, decided: Decided) -> tuple[DiffReport, Vocabulary]:
    """The diff report of the cohort's file (read again in a temporary folder) under
    both versions, with their words for outcomes and figures."""
    old = Regulation.from_source(SourceFile.read(old_path))
    new = Regulation.from_source(SourceFile.read(new_path))
    with TemporaryDirectory(prefix="ndrc-diff-") as folder:
        path = Path(folder) / f"candidats{decided.suffix}"
        path.write_bytes(decided.content)
        report = compare(old, new, read_both(old, new, path))
    return report, Vocabulary.of([old.program, new.program])


def _changed(report: DiffReport) -> tuple[list[str], list[tuple[CandidateChange, list[str]]]]:
    """The figures any changed candidate shows, and each changed candidate with its
    figures' cells (`old → new`), in that order."""
    figures = list(dict.fromkeys(f.name for c in report.changed for f in c.figures))
    rows = []
    for change in report.changed:
        values = {f.name: f for f in change.figures}
        rows.append((change, [diff_words.figure_text(values.get(name)) for name in figures]))
    return figures, rows


# --- decision stores ---------------------------------------------------------------------------
def _stores(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        stores = listed(site.folder, STORE)
        return site.render("stores.html", title=text("web.store_heading"), stores=stores)

    return endpoint


_STORE_FILTERS = {"candidate": "candidate_id", "outcome": "outcome", "rule": "deciding_rule"}


def _opened(site: Site, name: str) -> Store:
    path = site.file(name, STORE)
    try:
        return Store(path, readonly=True)
    except StoreError as error:
        raise HTTPException(400, text(error.code, **error.args_)) from None


def _store(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return _store_page(site, request, None)

    return endpoint


def _store_page(site: Site, request: Request, verified: str | None) -> Response:
    name = request.path_params["name"]
    store = _opened(site, name)
    query = request.query_params
    filters: dict[str, str | int | None] = {
        column: query.get(key) or None for key, column in _STORE_FILTERS.items()
    }
    batch = query.get("batch", "")
    filters["batch"] = int(batch) if batch.isdigit() else None
    try:
        records = []
        for record in store.each_record(**filters):
            records.append(dict(record))
            if len(records) == STORE_ROWS:
                break
        batches = [dict(b) for b in store.batches()]
        outcomes, rules = store.known("outcome"), store.known("deciding_rule")
    finally:
        store.close()
    return site.render(
        "store.html",
        title=text("web.store_of", name=name),
        name=name,
        records=records,
        batches=batches,
        outcomes=outcomes,
        rules=rules,
        chosen=dict(query),
        limit=STORE_ROWS,
        verified=verified,
    )


def _verify(site: Site) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        await site.form_checked(request)
        store = _opened(site, request.path_params["name"])
        try:
            problems, head, count = store.verify()
        finally:
            store.close()
        if problems:
            said = "; ".join(
                text("web.problem", table=p.table, key=p.key, problem=text(p.code))
                for p in problems
            )
        else:
            said = text("web.verified", records=count, head=head[:16])
        return _store_page(site, request, said)

    return endpoint
