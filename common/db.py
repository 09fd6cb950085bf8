"""Database engines with connect and statement timeouts (store, handoff, analytics, erasure).

A database that stops answering makes a call fail within a bound instead of holding a worker
forever:

- PostgreSQL (psycopg 3): `connect_timeout`, and a server-side `statement_timeout` set on
  every connection; a plain `postgresql://` URL is read with psycopg.
- SQLite: a busy timeout (how long a write waits for another process's lock), and the
  folder of the file created when asked.

Engines are built by their caller at start-up (CLI, app factory, tests), never at import.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

CONNECT_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_SECONDS = 30.0
BUSY_TIMEOUT_SECONDS = 10.0


def database_url(url: str | URL) -> URL:
    """`url` parsed; `postgresql://` (no driver named) means psycopg 3, the one installed."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(
    url: str | URL,
    *,
    statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
    connect_timeout: int = CONNECT_TIMEOUT_SECONDS,
    busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    sqlite_pragmas: Sequence[str] = (),
    create_sqlite_folder: bool = True,
    **engine_options: Any,
) -> Engine:
    """An engine for `url` whose connections time out as above; `sqlite_pragmas` (e.g.
    "foreign_keys=ON") run on each new SQLite connection; other options go to SQLAlchemy."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if create_sqlite_folder and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout}, **engine_options)
        if sqlite_pragmas:

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                for pragma in sqlite_pragmas:
                    cursor.execute(f"PRAGMA {pragma}")
                cursor.close()

        return engine
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if parsed.get_backend_name() == "postgresql":
        milliseconds = round(statement_timeout * 1000)
        connect_args["options"] = f"-c statement_timeout={milliseconds}"
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(parsed, connect_args=connect_args, **engine_options)
