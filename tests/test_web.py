"""`ndrc-rules serve` end to end, through Starlette's TestClient: the pages and their
element ids (the contract with the editor bundle and the browser tests), the JSON
API of the editor, the cohort's counts (those of `eval`), the papers, the diff, the
stores, and every safety the server promises."""

from __future__ import annotations

import html
import json
import re
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*`httpx` with `starlette.testclient`.*")
from starlette.testclient import TestClient  # noqa: E402

from ndrc_rules.cli import main  # noqa: E402
from ndrc_rules.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
HOSTILE_REG = """\
diplome T "Test <b>gras</b>"
resultat admis "Admis <i>"
resultat ajourne "Ajourné"
regime r "R <script>alert('regime')</script>"
  groupe pro "Pro"
    unite U4 "Quatre <img src=x onerror=alert(4)>" coefficient 2
  groupe gen "Gen"
    unite U1 "Un" coefficient 1
  chiffre m "Moyenne <script>alert('chiffre')</script>" =
    moyenne de pro, gen
  regle admission "<script>alert('titre')</script>"
    si m >= 10 alors admis
    cite "</blockquote><img src=x onerror=alert('cite')>"
    source "<script>alert('source')</script>"
  sinon ajourne
"""
HOSTILE_ID = "<script>alert(1)</script>"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the repository's regulations, with a hostile one beside them."""
    served = tmp_path / "served"
    shutil.copytree(ROOT / "regulations", served)
    (served / "hostile.reg").write_text(HOSTILE_REG, encoding="utf-8")
    return served


@pytest.fixture
def client(folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(folder, host="127.0.0.1", port=8123), base_url=BASE) as client:
        yield client


def token(client: TestClient) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").text)
    assert found
    return found[1]


def post(client: TestClient, action: str, **body: object) -> dict[str, object]:
    response = client.post(f"/api/{action}", json=body, headers={"X-CSRF-Token": token(client)})
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def upload(
    client: TestClient, path: Path, regulation: str = "bts_ndrc.reg", name: str | None = None
) -> object:
    form = {"csrf_token": token(client), "regulation": regulation}
    files = {"candidates": (name or path.name, path.read_bytes(), "text/csv")}
    return client.post("/cohort", data=form, files=files, follow_redirects=False)


def cohort(client: TestClient, path: Path, regulation: str = "bts_ndrc.reg") -> str:
    response = upload(client, path, regulation)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    location: str = response.headers["location"]  # type: ignore[attr-defined]
    return location


# --- pages ---------------------------------------------------------------------------------
def test_the_folder_page_links_every_regulation(client: TestClient) -> None:
    page = client.get("/").text
    assert re.findall(r'<a class="regulation" href="/edit/([^"]+)">', page) == [
        "bts_ag_pme_pmi.reg",
        "bts_communication.reg",
        "bts_national.reg",
        "bts_ndrc.reg",
        "hostile.reg",
    ]
    assert '<html lang="fr">' in page


def test_the_editor_page_holds_the_text_and_its_diagnostics(
    client: TestClient, folder: Path
) -> None:
    (folder / "broken.reg").write_text('diplome T "T"\nresultat admis "A"\nregime r\n  regle x\n')
    page = client.get("/edit/broken.reg").text
    assert '<div id="editor" data-file="broken.reg">' in page
    assert '<textarea id="source"' in page and "regle x" in page
    codes = re.findall(r'<li class="diagnostic error" data-code="(E\d+)" data-line="(\d+)">', page)
    assert codes and all(line.isdigit() for _, line in codes)
    assert re.search(r'<p id="check-status" role="status">\d+ erreur\(s\)', page)
    for element in ('id="format"', 'id="save"', 'id="run-examples"', '<section id="examples"'):
        assert element in page
    options = re.search(r'<template id="labels" data-editor="([^"]+)"', page)
    assert options
    handed = json.loads(html.unescape(options[1]))
    assert handed["file"] == "broken.reg" and handed["checkUrl"] == "/api/check"
    assert "regle" in handed["keywords"] and handed["messages"]["network"]
    valid = client.get("/edit/bts_ndrc.reg").text
    assert '<p id="check-status" role="status">règlement valide</p>' in valid
    examples = valid[valid.index('<section id="examples"') :]
    assert examples.count('<li class="example" data-ok="true">') > 5
    assert 'data-ok="false"' not in examples and '<p class="coverage">' in examples


