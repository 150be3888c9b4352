"""Driving the web console (/_s3mock/console/) in headless Chromium: a fresh context per test,
opening the console on a live server, and strict-mode sign-in. Shared by the console's test files;
the `browser` fixture is tests/e2e/conftest.py's (skips without chromium, fails with
S3MOCK_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import pytest

from support import client, start_server
from tests.e2e import browser_helpers as bh

CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self' http://localhost:* http://127.0.0.1:*; "
       "frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'none'")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A lenient live server for one console test module."""
    srv = start_server(tmp_path_factory.mktemp("console"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(server):
    return client(server.endpoint)


@pytest.fixture
def context(browser):
    """A fresh browser context (own storage, cache) per test; JavaScript errors are collected on
    each page as `page.js_errors` and any alert() as `page.dialogs`."""
    ctx = browser.new_context()
    ctx.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


def console_url(server, hash: str = "#/") -> str:
    return f"{server.endpoint}/_s3mock/console/{hash}"


def open_console(context, server, hash: str = "#/", wait: bool = True):
    """A page on the console; waits until the first view has rendered (body[data-ready])."""
    page = context.new_page()
    page.js_errors = []
    page.dialogs = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))

    def on_dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()
    page.on("dialog", on_dialog)
    page.response = page.goto(console_url(server, hash))
    if wait:
        page.wait_for_selector("body[data-ready='1']")
    return page


def sign_in(page, access_key: str, secret_key: str) -> None:
    page.fill("[data-test=signin-access-key]", access_key)
    page.fill("[data-test=signin-secret-key]", secret_key)
    page.click("[data-test=signin-submit]")
