"""What a person does on the pages, shared by the tests and the screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

# Line 22 of bts_ndrc.reg: `    unite U4 "Relation client et négociation-vente" coefficient 5`.
U4_LINE = 22


def upload(page: Page, cohort: Path, regulation: str = "bts_ndrc.reg") -> None:
    """Send a cohort file through the upload form and wait for its decisions."""
    page.goto("/cohort")
    form = page.locator("form#upload")
    form.locator('input[type=file][name="candidates"]').set_input_files(cohort)
    page.locator("#regulation").select_option(regulation)
    form.locator("[type=submit]").click()
    page.wait_for_url("**/cohort/*")
    expect(page.locator("#decisions")).to_be_visible()


def visible_rows(page: Page) -> Locator:
    """The decisions table's rows the filters leave shown."""
    return page.locator("#decisions tr[data-id]:visible")


def orders_after_two_presses(page: Page, press: Callable[[], object]) -> set[tuple[str, ...]]:
    """The decisions table's order of ids after `press`, then after a second one."""
    orders = set()
    for _ in range(2):
        before = visible_rows(page).first.get_attribute("data-id")
        press()
        if len(orders) == 1:  # the second press must reverse the first order
            expect(visible_rows(page).first).not_to_have_attribute("data-id", before or "")
        orders.add(tuple(visible_rows(page).evaluate_all("rows => rows.map(r => r.dataset.id)")))
    return orders


def compare_versions(page: Page, cohort: Path, old: str, new: str) -> None:
    """Upload a cohort, then compare two versions of a regulation on it."""
    upload(page, cohort)
    token = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto("/versions")
    page.locator("#old").select_option(old)
    page.locator("#new").select_option(new)
    page.locator("#cohort").select_option(token)
    page.locator("form#versions [type=submit]").click()
    expect(page.locator("#diff")).to_be_visible()


def verify_store(page: Page) -> None:
    """Run the store's verification from its page."""
    page.locator("form#verify [type=submit]").click()
    expect(page.locator("#verified")).to_be_visible()


def open_editor(page: Page, name: str) -> None:
    """Open the editor on `name` and wait for CodeMirror to hold the file."""
    page.goto(f"/edit/{name}")
    expect(page.locator(f'#editor[data-file="{name}"] .cm-editor')).to_be_visible()
    expect(page.locator(".cm-content")).to_contain_text("unite U4")


def wait_for_line(page: Page, text: str, *, shown: bool = True) -> None:
    """Wait until the editor shows (or no longer shows) a line of exactly `text`,
    white space included (Playwright's text matching would fold it)."""
    page.wait_for_function(
        "([text, shown]) => [...document.querySelectorAll('.cm-line')]"
        ".some(line => line.textContent === text) === shown",
        arg=[text, shown],
    )


def to_end_of_line(page: Page, line: int) -> None:
    """Put the cursor at the end of a line with the keyboard, as a person would."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    for _ in range(line - 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("End")


def misspell_coefficient(page: Page) -> None:
    """Turn `coefficient 5` into `coefficent 5` on line 22, by typing."""
    to_end_of_line(page, U4_LINE)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    for _ in range(4):
        page.keyboard.press("Backspace")  # "ient"
    page.keyboard.type("ent")
    expect(page.locator(".cm-line").filter(has_text="coefficent 5")).to_have_count(1)
