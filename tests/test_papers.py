"""The papers (`pv`, `releve`) through the real command line, read back: the PDF's text
(pypdf) against `eval --format jsonl` for the same cohort, the HTML with a parser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from ndrc_rules.cli import main
from ndrc_rules.common.messages import FRENCH

ROOT = Path(__file__).resolve().parent.parent
REGULATION = ROOT / "regulations" / "bts_ndrc.reg"
NATIONAL = ROOT / "regulations" / "bts_national.reg"
SAMPLE = ROOT / "examples" / "candidats_ndrc.csv"
ERRORS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
MARKUP = ROOT / "tests" / "hostile" / "markup.csv"

# One worker renders the cohorts once for the whole module (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("papers")

# A cohort with what the sample lacks: names, a resit taken (admitted, and absent at
# it), a jury decision, a kept grade, parts and CCF situations, an average of
# 209.99/21 = 9.9995 (shown 9,99, never 10,00), a row error.
EXTRA = """\
id;nom;prenom;regime;session;U1;U2;U3;U3.acquis;U4;U4.S1;U4.S2;U5;U5.ecrit;U5.pratique;U6;UF1;U1.rattrapage;U2.rattrapage;jury;jury_motif
R1;Durand;Paul;apprentissage;2026;8;8;8;;11;;;11;;;11;;9;9;;
J1;Martin;Léa;apprentissage;2026;8;8;8;;11;;;11;;;11;;;;admis;Assiduité et progrès
K1;Petit;Zoé;apprentissage;2026;10;10;12;2023;;12;9;;8;11;10;14;;;;
B1;Bernard;Émile;apprentissage;2026;8;8;8;;11;;;11;;;11;;7;ABS;;
N1;Arnaud;Inès;apprentissage;2026;9,97;10;10;;10;;;10,02;;;10;;;;;
E1;;;apprentissage;2026;douze;8;8;;11;;;11;;;11;;;;;
"""


def run(*args: str | Path) -> int:
    return main([str(a) for a in args])


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def sheets(pages: list[str]) -> list[str]:
    """The relevés of a PDF's pages: each starts on a new page (its title), and runs on
    over the next pages when « ce qu'il aurait fallu » is long."""
    found: list[str] = []
    for page in pages:
        if page.startswith("Relevé de notes") or not found:
            found.append(page)
        else:
            found[-1] += "\n" + page
    return found


def words(text: str) -> str:
    """Text with every run of white space (line breaks, narrow spaces) as one space."""
    return " ".join(text.split())


def records(candidates: Path, tmp: Path) -> list[dict[str, object]]:
    out = tmp / f"{candidates.stem}.jsonl"
    run("eval", REGULATION, candidates, "--format", "jsonl", "-o", out)
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


@dataclass
class Papers:
    pv: list[str]
    releve_pages: list[str]
    pv_html: str
    releves_html: str
    records: list[dict[str, object]]
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def releves(self) -> list[str]:
        return sheets(self.releve_pages)


