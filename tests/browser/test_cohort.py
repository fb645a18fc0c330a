"""The cohort pages in Chromium: upload, counts and decisions as `eval` gives
them, the candidate's page, filters, search, sorting and the PV download."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .harness import COHORT_CSV, COHORT_XLSX
from .pages import orders_after_two_presses, upload, visible_rows

# One worker runs them all: one server, one browser (pytest-xdist, --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")


@pytest.mark.parametrize("cohort", [COHORT_CSV, COHORT_XLSX], ids=["csv", "xlsx"])
def test_upload_shows_evals_counts_and_decisions(
    page: Page, cohort: Path, cohort_decisions: dict
) -> None:
    upload(page, cohort)
    outcomes = Counter(record["decision"] for record in cohort_decisions["results"])
    assert sum(outcomes.values()) == cohort_decisions["summary"]["rows"]
    for outcome, count in outcomes.items():
        cell = page.locator(f'#counts tr[data-outcome="{outcome}"] td.count')
        expect(cell).to_have_text(str(count))
    rows = page.locator("#decisions tr[data-id]")
    expect(rows).to_have_count(len(cohort_decisions["results"]))
    for record in cohort_decisions["results"]:
        row = page.locator(f'#decisions tr[data-id="{record["id"]}"]')
        expect(row).to_have_attribute("data-outcome", record["decision"])
        expect(row).to_have_attribute("data-regime", record["regime"])
        expect(row).to_have_attribute("data-rule", record["deciding_rule"])


def test_a_candidate_shows_the_deciding_rule_and_its_sentence(
    page: Page, cohort_decisions: dict
) -> None:
    upload(page, COHORT_CSV)
    # One of each outcome: the rule and sentence differ between them.
    seen: set[str] = set()
    for record in cohort_decisions["results"]:
        if record["decision"] in seen:
            continue
        seen.add(record["decision"])
        cohort_url = page.url
        page.locator(f'#decisions tr[data-id="{record["id"]}"] a').first.click()
        page.wait_for_url(f"**/candidate/{record['id']}")
        title = next(
            rule["title"] for rule in record["trace"]["rules"]
            if rule["name"] == record["deciding_rule"]
        )
        expect(page.locator("#decision")).to_contain_text(record["label"])
        expect(page.locator("#deciding-rule")).to_contain_text(title)
        expect(page.locator("blockquote.citation").first).to_contain_text(
            record["citation"]["text"]
        )
        source = record["deciding_rule_source"]
        link = page.locator("#deciding-rule a.source")
        expect(link).to_have_attribute(
            "href", f"/edit/{Path(source['file']).name}#L{source['line']}"
        )
        expect(page.locator("#trace")).to_be_visible()
        if record["decision"] != "admis":
            expect(page.locator("#near-miss")).to_contain_text("Ce qu'il aurait fallu")
        page.goto(cohort_url)
    assert len(seen) == 3


def test_filters_and_search_narrow_the_rows(page: Page, cohort_decisions: dict) -> None:
    upload(page, COHORT_CSV)
    records = cohort_decisions["results"]
    expect(visible_rows(page)).to_have_count(len(records))
    for select, field in [
        ("#filter-outcome", "decision"),
        ("#filter-regime", "regime"),
        ("#filter-rule", "deciding_rule"),
    ]:
        for value, count in Counter(record[field] for record in records).items():
            page.locator(select).select_option(value)
            expect(visible_rows(page)).to_have_count(count)
            for row in visible_rows(page).all():
                expect(row).to_have_attribute(f"data-{select.split('-')[1]}", value)
        page.locator(select).select_option("")
        expect(visible_rows(page)).to_have_count(len(records))
    wanted = records[3]["id"]
    page.locator("#search").fill(wanted)
    expect(visible_rows(page)).to_have_count(1)
    expect(visible_rows(page).first).to_have_attribute("data-id", wanted)
    page.locator("#search").fill("aucun candidat ne porte ce nom")
    expect(visible_rows(page)).to_have_count(0)
    page.locator("#search").fill("")
    expect(visible_rows(page)).to_have_count(len(records))


def test_sorting_by_a_column_orders_the_rows(page: Page, cohort_decisions: dict) -> None:
    upload(page, COHORT_CSV)
    ids = sorted(record["id"] for record in cohort_decisions["results"])
    header = page.locator("#decisions th button").first
    assert orders_after_two_presses(page, header.click) == {tuple(ids), tuple(reversed(ids))}


def test_the_pv_downloads_with_every_candidate(
    page: Page, cohort_decisions: dict, tmp_path: Path
) -> None:
    upload(page, COHORT_CSV)
    with page.expect_download() as download:
        page.locator("a#pv-pdf").click()
    target = tmp_path / "pv.pdf"
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    # Table cells may wrap an id: compare without white space.
    text = "".join("".join(p.extract_text() for p in PdfReader(target).pages).split())
    missing = [r["id"] for r in cohort_decisions["results"] if r["id"] not in text]
    assert not missing
