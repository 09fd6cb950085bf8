"""PostgreSQL databases for the Rasa-engine tests (psycopg2: the engine's own driver)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg2
import pytest

from tests.conftest import require_service

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def postgres_up() -> bool:
    try:
        psycopg2.connect(dbname="postgres", connect_timeout=3, **PG).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.fixture
def new_database() -> Iterator[Callable[[], str]]:
    """Creates fresh, uniquely named databases on demand; drops them afterwards."""
    require_service(postgres_up(), "PostgreSQL on 127.0.0.1:5432")
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    names: list[str] = []

    def create() -> str:
        name = f"sd_rasa_{uuid.uuid4().hex[:10]}"
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return name

    yield create
    with admin.cursor() as cur:
        for name in names:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
