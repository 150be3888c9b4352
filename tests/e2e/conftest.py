"""Fixtures shared by the real-browser tests."""

from __future__ import annotations

import os

import pytest

from tests.e2e import browser_helpers as bh

# CI sets this: a missing browser is then a failure, never a skip counted as a pass.
REQUIRE_BROWSER = os.environ.get("S3MOCK_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium through Playwright, one per test module; skips without it
    (fails with S3MOCK_REQUIRE_BROWSER=1)."""
    why = bh.browser_unavailable()
    if why is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"S3MOCK_REQUIRE_BROWSER=1 but {why}", pytrace=False)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = bh.launch(pw)
        try:
            yield chromium
        finally:
            chromium.close()
