"""Erasure on request (`forget`) and retention (`purge`) across every place Shopdesk keeps
conversation data.

Where (the same settings the profiles and processes use):

- Rasa's tracker store, table `events` (embedded: the SQLite file `RASA_TRACKER_DB`,
  default var/tracker.db; production: PostgreSQL database `RASA_DB_NAME` on `RASA_DB_HOST`);
- Rasa's SQL event broker, table `events` (`RASA_EVENTS_DB`, default var/rasa-events.db;
  production: `RASA_EVENTS_DB_NAME`);
- the handoff database (`HELPDESK_DATABASE_URL`): outbox, paused conversations, the built-in
  helpdesk's tickets and their comments, and any other table keyed by the conversation
  (a `sender_id`, `conversation_id` or `sender` column);
- the store database (`STORE_DATABASE_URL`): only its idempotency keys, by age (they are
  hashes of the conversation, not linkable to a sender; orders are the store's records);
- the processes' logs (`SHOPDESK_LOG_DIR`, default var/log, current and rotated files):
  `forget` removes every line naming the conversation, its ticket references or tickets,
  `purge` deletes rotated logs older than the period (common/logfiles.py).

A GDPR request names a shopper by email: `forget_email()` finds every conversation that
mentions the address (in the tracker store, the event broker, tickets and the outbox) and
forgets each.

Tickets in Zendesk are not touched: delete them in Zendesk (their `external_id` starts with
`shopdesk:<sender>:`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import Field, field_validator
from sqlalchemy.engine import Connection, Engine

from bot import paths
from bot.profiles import EMBEDDED, PRODUCTION, ProfileError, rasa_events_url
from common import db, logfiles
from common.settings import EnvSettings

SENDER_COLUMNS = ("sender_id", "conversation_id", "sender")
_BATCH = 1000


class DataStores(EnvSettings):
    """SQLAlchemy URLs of the databases that hold conversation data (None: not used), for
    the profile in `SHOPDESK_PROFILE`; only the database settings are needed (not the
    secrets the servers need), a missing one is named."""

    settings_error = ProfileError

    tracker_url: str | None
    events_url: str | None
    helpdesk_url: str | None = Field(
        "sqlite:///var/handoff.db", alias="HELPDESK_DATABASE_URL", validate_default=True
    )
    store_url: str | None = Field(
        "sqlite:///var/store.db", alias="STORE_DATABASE_URL", validate_default=True
    )

    # The processes' logs (current and rotated): the launcher's SHOPDESK_LOG_DIR.
    log_dir: Path = Field(paths.LOGS, alias="SHOPDESK_LOG_DIR")

    @field_validator("helpdesk_url", "store_url")
    @classmethod
    def _relative_to_root(cls, url: str | None) -> str | None:
        return _sqlite_from_root(url) if url else url

    @field_validator("log_dir")
    @classmethod
    def _log_dir_from_root(cls, path: Path) -> Path:
        return path if path.is_absolute() else paths.ROOT / path

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        profile = env.get("SHOPDESK_PROFILE", EMBEDDED)
        if profile == PRODUCTION:
            needed = ("RASA_DB_HOST", "RASA_DB_NAME", "RASA_EVENTS_DB_NAME", "RASA_DB_USER",
                      "HELPDESK_DATABASE_URL", "STORE_DATABASE_URL")
            missing = [name for name in needed if not env.get(name)]
            if missing:
                raise ProfileError("the production profile needs: " + ", ".join(missing))
            return {
                "tracker_url": rasa_events_url({**env, "RASA_EVENTS_DB_NAME": env["RASA_DB_NAME"]}),
                "events_url": rasa_events_url(env),
            }
        if profile != EMBEDDED:
            raise ProfileError(f"SHOPDESK_PROFILE must be embedded or production, got {profile!r}")
        tracker_file = env.get("RASA_TRACKER_DB") or str(paths.VAR / "tracker.db")
        events_file = env.get("RASA_EVENTS_DB") or str(paths.VAR / "rasa-events.db")
        return {
            "tracker_url": f"sqlite:///{_from_root(tracker_file)}",
            "events_url": f"sqlite:///{_from_root(events_file)}",
        }


def log_directory(env: Mapping[str, str]) -> Path:
    """Where the launcher writes the processes' logs: SHOPDESK_LOG_DIR, default var/log."""
    raw = env.get("SHOPDESK_LOG_DIR")
    return _from_root(raw) if raw else paths.LOGS