def make_papers(candidates: Path, tmp: Path, jury: Path | None = None) -> Papers:
    codes = {}
    for kind in ("pv", "releve"):
        options = ["--jury", str(jury)] if jury and kind == "pv" else []
        for suffix in ("pdf", "html"):
            out = tmp / f"{candidates.stem}-{kind}.{suffix}"
            codes[f"{kind}.{suffix}"] = run(kind, REGULATION, candidates, "-o", out, *options)
    return Papers(
        pdf_pages(tmp / f"{candidates.stem}-pv.pdf"),
        pdf_pages(tmp / f"{candidates.stem}-releve.pdf"),
        (tmp / f"{candidates.stem}-pv.html").read_text("utf-8"),
        (tmp / f"{candidates.stem}-releve.html").read_text("utf-8"),
        records(candidates, tmp),
        codes,
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Papers:
    return make_papers(SAMPLE, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory) -> Papers:
    folder = tmp_path_factory.mktemp("extra")
    path = folder / "extra.csv"
    path.write_text(EXTRA, "utf-8")
    jury = folder / "jury.toml"
    jury.write_text(
        'president = "Mme Anne Présidente"\nmembres = ["M. Paul Membre", "Mme Léa Membre"]\n'
        'lieu = "Lyon"\ndate = 2026-07-03\n',
        "utf-8",
    )
    return make_papers(path, folder, jury)


# --- what the expected texts are made of: the eval records -----------------------------
def comma(shown: str | None) -> str:
    return shown.replace(".", ",") if shown else "—"


def grade(unit: dict[str, object]) -> str:
    status = unit["status"]
    if status in ("ABS", "ABJ", "DISP"):
        return str(status)
    return comma(unit["display"]) if status == "note" else "—"  # type: ignore[arg-type]


def points(units: list[dict[str, object]]) -> str:
    """Σ coefficient × grade of the units that count: an oracle written apart from the
    renderer, truncated to two decimals."""
    total = sum(
        (
            Fraction(str(u["coefficient"])) * Fraction(str(u["value"] or 0))
            for u in units
            if u["coefficient"] and u["status"] in ("note", "ABS", "ABJ")
        ),
        Fraction(0),
    )
    hundredths = total.numerator * 100 // total.denominator
    return f"{hundredths // 100},{hundredths % 100:02d}"


def rule_title(record: dict[str, object], name: str) -> str:
    """The rule as the papers name it: its title; the default rule said so."""
    rules = record["trace"]["rules"]  # type: ignore[index]
    rule = next(r for r in rules if r["name"] == name)
    if rule["status"] == "default":
        return words(FRENCH["paper.default_rule"].replace(" :", "\u202f:"))
    return str(rule["title"])


def decided(papers: Papers) -> list[dict[str, object]]:
    return [r for r in papers.records if "error" not in r]


def row_of(text: str, ids: list[str], candidate: str) -> str:
    """The PV's text from the candidate's id up to the next candidate's id."""
    start = text.index(f" {candidate} ")
    after = [
        text.index(f" {other} ", start + 1) for other in ids if f" {other} " in text[start + 1 :]
    ]
    return text[start : min(after, default=len(text))]


def in_order(haystack: str, needles: list[str]) -> bool:
    """Whether every needle appears in `haystack`, each after the previous one, as words."""
    position = 0
    tokens = haystack.split(" ")
    for needle in needles:
        wanted = needle.split(" ")
        while tokens[position : position + len(wanted)] != wanted:
            position += 1
            if position >= len(tokens):
                return False
        position += len(wanted)
    return True


# --- the procès-verbal ------------------------------------------------------------------
def test_pv_shows_every_candidate_grade_total_average_and_decision(sample: Papers) -> None:
    assert sample.codes == {"pv.pdf": 0, "pv.html": 0, "releve.pdf": 0, "releve.html": 0}
    text = words(" ".join(sample.pv))
    ids = [str(r["id"]) for r in decided(sample)]
    assert len(ids) == 38
    for record in decided(sample):
        trace = record["trace"]  # type: ignore[index]
        expected = [grade(u) for u in trace["units"]]  # type: ignore[index]
        expected += [points(trace["units"]), "21" if record["id"] != "2026-NDRC-0009" else "18"]  # type: ignore[index]
        expected += [comma(f["display"]) for f in trace["figures"]]  # type: ignore[index]
        expected += [str(record["label"]), rule_title(record, str(record["deciding_rule"]))]
        row = row_of(text, ids, str(record["id"]))
        assert in_order(row, expected), (record["id"], expected, row)


def test_pv_counts_outcomes_and_reconciles_rows(sample: Papers) -> None:
    text = words(" ".join(sample.pv))
    labels = {"admis": "Admis", "rattrapage": "Éligible au rattrapage", "ajourne": "Ajourné"}
    for outcome, label in labels.items():
        count = sum(1 for r in decided(sample) if r["decision"] == outcome)
        assert f"{label} {count}" in text
    assert "38 = 38 candidat(s) au procès-verbal + 0 ligne(s) en erreur" in text


def test_pv_lists_the_resit_candidates_with_their_terms(sample: Papers) -> None:
    text = words(" ".join(sample.pv))
    resits = text[
        text.index("Épreuve de contrôle Candidats admis") : text.index("Décisions du jury")
    ]
    for record in decided(sample):
        listed = f" {record['id']} " in f" {resits} "
        assert listed == (record["decision"] == "rattrapage"), record["id"]
    assert "2 unité(s) au choix parmi U1, U2, U3" in resits


def test_pv_pages_are_numbered_and_stamped_with_the_regulation(sample: Papers) -> None:
    stamp = decided(sample)[0]["regulation"]
    shas = [stamp["sha256"], *(i["sha256"] for i in stamp["imports"])]  # type: ignore[index]
    total = len(sample.pv)
    assert total >= 2
    for number, page in enumerate(sample.pv, 1):
        assert words(page).endswith(f"page {number} / {total}")
        for digest in shas:
            assert digest in page
        assert f"ndrc-rules {stamp['engine_version']}" in page  # type: ignore[index]
    headers = [p for p in sample.pv if "N° Candidat" in p]
    assert len(headers) >= 2  # the table's header is repeated on the pages it spans


def test_pv_sorts_by_regime_then_name_then_id(extra: Papers) -> None:
    text = words(" ".join(extra.pv))
    order = [m.group(0) for m in re.finditer(r"\b[RJKBN]1\b", text.split("Épreuve de contrôle")[0])]
    assert order == ["N1", "B1", "R1", "J1", "K1"]  # Arnaud, Bernard, Durand, Martin, Petit


def test_pv_shows_resit_jury_kept_grades_and_truncates(extra: Papers) -> None:
    assert extra.codes["pv.pdf"] == 3  # a row error: the PV is written, the code says so
    text = words(" ".join(extra.pv))
    ids = ["N1", "B1", "R1", "J1", "K1", "E1"]
    resit = row_of(text, ids, "R1")
    assert in_order(resit, ["8,00 contrôle 9,00", "204,00 → 210,00", "9,71 → 10,00", "Admis"])
    absent = row_of(text, ids, "B1")
    assert in_order(absent, ["contrôle 7,00", "contrôle ABS", "Ajourné"])
    jury = row_of(text, ids, "J1")
    assert in_order(jury, ["Éligible au rattrapage", "Admis", "par le jury : Assiduité et progrès"])
    kept = row_of(text, ids, "K1")
    assert in_order(kept, ["12,00 conservée 2023"])
    near = row_of(text, ids, "N1")
    assert in_order(near, ["9,99", "Éligible au rattrapage"]) and "10,00 Éligible" not in near
    assert "Décisions du jury (art. D643-26" in text
    assert in_order(text, ["J1", "Éligible au rattrapage", "Admis", "Assiduité et progrès"])
    assert in_order(text, ["R1", "U1 : 8,00, puis 9,00 au contrôle ; note retenue 9,00"])
    assert in_order(text, ["B1", "U2 : 8,00, puis ABS au contrôle ; note retenue 8,00"])


def test_pv_lists_every_row_error_so_rows_reconcile(tmp_path: Path) -> None:
    out = tmp_path / "pv.pdf"
    assert run("pv", REGULATION, ERRORS, "-o", out) == 3
    text = words(" ".join(pdf_pages(out)))
    found = records(ERRORS, tmp_path)
    errors = [r for r in found if "error" in r]
    assert errors  # every row of this file is one: the PV still says so
    listed = text[text.index("Lignes non décidées") :]
    for error in errors:
        detail = error["error"]
        assert in_order(listed, [str(error["row"]), str(detail["code"])]), error  # type: ignore[index]
    on_pv = len(found) - len(errors)
    assert f"{len(found)} = {on_pv} candidat(s) au procès-verbal + {len(errors)} ligne(s)" in text


def test_pv_shows_the_jury_and_its_signature_block(extra: Papers) -> None:
    text = words(" ".join(extra.pv))
    assert "Président(e) : Mme Anne Présidente" in text
    assert "M. Paul Membre, Mme Léa Membre" in text
    assert "Lieu : Lyon — Date : 03/07/2026" in text
    signatures = text[text.index("Signatures") :]
    assert in_order(signatures, ["Mme Anne Présidente", "Signature", "M. Paul Membre", "Signature"])


def test_pv_without_jury_leaves_lines_to_fill_in(sample: Papers) -> None:
    parsed = parse(sample.pv_html)
    blanks = [e for e in parsed.elements if "blank" in (e.attrs.get("class") or "").split()]
    assert len(blanks) >= 4 + 3  # president, members, place, date, and the signatures


# --- the jury file ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code", "said"),
    [
        ('president = "Mme A"\nmembres = [\n', "F060", "ligne 2"),
        ('president = "Mme A"\nmembre = ["M. B"]\n', "F061", "clé inconnue `membre`"),
        ("president = 12\n", "F062", "`president` doit être un texte"),
        ('membres = "M. B, Mme C"\n', "F063", "`membres` doit être une liste de textes"),
    ],
)
def test_a_malformed_jury_file_is_a_french_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, code: str, said: str
) -> None:
    jury = tmp_path / "jury.toml"
    jury.write_text(content, "utf-8")
    out = tmp_path / "pv.pdf"
    assert run("pv", REGULATION, SAMPLE, "--jury", jury, "-o", out) == 2
    error = capsys.readouterr().err
    assert said in " ".join(error.split()) and "Traceback" not in error
    assert FRENCH[code].split("{")[0].strip() in error
    assert not out.exists()