# --- the editor's API --------------------------------------------------------------------------
def test_check_gives_utf16_offsets_and_the_fix_of_a_did_you_mean(client: TestClient) -> None:
    text = (ROOT / "regulations" / "bts_ndrc.reg").read_text(encoding="utf-8")
    typo = text.replace("si moyenne_generale entre", "si moyenne_generalle entre", 1)
    typo = "# 😀 an emoji: two UTF-16 units\n" + typo
    answer = post(client, "check", file="bts_ndrc.reg", text=typo)
    assert answer["ok"] is False and answer["errors"] == 1
    [found] = answer["diagnostics"]  # type: ignore[misc]
    units = typo.encode("utf-16-le")
    start, end = found["from"], found["to"]
    assert units[2 * start : 2 * end].decode("utf-16-le") == "moyenne_generalle"
    assert found["fixes"] == [
        {
            "label": "remplacer par `moyenne_generale`",
            "from": start,
            "to": end,
            "insert": "moyenne_generale",
        }
    ]
    assert found["line"] == typo[: typo.index("moyenne_generalle")].count("\n") + 1


def test_check_resolves_imports_in_the_folder_and_the_unsaved_text_replaces_the_file(
    client: TestClient, folder: Path
) -> None:
    text = (folder / "bts_ndrc.reg").read_text(encoding="utf-8")
    assert post(client, "check", file="bts_ndrc.reg", text=text)["ok"] is True
    # The national base is imported from the folder: breaking it breaks the diploma.
    (folder / "bts_national.reg").write_text("diplome\n", encoding="utf-8")
    assert post(client, "check", file="bts_ndrc.reg", text=text)["ok"] is False


def test_format_gives_the_canonical_text_or_the_syntax_errors(client: TestClient) -> None:
    messy = 'diplome   T "T"\nresultat admis "A"\nregime r\n  groupe g "G"\n    unite U1 "Un"'
    messy += " coefficient 1\n  regle a\n    si U1 >= 10 alors admis\n  sinon admis\n"
    answer = post(client, "format", file="hostile.reg", text=messy)
    assert answer["ok"] is True and str(answer["text"]).startswith('diplome T "T"\n')
    broken = post(client, "format", file="hostile.reg", text="diplome\n")
    assert broken["ok"] is False and broken["diagnostics"]


def test_examples_run_on_the_unsaved_text(client: TestClient, folder: Path) -> None:
    text = (folder / "bts_ndrc.reg").read_text(encoding="utf-8")
    answer = post(client, "examples", file="bts_ndrc.reg", text=text)
    examples = answer["examples"]
    assert answer["ok"] is True and examples and all(e["ok"] for e in examples)  # type: ignore[union-attr]
    assert {"name", "title", "ok", "expected", "got", "line"} <= set(examples[0])  # type: ignore[index]
    wrong = text.replace("attendu admis par admission", "attendu ajourne", 1)
    failed = post(client, "examples", file="bts_ndrc.reg", text=wrong)
    assert failed["ok"] is False
    assert [e["name"] for e in failed["examples"] if not e["ok"]] == ["app_tout_a_10"]  # type: ignore[union-attr]
    assert failed["coverage"]


def test_save_writes_only_a_text_that_parses_unless_forced(
    client: TestClient, folder: Path
) -> None:
    path = folder / "hostile.reg"
    refused = post(client, "save", file="hostile.reg", text="diplome\n", force=False)
    assert refused["saved"] is False and "erreur" in str(refused["message"])
    assert path.read_text(encoding="utf-8") == HOSTILE_REG
    changed = HOSTILE_REG.replace("m >= 10", "m >= 11")
    assert post(client, "save", file="hostile.reg", text=changed, force=False)["saved"] is True
    assert path.read_text(encoding="utf-8") == changed
    assert post(client, "save", file="hostile.reg", text="diplome\n", force=True)["saved"] is True
    assert path.read_text(encoding="utf-8") == "diplome\n"
    assert not [p for p in folder.iterdir() if p.name.startswith(".ndrc-")]


