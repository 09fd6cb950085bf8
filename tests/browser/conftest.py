"""Browser tests: Debian's Chromium, driven by Playwright, against the whole stack.

The stack is the shared end-to-end one (``shopdesk`` in tests/conftest.py: store, action
server, Rasa with the trained model, on free ports, never colliding with ``make run``).
The pages come from the store app when it mounts the storefront with the widget pointed
at that Rasa; otherwise the storefront router is served in-process over the same store
database and identity secret.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

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

from tests.support.stack import ShopdeskStack, free_port

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


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


class _InProcessStorefront:
    """Serves web.storefront's router with uvicorn in a thread (until the store mounts it)."""

    def __init__(
        self, *, database_url: str, identity_secret: str, rasa_url: str, port: int
    ) -> None:
        import uvicorn
        from fastapi import FastAPI

        from store.db import make_engine
        from store.settings import resolve_database_url
        from web.storefront import StorefrontSettings, create_storefront_router

        self.engine = make_engine(resolve_database_url(database_url))
        app = FastAPI()
        settings = StorefrontSettings(widget_server_url=rasa_url, identity_secret=identity_secret)
        app.include_router(create_storefront_router(engine=self.engine, settings=settings))
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("in-process storefront did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.engine.dispose()


def _serves_storefront(store_url: str, *, rasa_url: str) -> bool:
    """Whether the store app mounts the storefront, with the widget pointed at this Rasa."""
    try:
        response = httpx.get(f"{store_url}/", timeout=5)
    except httpx.HTTPError:
        return False
    return (
        response.status_code == 200
        and "shopdesk-widget.js" in response.text
        and f'"serverUrl": "{rasa_url}"' in response.text
    )


@pytest.fixture(scope="session")
def shop(shopdesk: ShopdeskStack) -> Iterator[Shop]:
    """The storefront of the shared end-to-end stack (``shopdesk`` in tests/conftest.py)."""
    rasa_url = shopdesk.rasa_url
    if _serves_storefront(shopdesk.store_url, rasa_url=rasa_url):
        yield Shop(
            storefront_url=shopdesk.store_url, rasa_url=rasa_url, store_url=shopdesk.store_url
        )
        return
    with _InProcessStorefront(
        database_url=shopdesk.store_env["STORE_DATABASE_URL"],
        identity_secret=shopdesk.store_env["SHOPDESK_IDENTITY_SECRET"],
        rasa_url=rasa_url,
        port=free_port(),
    ) as front:
        yield Shop(storefront_url=front.url, rasa_url=rasa_url, store_url=shopdesk.store_url)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if _in_ci():
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
