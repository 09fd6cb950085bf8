"""common.db: a database that stops answering fails a call within its bound (real PostgreSQL
and SQLite; a silent TCP listener stands in for a database host that never answers)."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from common import db
from common.ci import in_ci

POSTGRES_URL = os.environ.get(
    "STORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def postgres_url() -> str:
    engine = db.make_engine(POSTGRES_URL, connect_timeout=3)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc.orig}")
        pytest.skip(f"PostgreSQL unreachable: {exc.orig}")
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_plain_postgresql_url_is_read_with_psycopg() -> None:
    assert db.database_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert db.database_url("sqlite:///x.db").drivername == "sqlite"


def test_a_statement_beyond_the_statement_timeout_is_cancelled(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url, statement_timeout=0.2)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "200ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(30)"))
    finally:
        engine.dispose()


def test_a_host_that_never_answers_fails_the_connect(silent_listener: int) -> None:
    engine = db.make_engine(
        f"postgresql://postgres@127.0.0.1:{silent_listener}/postgres", connect_timeout=1
    )
    try:
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
    finally:
        engine.dispose()


def test_a_sqlite_write_waits_for_the_busy_timeout_then_fails(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "busy.db"
    engine = db.make_engine(f"sqlite:///{path}", busy_timeout=0.1)
    try:
        with engine.begin() as connection:  # creates the folder and the table
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(OperationalError, match="database is locked"):
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t VALUES (1)"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    finally:
        engine.dispose()


def test_sqlite_pragmas_run_on_every_connection(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}", sqlite_pragmas=("foreign_keys=ON",))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