def _from_root(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else paths.ROOT / p


def _sqlite_from_root(url: str) -> str:
    """Relative SQLite paths are relative to the repository (where the launcher runs)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(parsed.set(database=str(_from_root(parsed.database))))
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


@dataclass
class Report:
    """Rows deleted per `database.table` (and databases that were not there)."""

    deleted: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def add(self, where: str, count: int) -> None:
        self.deleted[where] = self.deleted.get(where, 0) + count

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def lines(self) -> list[str]:
        out = [f"  {where}: {count} row(s)" for where, count in sorted(self.deleted.items())]
        out += [f"  {name}: not found (nothing to delete)" for name in self.missing]
        return out


@contextmanager
def _connect(url: str | None, name: str, report: Report) -> Iterator[Connection | None]:
    if not url:
        yield None
        return
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(
        parsed.database
    ).exists():
        report.missing.append(name)
        yield None
        return
    # SQLite waits up to 30 s for a running Rasa/handoff to finish its write.
    engine: Engine = db.make_engine(url, busy_timeout=30, create_sqlite_folder=False)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def _tables(connection: Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return dict(metadata.tables)


def forget(sender_id: str, stores: DataStores) -> Report:
    """Delete everything kept about the conversation `sender_id`, its log lines included."""
    report = Report()
    needles = [sender_id, *_handoff_names(sender_id, stores, report)]
    for name, url in (("tracker store", stores.tracker_url), ("event broker", stores.events_url),
                      ("handoff", stores.helpdesk_url)):
        with _connect(url, name, report) as connection:
            if connection is None:
                continue
            tables = _tables(connection)
            comments, tickets = tables.get("helpdesk_comments"), tables.get("helpdesk_tickets")
            if comments is not None and tickets is not None:
                ticket_ids = sa.select(tickets.c.id).where(tickets.c.conversation_id == sender_id)
                result = connection.execute(
                    comments.delete().where(comments.c.ticket_id.in_(ticket_ids))
                )
                report.add(f"{name}.helpdesk_comments", result.rowcount)
            for table in tables.values():
                column = next((table.c[c] for c in SENDER_COLUMNS if c in table.c), None)
                if column is None:
                    continue
                result = connection.execute(table.delete().where(column == sender_id))
                report.add(f"{name}.{table.name}", result.rowcount)
    if stores.log_dir is not None:
        for scrubbed in logfiles.scrub(stores.log_dir, needles):
            report.add(f"logs.{scrubbed.file.name}", scrubbed.lines)
    return report


def _handoff_names(sender_id: str, stores: DataStores, report: Report) -> list[str]:
    """How the logs name this conversation's handoffs: its references (SD-...) and tickets."""
    names: list[str] = []
    with _connect(stores.helpdesk_url, "handoff", Report()) as connection:
        if connection is None:
            return names
        tables = _tables(connection)
        if (tickets := tables.get("helpdesk_tickets")) is not None:
            for row in connection.execute(
                sa.select(tickets.c.id, tickets.c.reference).where(
                    tickets.c.conversation_id == sender_id
                )
            ):
                names += [row.reference, f"ticket {row.id} ", f"ticket #{row.id}"]
        if (conversations := tables.get("handoff_conversations")) is not None:
            for row in connection.execute(
                sa.select(conversations.c.reference, conversations.c.ticket_id).where(
                    conversations.c.conversation_id == sender_id
                )
            ):
                names.append(row.reference)
                if row.ticket_id:
                    names += [f"ticket {row.ticket_id} ", f"ticket {row.ticket_id}:"]
        if (outbox := tables.get("handoff_outbox")) is not None:
            for row in connection.execute(
                sa.select(outbox.c.id).where(outbox.c.conversation_id == sender_id)
            ):
                names += [f"outbox row {row.id} ", f"outbox row {row.id}:"]
    return names


def conversations_of(email: str, stores: DataStores) -> list[str]:
    """Every conversation id that mentions `email` (any letter case): in its events, as a
    ticket's requester, in a handoff or an outbox entry."""
    needle = email.strip().lower()
    found: set[str] = set()
    for name, url in (("tracker store", stores.tracker_url), ("event broker", stores.events_url),
                      ("handoff", stores.helpdesk_url)):
        with _connect(url, name, Report()) as connection:
            if connection is None:
                continue
            for table in _tables(connection).values():
                column = next((table.c[c] for c in SENDER_COLUMNS if c in table.c), None)
                if column is None:
                    continue
                texts = [c for c in table.c if c.name in _TEXT_COLUMNS]
                if not texts:
                    continue
                condition = sa.or_(
                    *(
                        sa.func.lower(sa.cast(c, sa.Text)).contains(needle, autoescape=True)
                        for c in texts
                    )
                )
                found.update(
                    str(value)
                    for value in connection.execute(
                        sa.select(column).where(condition).distinct()
                    ).scalars()
                )
    return sorted(found)


# Columns that can hold a shopper's email address (message JSON, requester, payload).
_TEXT_COLUMNS = frozenset({"data", "email", "requester_email", "payload"})


def forget_email(email: str, stores: DataStores) -> tuple[list[str], Report]:
    """Forget every conversation of the shopper with this email address."""
    senders = conversations_of(email, stores)
    report = Report()
    for sender in senders:
        for where, count in forget(sender, stores).deleted.items():
            report.add(where, count)
    return senders, report


def purge(days: int, stores: DataStores, *, now: datetime | None = None) -> Report:
    """Delete conversation data older than `days` days.

    Never drops an escalation that is still to be delivered (pending or parked outbox rows)
    or a ticket that is still open.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    report = Report()
    with _connect(stores.tracker_url, "tracker store", report) as connection:
        if connection is not None and (events := _tables(connection).get("events")) is not None:
            result = connection.execute(
                events.delete().where(events.c.timestamp < cutoff.timestamp())
            )
            report.add("tracker store.events", result.rowcount)
    with _connect(stores.events_url, "event broker", report) as connection:
        if connection is not None and (events := _tables(connection).get("events")) is not None:
            report.add("event broker.events", _purge_broker(connection, events, cutoff))
    with _connect(stores.helpdesk_url, "handoff", report) as connection:
        if connection is not None:
            _purge_handoff(connection, _tables(connection), cutoff, report)
    with _connect(stores.store_url, "store", report) as connection:
        keys = _tables(connection).get("idempotency_keys") if connection is not None else None
        if connection is not None and keys is not None:
            result = connection.execute(keys.delete().where(keys.c.created_at < _naive(cutoff)))
            report.add("store.idempotency_keys", result.rowcount)
    if stores.log_dir is not None and stores.log_dir.is_dir():
        expired = logfiles.expire(stores.log_dir, keep_days=days, today=now.date())
        if expired:
            report.add("logs.rotated files", len(expired))
    return report


def _purge_broker(connection: Connection, events: sa.Table, cutoff: datetime) -> int:
    """The broker keeps each event as JSON: its `timestamp` (epoch seconds) decides."""
    limit = cutoff.timestamp()
    deleted, last_id = 0, -1
    while True:
        rows = connection.execute(
            sa.select(events.c.id, events.c.data)
            .where(events.c.id > last_id)
            .order_by(events.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return deleted
        last_id = rows[-1].id
        old = [row.id for row in rows if _event_time(row.data) < limit]
        if old:
            deleted += connection.execute(events.delete().where(events.c.id.in_(old))).rowcount


def _event_time(data: str | None) -> float:
    try:
        value = json.loads(data or "{}").get("timestamp")
        return float(value) if value is not None else float("inf")
    except (ValueError, TypeError, AttributeError):
        return float("inf")  # unreadable: keep it rather than guess


def _purge_handoff(
    connection: Connection, tables: dict[str, sa.Table], cutoff: datetime, report: Report
) -> None:
    stamp = _naive(cutoff)
    tickets, comments = tables.get("helpdesk_tickets"), tables.get("helpdesk_comments")
    if tickets is not None:
        old = sa.select(tickets.c.id).where(
            tickets.c.status == "solved", tickets.c.updated_at < stamp
        )
        if comments is not None:
            result = connection.execute(comments.delete().where(comments.c.ticket_id.in_(old)))
            report.add("handoff.helpdesk_comments", result.rowcount)
        result = connection.execute(
            tickets.delete().where(tickets.c.status == "solved", tickets.c.updated_at < stamp)
        )
        report.add("handoff.helpdesk_tickets", result.rowcount)
    outbox = tables.get("handoff_outbox")
    if outbox is not None:
        result = connection.execute(
            outbox.delete().where(outbox.c.status == "done", outbox.c.updated_at < stamp)
        )
        report.add("handoff.handoff_outbox", result.rowcount)
    chat = tables.get("handoff_chat_messages")
    if chat is not None:  # messages delivered into the chat (kept there, in the tracker)
        result = connection.execute(
            chat.delete().where(chat.c.status == "done", chat.c.created_at < stamp)
        )
        report.add("handoff.handoff_chat_messages", result.rowcount)
    timeline = tables.get("handoff_ticket_events")
    if timeline is not None:
        result = connection.execute(timeline.delete().where(timeline.c.at < stamp))
        report.add("handoff.handoff_ticket_events", result.rowcount)
    conversations = tables.get("handoff_conversations")
    if conversations is not None:
        result = connection.execute(
            conversations.delete().where(
                conversations.c.state != "paused", conversations.c.paused_at < stamp
            )
        )
        report.add("handoff.handoff_conversations", result.rowcount)


def _naive(moment: datetime) -> datetime:
    """The handoff and store tables keep naive UTC datetimes."""
    return moment.astimezone(UTC).replace(tzinfo=None)
