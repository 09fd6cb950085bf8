"""`forget` and `purge` against real databases: SQLite files as the embedded profile keeps
them, and PostgreSQL databases as the production profile does (created per test).

Rasa's tables are created here with Rasa 3.6's own schema (SQLTrackerStore's and
SQLEventBroker's `events`); the end-to-end tests run the same commands against tables the
real Rasa server created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import paths
from bot.erasure import DataStores, forget, forget_email, purge
from handoff import migrations
from handoff.db import (
    chat_messages,
    comments,
    conversations,
    create_db_engine,
    outbox,
    ticket_events,
    tickets,
)
from tests.conftest import require_service

POSTGRES_ADMIN_URL = os.environ.get(
    "PRIVACY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)

rasa_metadata = sa.MetaData()
tracker_events = sa.Table(  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent
    "events", rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
broker_metadata = sa.MetaData()
broker_events = sa.Table(  # rasa.core.brokers.sql.SQLEventBroker.SQLBrokerEvent
    "events", broker_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("data", sa.Text),
)


def _postgres_databases(names: list[str]) -> Iterator[dict[str, str]]:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(sa.text("select 1"))
    except sa.exc.OperationalError:
        admin.dispose()
        require_service(False, "PostgreSQL")
    suffix = uuid.uuid4().hex[:10]
    created = {name: f"privacy_{name}_{suffix}" for name in names}
    with admin.connect() as db:
        for database in created.values():
            db.execute(sa.text(f'create database "{database}"'))
    try:
        yield created
    finally:
        with admin.connect() as db:
            for database in created.values():
                db.execute(sa.text(f'drop database if exists "{database}" with (force)'))
        admin.dispose()


@pytest.fixture(params=["embedded-sqlite", "production-postgresql"])
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment a store would run `python -m bot forget/purge` with."""
    if request.param == "embedded-sqlite":
        yield {
            "SHOPDESK_PROFILE": "embedded",
            "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
            "RASA_EVENTS_DB": str(tmp_path / "rasa-events.db"),
            "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
            "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
            "SHOPDESK_LOG_DIR": str(tmp_path / "log"),
        }
        return
    admin = sa.engine.make_url(POSTGRES_ADMIN_URL)
    for names in _postgres_databases(["tracker", "events", "handoff", "store"]):
        url = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        base = url.rsplit("/", 1)[0]
        yield {
            "SHOPDESK_PROFILE": "production",
            "RASA_DB_HOST": admin.host or "127.0.0.1",
            "RASA_DB_PORT": str(admin.port or 5432),
            "RASA_DB_USER": admin.username or "postgres",
            "RASA_DB_PASSWORD": admin.password or "",
            "RASA_DB_NAME": names["tracker"],
            "RASA_EVENTS_DB_NAME": names["events"],
            "HELPDESK_DATABASE_URL": f"{base}/{names['handoff']}",
            "STORE_DATABASE_URL": f"{base}/{names['store']}",
            "SHOPDESK_LOG_DIR": str(tmp_path / "log"),
        }


