"""Fixtures of the browser tests: one real server and one headless Chromium per
session, a new 1366×768 context (a fresh profile) per test.

Without /usr/bin/chromium the tests are skipped, with the reason, except in CI
(`CI=true`), where a missing browser fails them: `.ci/run` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COHORT_CSV,
    VIEWPORT,
    Server,
    evaluate,
    served_folder,
    serving,
)

# A loaded 2-core machine answers slowly: wait up to 15 s for a condition.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's `chromium` package"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Server]:
    with serving(served_folder(tmp_path_factory.mktemp("served"))) as running:
        yield running


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A page in a new context, its base URL the server's; a script error or a
    failed request in the page fails the test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture(scope="session")
def cohort_decisions() -> dict:
    """eval's JSON for the sample cohort under the shipped NDRC file."""
    return evaluate(Path(__file__).resolve().parents[2] / "regulations" / "bts_ndrc.reg",
                    COHORT_CSV)
