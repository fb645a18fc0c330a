"""The other pages in Chromium: versions, the store, keyboard access and labels
on every page, and a hostile upload shown as text, never run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .harness import COHORT_CSV, HOSTILE_CSV, NEW_VERSION, STORE, Server, diff, evaluate
from .pages import compare_versions, orders_after_two_presses, upload, verify_store

# One worker runs them all: one server, one browser (pytest-xdist, --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")

# Every form field must be named for a screen reader: a <label>, aria-label or
# aria-labelledby. Returns the fields that are not.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset'].includes(el.type))
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""

# Whatever a hostile text would run if it were inserted as markup sets this flag.
TRAP = """window.__pwned = false;
for (const name of ['alert', 'confirm', 'prompt', 'x']) {
  window[name] = () => { window.__pwned = true; };
}"""


def test_versions_diff_shows_the_changed_candidates(page: Page, server: Server) -> None:
    report = diff(server.folder / "bts_ndrc.reg", server.folder / NEW_VERSION, COHORT_CSV)
    changed = {change["id"] for change in report["changed"]}
    assert changed, "the two versions should change some decisions"
    compare_versions(page, COHORT_CSV, "bts_ndrc.reg", NEW_VERSION)
    result = page.locator("#diff")
    expect(result).to_contain_text(f"{report['summary']['changed']} candidat")
    shown = result.locator("table.changed tbody th").all_text_contents()
    assert sorted(shown) == sorted(changed)
    unchanged = [r["id"] for r in evaluate(server.folder / "bts_ndrc.reg", COHORT_CSV)["results"]
                 if r["id"] not in changed]
    assert unchanged
    for identifier in unchanged:
        expect(result).not_to_contain_text(identifier)


def test_the_store_lists_filters_and_verifies(page: Page, cohort_decisions: dict) -> None:
    records = cohort_decisions["results"]
    page.goto("/store")
    link = page.get_by_role("link", name=STORE)
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"**/store/{STORE}*")
    shown = page.locator("#records tbody th").all_text_contents()
    assert sorted(shown) == sorted(record["id"] for record in records)
    admitted = [record["id"] for record in records if record["decision"] == "admis"]
    page.locator("#outcome").select_option("admis")
    page.locator("#store-filters [type=submit]").click()
    expect(page.locator("#records tbody tr")).to_have_count(len(admitted))
    assert sorted(page.locator("#records tbody th").all_text_contents()) == sorted(admitted)
    verify_store(page)
    expect(page.locator("#verified")).to_contain_text(re.compile("registre intact", re.I))


def test_every_field_has_a_label_and_every_page_is_french(page: Page) -> None:
    upload(page, COHORT_CSV)
    cohort = page.url
    candidate = page.locator("#decisions tr[data-id] a").first.get_attribute("href")
    assert candidate
    for url in ["/", "/edit/bts_ndrc.reg", "/cohort", cohort, candidate, "/versions", "/store",
                f"/store/{STORE}"]:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        assert page.evaluate(UNLABELLED) == [], url


def focus_order(page: Page, presses: int) -> list[str]:
    """Press Tab `presses` times from the top; describe each element focused."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || e.getAttribute('name') || e.tagName + ':' + e.textContent.trim(); }"
        ))
    return seen


def test_the_upload_form_is_reachable_with_the_keyboard(page: Page) -> None:
    page.goto("/cohort")
    order = focus_order(page, 30)
    fields = ["candidates", "regulation"]
    assert all(field in order for field in fields), order
    assert order.index("candidates") < order.index("regulation")
    submit = page.locator("form#upload [type=submit]")
    submit.focus()
    assert submit.evaluate("e => e === document.activeElement")
    after = order.index("regulation")
    assert any(o.startswith("BUTTON:") or o.startswith("INPUT:") for o in order[after:]), order


def test_the_sort_buttons_are_reachable_and_work_with_the_keyboard(
    page: Page, cohort_decisions: dict
) -> None:
    upload(page, COHORT_CSV)
    buttons = page.locator("#decisions th button")
    names = [f"BUTTON:{text.strip()}" for text in buttons.all_text_contents()]
    assert names
    page.locator("body").focus()
    order = focus_order(page, 60)
    assert all(name in order for name in names), order
    # Enter on the focused first header sorts the table, one way then the other.
    buttons.first.focus()
    ids = sorted(record["id"] for record in cohort_decisions["results"])
    assert orders_after_two_presses(page, lambda: page.keyboard.press("Enter")) == {
        tuple(ids), tuple(reversed(ids))}


def test_a_hostile_upload_is_shown_as_text_and_runs_nothing(page: Page, server: Server) -> None:
    page.add_init_script(TRAP)
    hostile = evaluate(server.folder / "bts_ndrc.reg", HOSTILE_CSV)["results"]
    upload(page, HOSTILE_CSV)
    decided = [r for r in hostile if r.get("decision")]
    refused = [r for r in hostile if r.get("error")]
    assert decided and refused
    for record in decided:
        row = page.locator("#decisions tr[data-id]").filter(has_text=record["id"])
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-id", record["id"])
    for record in refused:
        expect(page.locator("#row-errors")).to_contain_text(record["id"])
        expect(page.locator("#row-errors")).to_contain_text(record["error"]["message"])
    # Nothing from the file became an element: no script, image, bold or italic.
    assert page.locator("main script, main img, main b, main i").count() == 0
    assert page.evaluate("window.__pwned") is False
    # The candidate page of the `<script>` id, through its link.
    page.locator("#decisions tr[data-id] a").filter(has_text="<script>").click()
    expect(page.locator("#decision")).to_be_visible()
    expect(page.locator("main")).to_contain_text(decided[0]["id"])
    assert page.locator("main script, main img, main b, main i").count() == 0
    assert page.evaluate("window.__pwned") is False