def fill(stores: DataStores, *, senders: dict[str, datetime]) -> None:
    """Each sender gets tracker and broker events, an escalation, a ticket with a comment."""
    engines = {
        "tracker": create_db_engine(stores.tracker_url or ""),
        "events": create_db_engine(stores.events_url or ""),
        "handoff": create_db_engine(stores.helpdesk_url or ""),
    }
    rasa_metadata.create_all(engines["tracker"])
    broker_metadata.create_all(engines["events"])
    migrations.upgrade(engines["handoff"])
    store_engine = create_db_engine(stores.store_url or "")
    with store_engine.begin() as db:
        db.execute(sa.text(
            "create table idempotency_keys (key varchar(200) primary key, operation varchar(40),"
            " order_id integer, request_hash varchar(64), created_at timestamp)"
        ))
        for key, at in (("old", OLD), ("new", NOW)):
            db.execute(
                sa.text("insert into idempotency_keys values (:k, 'cancel', 1, 'h', :at)"),
                {"k": key, "at": at.replace(tzinfo=None)},
            )
    for n, (sender, at) in enumerate(senders.items()):
        email = f"{sender}@example.com"
        event = {"event": "user", "text": f"hi, I am {email}", "timestamp": at.timestamp()}
        with engines["tracker"].begin() as db:
            db.execute(tracker_events.insert(), [
                {"sender_id": sender, "type_name": "user", "timestamp": at.timestamp(),
                 "data": json.dumps(event)},
                {"sender_id": sender, "type_name": "action", "timestamp": at.timestamp() + 1,
                 "action_name": "utter_greet", "data": "{}"},
            ])
        with engines["events"].begin() as db:
            db.execute(broker_events.insert(), {"sender_id": sender, "data": json.dumps(event)})
        with engines["handoff"].begin() as db:
            db.execute(outbox.insert(), {
                "idempotency_key": f"shopdesk:{sender}:1", "conversation_id": sender,
                "kind": "escalation", "payload": {"email": email}, "status": "done",
                "stage": "done", "attempts": 1, "next_attempt_at": at, "created_at": at,
                "updated_at": at,
            })
            db.execute(conversations.insert(), {
                "conversation_id": sender, "reference": f"SD-{n:06d}", "email": email,
                "state": "resumed", "escalations": 1, "paused_at": at, "resumed_at": at,
            })
            ticket_id = db.execute(tickets.insert(), {
                "external_id": f"shopdesk:{sender}:1", "reference": f"SD-{n:06d}",
                "conversation_id": sender, "requester_email": email, "subject": "help",
                "status": "solved", "priority": "normal", "tags": [], "created_at": at,
                "updated_at": at,
            }).inserted_primary_key[0]
            db.execute(comments.insert(), {
                "ticket_id": ticket_id, "author": "shopper", "public": True,
                "body": f"Shopper: hi, I am {email}", "created_at": at,
            })
            db.execute(chat_messages.insert(), {
                "conversation_id": sender, "idempotency_key": f"reply:{sender}", "kind": "reply",
                "author": "Sam", "body": f"Hi {email}, Sam here", "resume": False,
                "status": "done", "attempts": 0, "next_attempt_at": at, "created_at": at,
                "delivered_at": at,
            })
            db.execute(ticket_events.insert(), {
                "conversation_id": sender, "reference": f"SD-{n:06d}", "ticket_id": "1",
                "helpdesk": "builtin", "kind": "solved", "source": "inbox", "at": at,
            })
    for engine in (*engines.values(), store_engine):
        engine.dispose()


def mentions(stores: DataStores, needle: str) -> list[str]:
    """`db.table` of every row, in every table of every database, that mentions `needle`."""
    found = []
    for name, url in (("tracker", stores.tracker_url), ("events", stores.events_url),
                      ("handoff", stores.helpdesk_url), ("store", stores.store_url)):
        engine = create_db_engine(url or "")
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as db:
            for table in metadata.tables.values():
                if any(needle in repr(row) for row in db.execute(sa.select(table))):
                    found.append(f"{name}.{table.name}")
        engine.dispose()
    return found


def test_forget_erases_one_shopper_everywhere(environment: dict[str, str]) -> None:
    stores = DataStores.from_env(environment)
    fill(stores, senders={"ann-1": NOW, "bob-2": NOW})
    assert len(mentions(stores, "ann-1")) == 8  # every conversation table has her

    report = forget("ann-1", stores)

    assert report.deleted == {
        "tracker store.events": 2,
        "event broker.events": 1,
        "handoff.helpdesk_comments": 1,
        "handoff.helpdesk_tickets": 1,
        "handoff.handoff_outbox": 1,
        "handoff.handoff_conversations": 1,
        "handoff.handoff_chat_messages": 1,
        "handoff.handoff_ticket_events": 1,
    }
    assert mentions(stores, "ann-1") == []  # her id and her email alike
    assert len(mentions(stores, "bob-2")) == 8  # nobody else's


def test_purge_keeps_what_is_within_the_retention_period(environment: dict[str, str]) -> None:
    stores = DataStores.from_env(environment)
    fill(stores, senders={"old-1": OLD, "new-2": NOW - timedelta(days=1)})

    report = purge(30, stores, now=NOW)

    assert report.deleted == {
        "tracker store.events": 2,
        "event broker.events": 1,
        "handoff.helpdesk_comments": 1,
        "handoff.helpdesk_tickets": 1,
        "handoff.handoff_outbox": 1,
        "handoff.handoff_conversations": 1,
        "handoff.handoff_chat_messages": 1,
        "handoff.handoff_ticket_events": 1,
        "store.idempotency_keys": 1,
    }
    assert mentions(stores, "old-1") == []
    assert len(mentions(stores, "new-2")) == 8


def test_purge_never_drops_an_escalation_still_to_be_delivered(tmp_path: Path) -> None:
    stores = DataStores(tracker_url=None, events_url=None,
                        helpdesk_url=f"sqlite:///{tmp_path / 'h.db'}", store_url=None)
    engine = create_db_engine(stores.helpdesk_url or "")
    migrations.upgrade(engine)
    with engine.begin() as db:
        for status in ("pending", "parked", "done"):
            db.execute(outbox.insert(), {
                "idempotency_key": status, "conversation_id": "c", "kind": "escalation",
                "payload": {}, "status": status, "stage": "helpdesk", "attempts": 0,
                "next_attempt_at": OLD, "created_at": OLD, "updated_at": OLD,
            })
    purge(1, stores, now=NOW)
    with engine.connect() as db:
        left = sorted(r.status for r in db.execute(sa.select(outbox.c.status)))
    engine.dispose()
    assert left == ["parked", "pending"]


