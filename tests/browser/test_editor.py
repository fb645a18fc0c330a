"""The regulation editor in Chromium: diagnostics as one types, the one-click
fix, formatting and saving (checked on disk)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .harness import ROOT, Server
from .pages import U4_LINE, misspell_coefficient, open_editor, to_end_of_line, wait_for_line

# One worker runs them all: one server, one browser (pytest-xdist, --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")

VALID = "règlement valide"


def ndrc_lines() -> list[str]:
    """The shipped bts_ndrc.reg, line by line."""
    return (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8").splitlines()


def u4_line() -> str:
    """Line 22 of the shipped bts_ndrc.reg, as written."""
    return ndrc_lines()[U4_LINE - 1]


def expect_e001_on_u4(page: Page) -> None:
    diagnostic = page.locator("#diagnostics li.diagnostic")
    expect(diagnostic).to_have_count(1)
    expect(diagnostic).to_have_attribute("data-code", "E001")
    expect(diagnostic).to_have_attribute("data-line", str(U4_LINE))
    expect(diagnostic).to_contain_text(f"ligne {U4_LINE}")
    expect(diagnostic).to_contain_text("E001")
    expect(diagnostic).to_contain_text("coefficient")  # the hint: vouliez-vous dire …
    expect(page.locator("#check-status")).to_contain_text("1 erreur")
    # The squiggle is under the misspelt word, on that line.
    squiggle = page.locator(".cm-line").filter(has_text="coefficent 5").locator(
        ".cm-lintRange-error"
    )
    expect(squiggle).to_have_count(1)
    expect(squiggle).to_have_text("coefficent")


def expect_valid(page: Page) -> None:
    expect(page.locator("#diagnostics li.diagnostic")).to_have_count(0)
    expect(page.locator("#check-status")).to_contain_text(VALID)
    expect(page.locator(".cm-lintRange-error")).to_have_count(0)


def test_a_valid_file_opens_valid(page: Page) -> None:
    open_editor(page, "bts_ndrc.reg")
    expect_valid(page)


def test_typing_an_error_shows_it_and_the_one_click_fix_removes_it(page: Page) -> None:
    open_editor(page, "bts_ndrc.reg")
    expect_valid(page)
    misspell_coefficient(page)
    expect_e001_on_u4(page)
    page.locator(".cm-lintRange-error").hover()
    action = page.locator(".cm-tooltip-lint .cm-diagnosticAction")
    expect(action).to_contain_text("coefficient")
    action.click()
    wait_for_line(page, u4_line())
    expect_valid(page)


def test_fixing_by_typing_removes_the_diagnostic(page: Page) -> None:
    open_editor(page, "bts_ndrc.reg")
    misspell_coefficient(page)
    expect_e001_on_u4(page)
    for _ in range(3):
        page.keyboard.press("Backspace")  # "ent"
    page.keyboard.type("ient")
    wait_for_line(page, u4_line())
    expect_valid(page)


def test_format_then_save_writes_the_canonical_file(page: Page, server: Server) -> None:
    draft = server.folder / "brouillon.reg"
    canonical = (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8")
    draft.write_text(canonical, "utf-8")
    open_editor(page, draft.name)
    to_end_of_line(page, U4_LINE)
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("    ")
    spaced = u4_line().replace("coefficient 5", "coefficient     5")
    wait_for_line(page, spaced)
    page.locator("#format").click()
    wait_for_line(page, spaced, shown=False)
    wait_for_line(page, u4_line())
    draft.write_text("# replaced by the save\n", "utf-8")
    with page.expect_response("**/api/save") as answer:
        page.locator("#save").click()
    assert json.loads(answer.value.text())["saved"] is True
    assert draft.read_text("utf-8") == canonical


def test_save_refuses_a_file_that_does_not_parse(page: Page, server: Server) -> None:
    draft = server.folder / "brouillon.reg"
    canonical = (ROOT / "regulations" / "bts_ndrc.reg").read_text("utf-8")
    draft.write_text(canonical, "utf-8")
    open_editor(page, draft.name)
    misspell_coefficient(page)
    expect_e001_on_u4(page)
    with page.expect_response("**/api/save") as answer:
        page.locator("#save").click()
    reply = json.loads(answer.value.text())
    assert reply["saved"] is False
    assert reply["message"]
    expect(page.get_by_text(reply["message"], exact=False).first).to_be_visible()
    assert draft.read_text("utf-8") == canonical


def test_run_examples_reports_each_and_a_broken_expectation(page: Page) -> None:
    lines = ndrc_lines()
    examples = [line for line in lines if line.lstrip().startswith("exemple ")]
    expectation = "attendu admis par admission"
    line = next(n for n, text in enumerate(lines, 1) if text.strip() == expectation)
    open_editor(page, "bts_ndrc.reg")
    page.locator("#run-examples").click()
    results = page.locator("#examples li.example")
    expect(results).to_have_count(len(examples))
    expect(page.locator('#examples li.example[data-ok="true"]')).to_have_count(len(examples))
    to_end_of_line(page, line)
    for _ in range(len("admis par admission")):
        page.keyboard.press("Backspace")
    page.keyboard.type("ajourne par sinon")
    with page.expect_response("**/api/examples"):
        page.locator("#run-examples").click()
    failed = page.locator('#examples li.example[data-ok="false"]')
    expect(failed).to_have_count(1)
    expect(results).to_have_count(len(examples))
