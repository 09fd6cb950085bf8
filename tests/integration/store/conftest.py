"""The real store service on a free port, against SQLite and PostgreSQL.

Each backend gets a fresh database per test session (PostgreSQL: a uniquely named database
created on ``STORE_TEST_POSTGRES_URL`` and dropped at the end), migrated with Alembic and
served by uvicorn in a thread. Tests that change data get a freshly re-seeded store.
If PostgreSQL is unreachable the PostgreSQL half is skipped, unless CI=true: then it fails.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from common.ci import in_ci
from store.api import create_app
from store.db import make_engine
from store.migrate import upgrade
from store.seed import seed
from store.settings import StoreSettings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
API_TOKEN = "test-token-123"


class ServerThread:
    """uvicorn in a background thread, on a socket bound before start (no port race)."""

    def __init__(self, make_app: Callable[[str], object]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        app = make_app(self.base_url)
        config = uvicorn.Config(app, log_level="warning", lifespan="off")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("store server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class LiveStore:
    backend: str
    engine: Engine
    settings: StoreSettings
    base_url: str

    def reseed(self) -> None:
        seed(self.engine, today=datetime.now(UTC).date(), public_base_url=self.base_url)


def _sqlite_url(tmp: Path) -> URL:
    return make_url(f"sqlite:///{tmp / 'store.db'}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[URL]:
    """A fresh, uniquely named PostgreSQL database for this session; dropped afterwards."""
    admin_url = make_url(os.environ.get("STORE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        message = (
            f"PostgreSQL unreachable at {admin_url.render_as_string(hide_password=True)}: {reason}"
        )
        if in_ci():
            pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
        pytest.skip(message)
    name = f"store_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> URL:
    if request.param == "sqlite":
        return _sqlite_url(tmp_path_factory.mktemp("sqlite"))
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def live_store(database_url: URL) -> Iterator[LiveStore]:
    engine = make_engine(database_url)
    upgrade(engine)
    settings = StoreSettings(database_url=database_url)

    def make_app(base_url: str) -> object:
        nonlocal settings
        settings = settings.model_copy(update={"public_base_url": base_url})
        return create_app(settings, engine=engine)

    try:
        with ServerThread(make_app) as server:
            store = LiveStore(database_url.get_backend_name(), engine, settings, server.base_url)
            store.reseed()
            yield store
    finally:
        engine.dispose()


@pytest.fixture
def store(live_store: LiveStore) -> LiveStore:
    """The live store, re-seeded so every test starts from the demo data."""
    live_store.reseed()
    return live_store


@pytest.fixture
def token_store(store: LiveStore) -> Iterator[LiveStore]:
    """A second server on the same database with STORE_API_TOKEN configured."""
    settings = store.settings.model_copy(update={"api_token": API_TOKEN})
    with ServerThread(lambda _url: create_app(settings, engine=store.engine)) as server:
        yield replace(store, settings=settings, base_url=server.base_url)


FORWARDING_SECRET = b"integration-forwarding-secret-0123456789"
FAILED_LOOKUP_LIMIT = 10


@pytest.fixture
def limited_store(store: LiveStore) -> Iterator[LiveStore]:
    """A second server on the same database with a small failed-lookup limit (fresh per
    test: the limiter lives in the app) and a forwarding secret."""
    settings = store.settings.model_copy(
        update={"max_failed_lookups": FAILED_LOOKUP_LIMIT, "forwarding_secret": FORWARDING_SECRET}
    )
    with ServerThread(lambda _url: create_app(settings, engine=store.engine)) as server:
        yield replace(store, settings=settings, base_url=server.base_url)


@pytest.fixture
def api_token() -> str:
    return API_TOKEN


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