def test_a_missing_jury_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("pv", REGULATION, SAMPLE, "--jury", tmp_path / "absent.toml") == 2
    assert "fichier introuvable" in capsys.readouterr().err


# --- the relevés de notes ---------------------------------------------------------------
def test_one_releve_a_page_with_every_unit_points_average_and_rule(sample: Papers) -> None:
    ids_on_pages = [
        next(r["id"] for r in decided(sample) if f" {r['id']} " in f" {words(p)} ")
        for p in sample.releves
    ]
    assert len(sample.releves) == len(decided(sample)) == len(set(ids_on_pages))
    total = len(sample.releve_pages)
    for number, page in enumerate(sample.releve_pages, 1):
        assert words(page).endswith(f"page {number} / {total}")
        assert all(r["regulation"]["sha256"] in page for r in decided(sample))  # type: ignore[index]
    by_id = {r["id"]: r for r in decided(sample)}
    for number, page in enumerate(sample.releves, 1):
        record = by_id[ids_on_pages[number - 1]]
        text = words(page)
        trace = record["trace"]  # type: ignore[index]
        for unit in trace["units"]:  # type: ignore[index]
            shown = [unit["code"], words(unit["title"]), grade(unit)]
            if unit["coefficient"]:
                shown.insert(2, unit["coefficient"])
                shown.append(points([unit]))
            assert in_order(text, shown), (record["id"], shown)
        assert in_order(text, ["Total", points(trace["units"])])  # type: ignore[index]
        for figure in trace["figures"]:  # type: ignore[index]
            assert in_order(text, [words(figure["title"]), comma(figure["display"])])
        assert in_order(text, ["Décision", str(record["label"])])
        title = rule_title(record, str(record["deciding_rule"]))
        assert f"Règle appliquée : {title}" in text
        citation = record["citation"]
        if citation:
            assert words(citation["text"]) in text  # type: ignore[index]


