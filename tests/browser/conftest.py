"""Browser tests: Debian's Chromium, driven by Playwright, against the whole stack.

The stack (store with the storefront, action server, Rasa with the trained model) is
started once per session on free ports with its own SQLite databases, through the
launcher's own process specs (``bot.stack``), so nothing collides with a running
``make run``. If the store app does not serve the storefront itself (router not mounted),
the storefront router is served in-process over the same store database.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest
from browser_chat import ARTIFACTS, ROOT, Shop
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

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
IDENTITY_SECRET = "browser-tests-identity-secret-0123456789"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _InProcessStorefront:
    """Serves web.storefront's router with uvicorn in a thread (until the store mounts it)."""

    def __init__(self, *, database_url: str, rasa_url: str, port: int) -> None:
        import uvicorn
        from fastapi import FastAPI

        from store.db import make_engine
        from store.settings import resolve_database_url
        from web.storefront import StorefrontSettings, create_storefront_router

        self.engine = make_engine(resolve_database_url(database_url))
        app = FastAPI()
        settings = StorefrontSettings(widget_server_url=rasa_url, identity_secret=IDENTITY_SECRET)
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


def _serves_storefront(store_url: str) -> bool:
    import httpx

    try:
        response = httpx.get(f"{store_url}/", timeout=5)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and "shopdesk-widget.js" in response.text


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    from bot.stack import Ports, Stack, actions_spec, rasa_spec, store_spec
    from bot.training import ensure_model

    model = ensure_model(quiet=True)
    work = tmp_path_factory.mktemp("browser-stack")
    ports = Ports(
        rasa=_free_port(),
        actions=_free_port(),
        store=_free_port(),
        helpdesk=_free_port(),
    )
    rasa_url = f"http://127.0.0.1:{ports.rasa}"
    store_url = f"http://127.0.0.1:{ports.store}"
    database_url = f"sqlite:///{work / 'store.db'}"
    shared_env = {
        "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
        "SHOPDESK_WIDGET_SERVER_URL": rasa_url,
        "STORE_DATABASE_URL": database_url,
        "STORE_PUBLIC_URL": store_url,
        "RASA_TELEMETRY_ENABLED": "false",
    }
    for command in ("migrate", "seed"):
        subprocess.run(
            [sys.executable, "-m", "store", command],
            cwd=ROOT,
            env={**os.environ, **shared_env},
            check=True,
            capture_output=True,
        )

    with Stack(log_dir=work / "log") as stack:
        stack.start(store_spec(ports, env=shared_env))
        stack.start(actions_spec(ports, env=shared_env))
        stack.start(rasa_spec(ports, model=model, tracker_db=work / "tracker.db", env=shared_env))
        stack.wait_healthy()
        if _serves_storefront(store_url):
            yield Shop(storefront_url=store_url, rasa_url=rasa_url, store_url=store_url)
        else:
            with _InProcessStorefront(
                database_url=database_url, rasa_url=rasa_url, port=_free_port()
            ) as front:
                yield Shop(storefront_url=front.url, rasa_url=rasa_url, store_url=store_url)


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
