"""Browser tests: Debian's Chromium, driven by Playwright, against the whole stack.

The stack is the shared end-to-end one (``shopdesk`` in tests/conftest.py: store, action
server, Rasa with the trained model, on free ports, never colliding with ``make run``);
the pages are the storefront the store app itself serves, as ``make run`` shows it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_chat import ARTIFACTS, Shop
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

from common.ci import in_ci
from tests.support.stack import ShopdeskStack

CHROMIUM = Path(os.environ.get("SHOPDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def shop(shopdesk: ShopdeskStack) -> Shop:
    """The storefront the store app serves (as with ``make run``), with the widget on Rasa."""
    rasa_url = shopdesk.rasa_url
    response = httpx.get(f"{shopdesk.store_url}/", timeout=10)
    assert response.status_code == 200, f"the store does not serve the storefront: {response}"
    assert "/static/shopdesk-widget.js" in response.text, "the storefront page has no widget"
    assert f'"serverUrl": "{rasa_url}"' in response.text, "the widget is not pointed at Rasa"
    return Shop(storefront_url=shopdesk.store_url, rasa_url=rasa_url, store_url=shopdesk.store_url)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own storage: a new shopper); a screenshot of it is saved at the end."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"unexpected dialog: {dialog.message}"))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    scenario = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name.removeprefix("test_"))
    if not page.is_closed():
        page.screenshot(path=str(ARTIFACTS / f"{scenario}.png"))
    assert not errors, f"errors in the page: {errors}"