def test_releve_shows_parts_kept_grades_and_the_resit(extra: Papers) -> None:
    pages = {p.split("Numéro de candidat")[1].split()[1]: words(p) for p in extra.releves}
    assert sorted(pages) == ["B1", "J1", "K1", "N1", "R1"]  # E1 is a row error
    assert in_order(pages["K1"], ["U4", "10,50", "Situation d'évaluation 1 (poids 1) 12,00"])
    assert in_order(
        pages["K1"], ["Épreuve écrite (poids 2) 8,00", "Épreuve pratique (poids 2) 11,00"]
    )
    assert "note conservée de la session 2023" in pages["K1"]
    assert in_order(pages["R1"], ["Contrôle", "Note retenue", "U1", "8,00 9,00 9,00 27,00"])
    assert in_order(pages["R1"], ["Moyenne générale 9,71 10,00", "Admis"])
    assert in_order(pages["B1"], ["U2", "8,00 ABS 8,00 24,00"])
    assert in_order(
        pages["J1"], ["Décision du jury (art. D643-26) : Admis", "Motif : Assiduité et progrès"]
    )
    assert "Proposition du moteur : Éligible au rattrapage" in pages["J1"]
    assert in_order(pages["N1"], ["Moyenne générale 9,99", "Éligible au rattrapage"])
    assert "Épreuve de contrôle : 2 unité(s) au choix parmi U1, U2, U3" in pages["N1"]
    assert "Nom : Durand Prénom : Paul" in pages["R1"]


