"""Browser tests: Debian's chromium driven by Playwright against pytest-django's ``live_server``.

Playwright's own browser downloads are never used (``playwright install`` is not
run); ``scripts/setup.sh`` installs Debian's ``chromium``. Mark tests ``e2e``;
``pytest -m "not e2e"`` skips them.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an asyncio event loop on the test thread, and Django
# refuses ORM calls while one exists; the tests' ORM use is synchronous anyway.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; `make setup` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop is set on this thread, Django keeps this thread's
        # database connections in a per-context store (asgiref's Local), apart
        # from the thread-local ones. Close them now: once the loop is gone
        # nothing sees them, and an open one stops the test database from
        # being dropped at the end of the session.
        connections.close_all()


@pytest.fixture
def page(browser):
    """A fresh page in its own browser context (no cookies shared between tests)."""
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