def test_the_commands_print_counts_and_refuse_bad_arguments(tmp_path: Path) -> None:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SHOPDESK_PROFILE": "embedded",
           "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
           "RASA_EVENTS_DB": str(tmp_path / "rasa-events.db"),
           "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
           "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
           "SHOPDESK_LOG_DIR": str(tmp_path / "log")}
    fill(DataStores.from_env(env), senders={"cat-3": NOW})

    def bot(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=paths.ROOT,
                              env={**env, **extra}, capture_output=True, text=True, timeout=60)

    forgot = bot("forget", "--sender", "cat-3")
    assert forgot.returncode == 0, forgot.stderr
    assert "forgot conversation 'cat-3': 9 row(s) deleted" in forgot.stdout
    assert "tracker store.events: 2 row(s)" in forgot.stdout
    assert bot("purge", "--days", "-1").returncode == 2
    assert bot("forget", "--sender", " ").returncode == 2
    by_email = bot("forget", "--email", "nobody@example.com")
    assert by_email.returncode == 0 and "forgot 0 conversation(s)" in by_email.stdout
    assert bot("forget", "--email", "not-an-address").returncode == 2
    missing = bot("purge", "--days", "30", SHOPDESK_PROFILE="production")
    assert missing.returncode == 2 and "RASA_DB_HOST" in missing.stderr


def test_forget_by_email_erases_every_conversation_of_that_shopper(
    environment: dict[str, str],
) -> None:
    stores = DataStores.from_env(environment)
    fill(stores, senders={"ann-1": NOW, "bob-2": NOW})
    # Another conversation in which she only typed her address (in other letter case).
    event = {"event": "user", "text": "it's ANN-1@Example.com", "timestamp": NOW.timestamp()}
    with create_db_engine(stores.tracker_url or "").begin() as db:
        db.execute(sa.text("insert into events (sender_id, type_name, timestamp, data) "
                           "values ('web-77', 'user', :t, :d)"),
                   {"t": NOW.timestamp(), "d": json.dumps(event)})

    bobs = mentions(stores, "bob-2")

    senders, report = forget_email("ann-1@example.com", stores)

    assert senders == ["ann-1", "web-77"]
    assert report.deleted["tracker store.events"] == 3
    assert mentions(stores, "ann-1") == []  # her conversations, tickets, outbox rows
    assert mentions(stores, "web-77") == []
    assert mentions(stores, "bob-2") == bobs  # nobody else's
    assert forget_email("ann-1@example.com", stores)[0] == []


def test_forget_removes_the_shoppers_lines_from_every_log(environment: dict[str, str]) -> None:
    stores = DataStores.from_env(environment)
    fill(stores, senders={"ann-1": NOW, "bob-2": NOW})
    assert stores.log_dir is not None
    stores.log_dir.mkdir()
    handoff_log = stores.log_dir / "handoff.log"
    handoff_log.write_text(
        "handoff alert (Slack not configured): [normal] Handoff SD-000000: my parcel never "
        "came ([email])\n"
        "handoff SD-000001: ticket 2 (builtin)\n"
        "rest channel: handling a message failed (sender ann-1)\n"
        "worker started\n"
    )
    rotated = stores.log_dir / "rasa.log.2026-05-31"
    rotated.write_text("conversation ann-1 restarted\nconversation bob-2 restarted\n")

    report = forget("ann-1", stores)

    assert handoff_log.read_text() == (
        "handoff SD-000001: ticket 2 (builtin)\nworker started\n"
    )
    assert rotated.read_text() == "conversation bob-2 restarted\n"
    assert report.deleted["logs.handoff.log"] == 2
    assert report.deleted["logs.rasa.log.2026-05-31"] == 1


def test_purge_deletes_logs_older_than_the_period(environment: dict[str, str]) -> None:
    stores = DataStores.from_env(environment)
    assert stores.log_dir is not None
    stores.log_dir.mkdir()
    old = stores.log_dir / f"handoff.log.{(NOW - timedelta(days=31)).date().isoformat()}"
    kept = stores.log_dir / f"handoff.log.{(NOW - timedelta(days=29)).date().isoformat()}"
    current = stores.log_dir / "handoff.log"
    for path in (old, kept, current):
        path.write_text("a line\n")
    report = purge(30, stores, now=NOW)
    assert not old.exists() and kept.exists() and current.exists()
    assert report.deleted["logs.rotated files"] == 1