def test_releve_for_the_ids_given_in_that_order(tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    assert (
        run("releve", REGULATION, SAMPLE, "--id", "2026-NDRC-0014", "2026-NDRC-0001", "-o", out)
        == 0
    )
    releves = sheets(pdf_pages(out))
    assert len(releves) == 2
    assert "2026-NDRC-0014" in releves[0] and "2026-NDRC-0001" in releves[1]


@pytest.mark.parametrize(
    ("candidates", "wanted", "code", "said"),
    [
        (SAMPLE, "nobody", 2, "candidat `nobody` introuvable"),  # nothing written
        (ERRORS, "2026-NDRC-0012", 3, "ligne 2 (candidat 2026-NDRC-0012), champ U3"),
    ],
)
def test_releve_of_an_id_not_decided_says_why(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    candidates: Path,
    wanted: str,
    code: int,
    said: str,
) -> None:
    out = tmp_path / "r.html"
    assert run("releve", REGULATION, candidates, "--id", wanted, "-o", out) == code
    assert said in capsys.readouterr().err
    assert out.exists() == (code == 3)


# --- « Ce qu'il aurait fallu » ------------------------------------------------------------
def test_releve_says_what_it_would_have_taken() -> None:
    import ndrc_rules
    from ndrc_rules.engine import trace as t
    from ndrc_rules.render import html
    from ndrc_rules.render.views import Cohort, Entry

    regulation = ndrc_rules.load(REGULATION)
    # 196/21 = 9,33 and a professional average of 115/12 = 9,58 (not above 10): ajourné.
    grades = {"U1": "9", "U2": "9", "U3": "9", "U4": "9", "U5": "10", "U6": "10"}
    decision = regulation.decide({"id": "M1", "regime": "apprentissage", **grades}, near_miss=True)
    page = html.releves(Cohort([regulation.program], [Entry(decision, "Nom", "Prénom")], []))
    text = words(parse(page).text)
    assert "Ce qu'il aurait fallu" in text
    # Per unit, its grade, then for « Éligible au rattrapage » and for « Admis ». U2 needs
    # 14 points more at coefficient 3 for admission: 9 + 14/3 = 41/3 = 13,666…, so 13,67;
    # no grade of U2 lifts the professional average (115/12) above 10 for the resit.
    assert (
        "Épreuve Note Pour « Éligible au rattrapage » Pour « Admis »"
        " U4 Relation client et négociation-vente 9,00 plus de 10,00 (10,01) 11,80"
    ) in text
    assert (
        "U2 Communication en langue vivante étrangère 1 9,00 aucune note ne suffisait seule"
        " 13,67 (seuil exact 41/3)"
    ) in text
    # U5: the professional average above 10 needs 45 + 4x + 30 > 120, x > 11,25;
    # admission needs 14/4 = 3,5 points more: 13,50.
    u5 = "U5 Relation client à distance et digitalisation 10,00 plus de 11,25 (11,26) 13,50"
    assert u5 in text
    unavailable = t.NearMiss(
        phase="initial", outcome="ajourne", label="Ajourné", inputs=[], unavailable="ici <là>"
    )
    hostile = decision.model_copy(update={"near_miss": [unavailable]})
    page = html.releves(Cohort([regulation.program], [Entry(hostile)], []))
    assert "ici <là>" in words(parse(page).text) and "<là>" not in page
    admitted = regulation.decide(
        {"id": "M2", "regime": "apprentissage", **dict.fromkeys(grades, "12")}, near_miss=True
    )
    bare = html.releves(Cohort([regulation.program], [Entry(admitted)], []))
    assert "Ce qu'il aurait fallu" not in bare  # admitted: nothing better to say


# --- HTML: structure, language, escaping ---------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    ancestors: list[str]


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[str] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), list(self.stack)))
        if tag not in {"meta", "br", "img", "link"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "style" not in self.stack:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.chunks)