# --- a cohort ---------------------------------------------------------------------------------
@pytest.mark.parametrize("candidates", ["candidats_ndrc.csv", "candidats_ndrc_erreurs.csv"])
def test_the_counts_page_equals_evals_summary(
    client: TestClient, candidates: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ROOT / "examples" / candidates
    page = client.get(cohort(client, path)).text
    shown = dict(re.findall(r'<tr data-outcome="([^"]+)"><th scope="row">[^<]*</th>'
                            r'<td class="count num">(\d+)</td>', page))
    main([  "eval", str(ROOT / "regulations" / "bts_ndrc.reg"), str(path), "--format", "json"])
    summary = json.loads(capsys.readouterr().out)["summary"]
    expected = {k: v for k, v in summary.items() if k != "rows"}
    assert {k: int(v) for k, v in shown.items() if int(v)} == {
        ("ERROR" if k == "erreur" else k): v for k, v in expected.items()
    }
    rows = re.findall(r'<tr data-id="[^"]+" data-outcome="[^"]+" data-regime="[^"]+" '
                      r'data-rule="[^"]+">', page)
    errors = re.findall(r'<li data-row="\d+">', page)
    assert len(rows) + len(errors) == summary["rows"]


def test_the_cohort_page_has_filters_sort_buttons_and_downloads(client: TestClient) -> None:
    location = cohort(client, ROOT / "examples" / "candidats_ndrc.csv")
    page = client.get(location).text
    for element in ("filter-regime", "filter-outcome", "filter-rule", "search", "row-errors"):
        assert f'id="{element}"' in page
    assert re.search(r'<label for="search">', page)
    assert page.count('<th scope="col" aria-sort="none"><button type="button"') == 5
    for link in ("pv-pdf", "pv-html", "releves-pdf", "decisions-xlsx", "decisions-csv"):
        assert re.search(rf'<a id="{link}" href="{location}/download/', page)


def test_the_candidate_page_explains_in_the_coordinators_words(client: TestClient) -> None:
    location = cohort(client, ROOT / "examples" / "candidats_ndrc.csv")
    page = client.get(location).text
    failed = re.search(r'<tr data-id="([^"]+)" data-outcome="ajourne"', page)
    passed = re.search(r'<tr data-id="([^"]+)" data-outcome="admis"', page)
    assert failed and passed
    shown = client.get(f"{location}/candidate/{passed[1]}").text
    assert '<dd id="decision" data-outcome="admis">Admis</dd>' in shown
    assert re.search(r'<dd id="deciding-rule">Admission <a class="source" '
                     r'href="/edit/bts_national.reg#L\d+">', shown)
    assert '<blockquote class="citation">' in shown
    trace = shown[shown.index('<div id="trace">') : shown.index('<section id="near-miss">')]
    assert "Moyenne générale = <span class=\"s-bold \">" in trace
    assert re.search(r"\d+,\d\d", trace) and not re.search(r"= <span[^>]*>\d+\.\d", trace)
    near = client.get(f"{location}/candidate/{failed[1]}").text
    section = near[near.index('<section id="near-miss">') :]
    assert "Ce qu&#39;il aurait fallu" in section and "<li>" in section


def test_downloads_name_their_files(client: TestClient) -> None:
    location = cohort(client, ROOT / "examples" / "candidats_ndrc.csv")
    csv = client.get(f"{location}/download/decisions.csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="bts_ndrc-decisions.csv"'
    assert csv.text.startswith("\ufeff") and "2026-NDRC-0001" in csv.text
    xlsx = client.get(f"{location}/download/decisions.xlsx")
    assert xlsx.content.startswith(b"PK")
    html = client.get(f"{location}/download/pv.html")
    assert "2026-NDRC-0001" in html.text
    pdf = client.get(f"{location}/download/pv.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"{location}/download/secret.txt").status_code == 404


# --- versions, stores ----------------------------------------------------------------------
def test_versions_render_the_diff_report(
    client: TestClient, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (folder / "bts_ndrc.reg").read_text(encoding="utf-8")
    stricter = text.replace("et moyenne_pro > 10", "et moyenne_pro > 12", 1)
    (folder / "bts_ndrc_2.reg").write_text(stricter, encoding="utf-8")
    location = cohort(client, ROOT / "examples" / "candidats_ndrc.csv")
    cohort_token = location.rsplit("/", 1)[1]
    form = client.get("/versions").text
    assert 'id="old"' in form and 'id="new"' in form and 'id="cohort"' in form
    query = {"old": "bts_ndrc.reg", "new": "bts_ndrc_2.reg", "cohort": cohort_token}
    page = client.get("/versions", params=query).text
    diff = page[page.index('<section id="diff">') :]
    candidates = str(ROOT / "examples" / "candidats_ndrc.csv")
    main(["diff", str(folder / "bts_ndrc.reg"), str(folder / "bts_ndrc_2.reg"), candidates,
          "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    changed = [c["id"] for c in report["changed"]]
    assert changed and re.search(rf'<p class="headline">{len(changed)} candidat', diff)
    assert re.findall(r'<tr><td>\d+</td><th scope="row">([^<]+)</th>', diff) == changed
    assert "moyenne_pro &gt; 12" in diff


def test_stores_are_browsed_and_verified(client: TestClient, folder: Path) -> None:
    database = folder / "decisions.sqlite"
    main(["eval", str(folder / "bts_ndrc.reg"), str(ROOT / "examples" / "candidats_ndrc.csv"),
          "--db", str(database), "--output", str(folder.parent / "out.csv")])
    listing = client.get("/store").text
    assert '<a class="store" href="/store/decisions.sqlite">' in listing
    every = client.get("/store/decisions.sqlite").text
    assert every.count("<th scope=\"row\">2026-NDRC-") == 38
    admitted = client.get("/store/decisions.sqlite", params={"outcome": "admis"}).text
    assert 0 < admitted.count("<th scope=\"row\">2026-NDRC-") < 38
    one = client.get("/store/decisions.sqlite", params={"candidate": "2026-NDRC-0001"}).text
    assert one.count("<th scope=\"row\">2026-NDRC-") == 1
    verified = client.post(
        "/store/decisions.sqlite/verify", data={"csrf_token": token(client)}
    ).text
    assert "registre intact\u202f: 38 enregistrement(s)" in verified


# --- safety ---------------------------------------------------------------------------------
def test_a_wrong_host_is_refused(client: TestClient) -> None:
    response = client.get("/", headers={"Host": "evil.example:8123"})
    assert response.status_code == 421 and "127.0.0.1:8123" in response.text
    assert client.get("/", headers={"Host": "localhost:8123"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:9999"}).status_code == 421


def test_a_cross_origin_post_is_refused(client: TestClient) -> None:
    headers = {"X-CSRF-Token": token(client), "Origin": "http://evil.example"}
    body = {"file": "bts_ndrc.reg", "text": ""}
    response = client.post("/api/check", json=body, headers=headers)
    assert response.status_code == 403 and "error" in response.json()
    same = {**headers, "Origin": BASE}
    assert client.post("/api/check", json=body, headers=same).status_code == 200


@pytest.mark.parametrize("sent", [None, "wrong"])
def test_a_write_without_the_csrf_token_is_refused(
    client: TestClient, folder: Path, sent: str | None
) -> None:
    headers = {"X-CSRF-Token": sent} if sent else {}
    body = {"file": "hostile.reg", "text": "diplome\n", "force": True}
    response = client.post("/api/save", json=body, headers=headers)
    assert response.status_code == 403 and "jeton" in response.json()["error"]
    assert (folder / "hostile.reg").read_text(encoding="utf-8") == HOSTILE_REG
    form = {"regulation": "bts_ndrc.reg", **({"csrf_token": sent} if sent else {})}
    files = {"candidates": ("c.csv", b"id;regime\n", "text/csv")}
    assert client.post("/cohort", data=form, files=files).status_code == 403
    assert client.post("/store/x.sqlite/verify", data=form).status_code in {403, 404}


@pytest.mark.parametrize(
    "name", ["..%2Fpyproject.toml", "..%2F..%2Fetc%2Fpasswd.reg", "%2Fetc%2Fpasswd.reg",
             "a%00b.reg", "outside.reg", "missing.reg", ".hidden.reg", "bts_ndrc.txt"]
)
def test_no_path_leaves_the_folder(
    client: TestClient, folder: Path, tmp_path: Path, name: str
) -> None:
    (tmp_path / "secret.reg").write_text(HOSTILE_REG, encoding="utf-8")
    (folder / "outside.reg").symlink_to(tmp_path / "secret.reg")
    (folder / ".hidden.reg").write_text(HOSTILE_REG, encoding="utf-8")
    assert client.get(f"/edit/{name}").status_code == 404
    body = {"file": name.replace("%2F", "/").replace("%00", "\0"), "text": "diplome\n"}
    response = client.post("/api/check", json=body, headers={"X-CSRF-Token": token(client)})
    assert response.status_code == 404 and "error" in response.json()
    assert "outside.reg" not in client.get("/").text


def test_an_oversize_upload_is_refused(folder: Path) -> None:
    app = create_app(folder, host="127.0.0.1", port=8123, max_upload=2048)
    with TestClient(app, base_url=BASE) as small:
        big = b"id;regime;U1\n" + b"x;apprentissage;10\n" * 1000
        form = {"csrf_token": token(small), "regulation": "bts_ndrc.reg"}
        files = {"candidates": ("c.csv", big, "text/csv")}
        response = small.post("/cohort", data=form, files=files)
        assert response.status_code == 413 and "trop grand" in response.text


def test_a_broken_regulation_is_said_in_the_page(client: TestClient, folder: Path) -> None:
    (folder / "broken.reg").write_text("diplome\n", encoding="utf-8")
    response = upload(client, ROOT / "examples" / "candidats_ndrc.csv", "broken.reg")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert re.search(r'<pre class="message error" role="alert">[^<]*E\d{3}', response.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "name"), [(b"", "vide.csv"), (b"PK\x03\x04broken", "c.xlsx"), (b"x", "c.exe")]
)
def test_a_bad_upload_is_said_in_the_page(client: TestClient, content: bytes, name: str) -> None:
    form = {"csrf_token": token(client), "regulation": "bts_ndrc.reg"}
    response = client.post("/cohort", data=form, files={"candidates": (name, content, "text/csv")})
    assert response.status_code == 400
    message = re.search(r'<pre class="message error" role="alert">([^<]+)</pre>', response.text)
    assert message and "Traceback" not in response.text


def test_hostile_texts_are_never_inserted_unescaped(client: TestClient, tmp_path: Path) -> None:
    candidates = tmp_path / "hostile.csv"
    candidates.write_text(f"id;regime;U4;U1\n{HOSTILE_ID};r;12;12\n", encoding="utf-8")
    location = cohort(client, candidates, "hostile.reg")
    pages = [client.get("/edit/hostile.reg").text, client.get(location).text]
    candidate = re.search(r'<a href="([^"]+/candidate/[^"]+)">', pages[1])
    assert candidate
    pages.append(client.get(candidate[1].replace("&amp;", "&")).text)
    markup = cohort(client, ROOT / "tests" / "hostile" / "markup.csv")
    pages.append(client.get(markup).text)
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Fils" not in page
        assert "</blockquote><img" not in page
    assert "&lt;script&gt;alert(&#39;titre&#39;)&lt;/script&gt;" in pages[2]
    assert "&lt;/blockquote&gt;&lt;img src=x onerror=alert(&#39;cite&#39;)&gt;" in pages[2]


def test_an_unexpected_failure_is_a_french_answer_without_traceback(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ndrc_rules.web import app as web_app

    def broken(*_: object) -> dict[str, object]:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(web_app._ACTIONS, "check", broken)
    application = create_app(folder, host="127.0.0.1", port=8123)
    with TestClient(application, base_url=BASE, raise_server_exceptions=False) as failing:
        body = {"file": "bts_ndrc.reg", "text": ""}
        response = failing.post("/api/check", json=body, headers={"X-CSRF-Token": token(failing)})
    assert response.status_code == 500
    assert "erreur interne" in response.json()["error"]
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_unknown_pages_and_bad_bodies_get_french_answers(client: TestClient) -> None:
    assert "page introuvable" in client.get("/nowhere").text
    assert "plus en mémoire" in client.get("/cohort/nope").text
    headers = {"X-CSRF-Token": token(client), "Content-Type": "application/json"}
    response = client.post("/api/check", content=b"[1, 2", headers=headers)
    assert response.status_code == 400 and "requête invalide" in response.json()["error"]
    response = client.post("/api/check", json={"file": 3}, headers=headers)
    assert response.status_code == 400


def test_english_pages(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDRC_LANG", "fr")
    with TestClient(create_app(folder, host="127.0.0.1", port=8123, lang="en"), base_url=BASE) as c:
        page = c.get("/").text
    assert '<html lang="en">' in page and "Regulations of folder served" in page


# --- the command -----------------------------------------------------------------------------
def test_serve_prints_its_address_and_stops_on_ctrl_c(folder: Path) -> None:
    command = [str(Path(sys.executable).parent / "ndrc-rules"), "serve", str(folder), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"ndrc-rules sert \S+ sur (http://127\.0\.0\.1:(\d+)/)\n", line)
        assert found and found[2] != "0", line
        import httpx

        assert "bts_ndrc.reg" in httpx.get(found[1]).text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 130
