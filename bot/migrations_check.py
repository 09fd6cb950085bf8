"""`python -m bot wait-migrated`: wait until every database is migrated, then exit 0.

On Kubernetes the migrate Job and the application pods are applied together; each
application pod runs this as an init container, so a process never starts on a schema that
is missing or old (deploy/k8s). Migrated means: the store's and the handoff's Alembic
revisions are at their heads, and Rasa's `events` tables exist in the tracker and the
event broker databases (created by `python -m bot.rasa_schema`, the Job's last step).

Reads `STORE_DATABASE_URL`, `HELPDESK_DATABASE_URL` and `RASA_DB_*` once, at start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.profiles import rasa_events_url
from common import db

CONNECT_TIMEOUT_SECONDS = 5


def _engine(url: str) -> Engine:
    """common.db's engine: connect and statement timeouts, `postgresql://` read with psycopg."""
    return db.make_engine(url, connect_timeout=CONNECT_TIMEOUT_SECONDS, create_sqlite_folder=False)


def _alembic_current(engine: Engine, config: object) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def _store_current(url: str) -> bool:
    from store.migrate import alembic_config

    engine = _engine(url)
    try:
        return _alembic_current(engine, alembic_config(engine))
    finally:
        engine.dispose()


def _handoff_current(url: str) -> bool:
    from handoff import migrations

    engine = _engine(url)
    try:
        return migrations.is_current(engine)
    finally:
        engine.dispose()


def _has_events_table(url: str) -> bool:
    engine = _engine(url)
    try:
        return inspect(engine).has_table("events")
    finally:
        engine.dispose()


def checks(env: Mapping[str, str]) -> dict[str, Callable[[], bool]]:
    """What must be migrated, by name (a missing setting is named by a KeyError)."""
    events_url = rasa_events_url(env)
    tracker_url = events_url.rsplit("/", 1)[0] + "/" + env["RASA_DB_NAME"]
    return {
        "store": lambda: _store_current(env["STORE_DATABASE_URL"]),
        "handoff": lambda: _handoff_current(env["HELPDESK_DATABASE_URL"]),
        "rasa tracker store": lambda: _has_events_table(tracker_url),
        "rasa event broker": lambda: _has_events_table(events_url),
    }


def pending(named_checks: Mapping[str, Callable[[], bool]]) -> list[str]:
    """The names whose check fails (an unreachable database counts as not migrated)."""
    waiting = []
    for name, check in named_checks.items():
        try:
            done = check()
        except SQLAlchemyError:
            done = False
        if not done:
            waiting.append(name)
    return waiting


def wait(
    named_checks: Mapping[str, Callable[[], bool]],
    *,
    timeout: float,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> bool:
    """True once nothing is pending; False if something still is after `timeout` seconds."""
    deadline = clock() + timeout
    while True:
        waiting = pending(named_checks)
        if not waiting:
            log("every database is migrated")
            return True
        if clock() >= deadline:
            log(f"still not migrated after {timeout:g} s: {', '.join(waiting)}")
            return False
        log(f"waiting for migrations: {', '.join(waiting)}")
        sleep(interval)