def parse(page: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(page)
    parsed.close()
    assert parsed.stack == []  # every element closed, in order
    return parsed


def elements(parsed: Parsed, tag: str) -> Iterator[Element]:
    return (e for e in parsed.elements if e.tag == tag)


@pytest.mark.parametrize("paper", ["pv_html", "releves_html"])
def test_html_is_french_and_accessible(sample: Papers, paper: str) -> None:
    parsed = parse(getattr(sample, paper))
    (html,) = elements(parsed, "html")
    assert html.attrs["lang"] == "fr"
    headings = [e for e in parsed.elements if e.tag in {"h1", "h2"}]
    assert headings[0].tag == "h1" and any(e.tag == "h2" for e in headings)
    for th in elements(parsed, "th"):
        assert th.attrs.get("scope") == ("col" if "thead" in th.ancestors else "row"), th
    tables = [e for e in parsed.elements if e.tag == "table"]
    captions = [e for e in parsed.elements if e.tag == "caption"]
    assert tables and len(captions) == len(tables)
    for cell in (e for e in parsed.elements if e.tag in {"td", "th"}):
        classes = (cell.attrs.get("class") or "").split()
        assert "num" not in classes or cell.tag in {"td", "th"}
    assert "thead { display: table-header-group; }" in getattr(sample, paper)


def test_numbers_are_right_aligned_with_a_decimal_comma(sample: Papers) -> None:
    assert ".num { text-align: right;" in sample.pv_html
    text = parse(sample.pv_html).text
    assert re.search(r"\b\d+,\d\d\b", text) and not re.search(r"\b\d+\.\d\d\b", text)


def test_french_spacing_before_high_punctuation(sample: Papers) -> None:
    text = parse(sample.pv_html).text
    assert "Session\u202f:" in text and "Session :" not in text
    assert "ABS\u202f: absence injustifiée\u202f;" in text


def test_english_papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "pv.html"
    monkeypatch.setenv("NDRC_LANG", "fr")  # `--lang` sets it: restored after the test
    assert run("--lang", "en", "pv", REGULATION, SAMPLE, "-o", out) == 0
    parsed = parse(out.read_text("utf-8"))
    assert next(elements(parsed, "html")).attrs["lang"] == "en"
    assert "Minutes of the jury's deliberation" in parsed.text
    assert "Procès-verbal" not in parsed.text


HOSTILE_TITLE = "<script>alert(\"t\")</script> & 'titre'"
HOSTILE_CITATION = '</p><script>alert("c")</script> &amp; "cité"'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hostile candidates (tests/hostile/markup.csv) under a regulation whose unit
    title and citation are markup: the PV and the relevés, as HTML."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / NATIONAL.name).write_bytes(NATIONAL.read_bytes())
    source = REGULATION.read_text("utf-8")
    source = source.replace('"Culture générale et expression"', f"«{HOSTILE_TITLE}»")
    source = source.replace(
        '    cite "les candidats sont déclarés admis',
        f'    cite «{HOSTILE_CITATION}»\n      "les candidats sont déclarés admis',
    )
    regulation = folder / "hostile.reg"
    regulation.write_text(source, "utf-8")
    outputs = folder / "pv.html", folder / "releves.html"
    assert run("pv", regulation, MARKUP, "-o", outputs[0]) == 3
    assert run("releve", regulation, MARKUP, "-o", outputs[1]) == 3
    return outputs


def test_every_user_text_is_escaped(hostile: tuple[Path, Path]) -> None:
    pv, releves = (path.read_text("utf-8") for path in hostile)
    for page in (pv, releves):
        assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>" not in page
        assert "<!--" not in page and "<i>" not in page
    pv_text, releves_text = parse(pv).text, parse(releves).text
    for said in [
        "<script>alert(1)</script>",  # an id
        "O'Brien & <b>Fils</b>",  # a name
        'Zoé "la" <i>',
        "<script>x()</script> & \"motif\" 'q'",  # the jury's reason
        "A&amp;B",
        "</td></tr><tr><td>",
        "<img src=x onerror=alert(1)>",  # the id of a row in error
    ]:
        assert said in pv_text, said
    assert HOSTILE_TITLE in releves_text
    assert HOSTILE_CITATION.split(" ", 1)[1] in words(releves_text)
    titles = [e.attrs.get("title") for e in parse(pv).elements if e.tag == "th"]
    assert HOSTILE_TITLE in titles  # an attribute, quotes and all


def test_names_are_read_as_text_not_grades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = records(MARKUP, tmp_path)
    assert all(r.get("ignored_columns", []) == [] for r in found)
    assert "F009" not in capsys.readouterr().err and "ignorées" not in capsys.readouterr().err


# --- formats and files ------------------------------------------------------------------------
def test_the_format_comes_from_the_suffix_or_the_option(tmp_path: Path) -> None:
    out = tmp_path / "pv.bin"
    assert run("pv", REGULATION, SAMPLE, "--format", "pdf", "-o", out) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    html = tmp_path / "pv.HTML"
    assert run("pv", REGULATION, SAMPLE, "-o", html) == 0
    assert html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_an_unknown_suffix_is_refused_before_deciding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pv.txt"
    assert run("pv", REGULATION, SAMPLE, "-o", out) == 2
    assert "attendu un fichier .pdf ou .html" in capsys.readouterr().err
    assert not out.exists()


def test_html_on_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("releve", REGULATION, SAMPLE, "--id", "2026-NDRC-0001") == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and "2026-NDRC-0001" in page
