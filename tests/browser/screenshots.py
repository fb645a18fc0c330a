"""Redraw docs/screenshots/*.png: the pages of `ndrc-rules serve` at 1366×768, in
Debian's headless Chromium, as a coordinator sees them.

    .venv/bin/python -m tests.browser.screenshots

Each shot shows a page in use: the editor with a diagnostic under a typo, the
counts of the sample cohort, a candidate's decision, a diff of two versions, and
the decision store after its verification.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COHORT_CSV,
    NEW_VERSION,
    ROOT,
    STORE,
    VIEWPORT,
    served_folder,
    serving,
)
from .pages import compare_versions, misspell_coefficient, open_editor, upload, verify_store

TARGET = ROOT / "docs" / "screenshots"


def editor(page: Page) -> None:
    open_editor(page, "bts_ndrc.reg")
    misspell_coefficient(page)
    expect(page.locator("#diagnostics li.diagnostic")).to_have_count(1)
    page.locator(".cm-lintRange-error").hover()
    expect(page.locator(".cm-tooltip-lint")).to_be_visible()


def cohort(page: Page) -> None:
    upload(page, COHORT_CSV)


def candidate(page: Page) -> None:
    upload(page, COHORT_CSV)
    page.locator('#decisions tr[data-outcome="rattrapage"] a').first.click()
    expect(page.locator("#deciding-rule")).to_be_visible()


def versions(page: Page) -> None:
    compare_versions(page, COHORT_CSV, "bts_ndrc.reg", NEW_VERSION)


def store(page: Page) -> None:
    page.goto(f"/store/{STORE}")
    verify_store(page)


SHOTS = {"editor": editor, "cohort": cohort, "candidate": candidate, "versions": versions,
         "store": store}


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serving(served_folder(Path(folder))) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for name, show in SHOTS.items():
            context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
            page = context.new_page()
            show(page)
            page.screenshot(path=TARGET / f"{name}.png")
            context.close()
            print(TARGET / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
