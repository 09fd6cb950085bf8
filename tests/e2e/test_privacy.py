"""End to end: personal data through the whole stack (Rasa, action server, store, handoff).

A shopper shares a card number, its security code and a password, then asks for a person:
the number appears nowhere (tracker store rows, event broker rows, every process's log file,
the outbox, the ticket in the built-in helpdesk and in a fake Zendesk) and the shopper was
warned. Then `python -m bot forget` erases the conversation from every table, and
`python -m bot purge` deletes what is older than the retention period.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import paths
from tests.e2e.test_handoff import eventually, reference_in
from tests.fakes.zendesk import FakeZendesk
from tests.support.stack import ShopdeskStack, start_stack, texts

pytestmark = pytest.mark.e2e

CARD = "4111 1111 1111 1111"
SECOND_CARD = "5500-0000-0000-0004"
PASSWORD = "hunter2secret"
SECRETS = ("4111111111111111", "5500000000000004", PASSWORD, "cvv 123")


@pytest.fixture(scope="module")
def zendesk_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    tuple[ShopdeskStack, FakeZendesk]
]:
    """A stack of its own whose handoff delivers to a fake Zendesk, logging at DEBUG level
    (so Rasa and the action server log the messages they handle)."""
    fake = FakeZendesk(email="bot@example.com", token="zd-token").start()
    workdir = tmp_path_factory.mktemp("privacy")
    stack = start_stack(
        workdir,
        extra_env={
            # zenpy builds https://{subdomain}.{domain}: "127" + "0.0.1:PORT" is the fake.
            "ZENDESK_SUBDOMAIN": "127",
            "ZENDESK_DOMAIN": f"0.0.1:{fake.port}",
            "ZENDESK_EMAIL": "bot@example.com",
            "ZENDESK_TOKEN": "zd-token",
            "ZENPY_FORCE_SCHEME": "http",
            "LOG_LEVEL": "DEBUG",
        },
    )
    try:
        yield stack, fake
    finally:
        stack.stack.stop()
        fake.stop()


def databases(stack: ShopdeskStack) -> dict[str, Path]:
    return {
        name: stack.workdir / f"{name}.db"
        for name in ("tracker", "rasa-events", "handoff", "store")
    }


def dump(path: Path) -> dict[str, str]:
    """Every row of every table of a SQLite database, as text per table."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: "\n".join(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def logs(stack: ShopdeskStack) -> dict[str, str]:
    return {p.name: p.read_text(errors="replace") for p in stack.stack.log_dir.glob("*.log")}


def assert_no_secrets(where: str, text: str) -> None:
    flat = re.sub(r"[\s-]", "", text)  # spaced, dashed or JSON-escaped forms alike
    for secret in SECRETS:
        assert secret.replace(" ", "") not in flat.replace(" ", ""), f"{secret!r} in {where}"


def share_secrets_then_escalate(stack: ShopdeskStack, me: str, email: str) -> str:
    """The conversation; returns the ticket reference."""
    warned = texts(stack.say(me, f"hi, my card {CARD} was charged twice, cvv 123"))
    assert "never share card numbers" in warned
    assert "hidden the card number and security code" in warned
    asked = texts(stack.say(me, "can i speak to someone"))
    assert "which email address" in asked.lower()
    assert "in one line" in texts(stack.say(me, email)).lower()
    done = stack.say(me, f"charged twice, my password is {PASSWORD}")
    assert "never share" in texts(done)
    reference = reference_in(done)
    # With a person now: a follow-up goes to the ticket, masked; the warning still comes.
    later = stack.say(me, f"the other card was {SECOND_CARD}")
    assert [r["text"] for r in later if "never share" in r.get("text", "")]
    return reference


def assert_stored_nowhere(stack: ShopdeskStack) -> None:
    for name, path in databases(stack).items():
        for table, rows in dump(path).items():
            assert_no_secrets(f"{name}.db table {table}", rows)
    for name, text in logs(stack).items():
        assert_no_secrets(f"log {name}", text)


def test_card_password_and_cvv_are_stored_nowhere_builtin_helpdesk(
    shopdesk: ShopdeskStack,
) -> None:
    me = f"e2e-pii-{uuid.uuid4().hex[:10]}"
    email = f"{me}@example.com"
    reference = share_secrets_then_escalate(shopdesk, me, email)

    def ticket_with_follow_up() -> str | None:
        with sqlite3.connect(shopdesk.workdir / "handoff.db") as db:
            bodies = [r[0] for r in db.execute(
                "SELECT c.body FROM helpdesk_comments c JOIN helpdesk_tickets t "
                "ON c.ticket_id = t.id WHERE t.reference = ?", (reference,))]
        joined = "\n".join(bodies)
        return joined if "ending 0004" in joined else None

    body = eventually(ticket_with_follow_up, what="the ticket and its follow-up comment")
    assert "[card number ending 1111]" in body and "cvv [masked]" in body
    assert "password is [masked]" in body
    assert email in body or email in dump(shopdesk.workdir / "handoff.db")["helpdesk_tickets"]
    assert_stored_nowhere(shopdesk)


def test_card_is_stored_nowhere_with_zendesk_and_logs_hide_contact_details(
    zendesk_stack: tuple[ShopdeskStack, FakeZendesk],
) -> None:
    stack, zendesk = zendesk_stack
    me = f"e2e-pii-{uuid.uuid4().hex[:10]}"
    email = f"{me}@example.com"
    share_secrets_then_escalate(stack, me, email)

    def delivered() -> list[dict[str, object]] | None:
        with zendesk.lock:
            comments = [c for t in zendesk.tickets.values() for c in t.comments]
        return comments if any("ending 0004" in str(c) for c in comments) else None

    comments = eventually(delivered, what="the Zendesk ticket and the follow-up comment")
    assert "[card number ending 1111]" in str(comments)
    with zendesk.lock:
        sent = json.dumps([r.body for r in zendesk.requests], default=str)
    assert_no_secrets("requests to Zendesk", sent)
    assert email in sent  # the agent needs it: the requester
    assert_stored_nowhere(stack)

    # Logs: every process wrote some, at DEBUG level, and none shows the email.
    written = logs(stack)
    assert {"store.log", "actions.log", "rasa.log", "handoff.log"} <= set(written)
    for name, text in written.items():
        assert email not in text, f"{email} in {name}"
    assert "[email]" in written["rasa.log"]  # Rasa logged the message, masked


def run_bot(stack: ShopdeskStack, *args: str) -> str:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_TRACKER_DB": str(stack.workdir / "tracker.db"),
        "RASA_EVENTS_DB": str(stack.workdir / "rasa-events.db"),
        "HELPDESK_DATABASE_URL": stack.store_env["HELPDESK_DATABASE_URL"],
        "STORE_DATABASE_URL": stack.store_env["STORE_DATABASE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=paths.ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def mentions(stack: ShopdeskStack, *needles: str) -> list[str]:
    """`db.table` names whose rows mention any of `needles`."""
    return [
        f"{name}.{table}"
        for name, path in databases(stack).items()
        for table, rows in dump(path).items()
        if any(n in rows for n in needles)
    ]


def poller_read_all_of(stack: ShopdeskStack, sender: str) -> bool:
    """Whether the handoff's follow-up poller has read the event broker past every event of
    `sender` (its cursor in the handoff database)."""
    with closing(sqlite3.connect(databases(stack)["rasa-events"])) as db:
        (last,) = db.execute("SELECT max(id) FROM events WHERE sender_id = ?", (sender,)).fetchone()
    with closing(sqlite3.connect(databases(stack)["handoff"])) as db:
        cursor = db.execute(
            "SELECT position FROM handoff_cursors WHERE name = 'rasa_event_broker'"
        ).fetchone()
    return last is not None and cursor is not None and cursor[0] >= last


def test_forget_erases_the_shopper_everywhere_and_nobody_else(
    zendesk_stack: tuple[ShopdeskStack, FakeZendesk],
) -> None:
    stack, _ = zendesk_stack
    me, other = (f"e2e-forget-{uuid.uuid4().hex[:10]}" for _ in range(2))
    email = f"{me}@example.com"
    share_secrets_then_escalate(stack, me, email)
    stack.say(other, "where is order 10023? it's jo@example.com")
    eventually(
        lambda: "rasa-events.events" in mentions(stack, me)
        and "handoff.handoff_outbox" in mentions(stack, me),
        what="the conversation in the broker and the outbox",
    )
    # The follow-up poller has read every event of the conversation: nothing of it comes
    # back into the outbox after the erasure.
    eventually(lambda: poller_read_all_of(stack, me), what="the follow-up poller done with it")

    output = run_bot(stack, "forget", "--sender", me)
    assert f"forgot conversation '{me}'" in output
    assert re.search(r"tracker store\.events: [1-9]\d* row", output)
    assert re.search(r"event broker\.events: [1-9]\d* row", output)
    assert re.search(r"handoff\.handoff_outbox: [1-9]\d* row", output)

    assert mentions(stack, me, email) == []
    assert "tracker.events" in mentions(stack, other)  # nobody else's conversation
    assert "rasa-events.events" in mentions(stack, other)
    assert "/order_status" in json.dumps(stack.say(me, "hi"))  # a fresh start for them


def test_purge_deletes_what_is_older_than_the_retention_period(
    zendesk_stack: tuple[ShopdeskStack, FakeZendesk],
) -> None:
    stack, _ = zendesk_stack
    old, recent = (f"e2e-purge-{uuid.uuid4().hex[:10]}" for _ in range(2))
    stack.say(old, "hi")
    stack.say(recent, "hi")
    eventually(lambda: "rasa-events.events" in mentions(stack, old), what="the broker rows")
    # Make one conversation 40 days old, as if it had happened then.
    shift = timedelta(days=40).total_seconds()
    with sqlite3.connect(stack.workdir / "tracker.db") as db:
        db.execute("UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ?", (shift, old))
    with sqlite3.connect(stack.workdir / "rasa-events.db") as db:
        for row_id, data in db.execute("SELECT id, data FROM events WHERE sender_id = ?", (old,)):
            event = json.loads(data)
            event["timestamp"] -= shift
            db.execute("UPDATE events SET data = ? WHERE id = ?", (json.dumps(event), row_id))
    stale_key = datetime.now(UTC) - timedelta(days=40)
    with sqlite3.connect(stack.workdir / "store.db") as db:
        db.execute(
            "INSERT INTO idempotency_keys (key, operation, order_id, request_hash, created_at) "
            "VALUES ('old-key', 'cancel', 1, 'x', ?)",
            (stale_key.replace(tzinfo=None).isoformat(sep=" "),),
        )

    output = run_bot(stack, "purge", "--days", "30")
    assert re.search(r"tracker store\.events: [1-9]\d* row", output), output
    assert "store.idempotency_keys: 1 row" in output
    assert mentions(stack, old) == []
    assert {"tracker.events", "rasa-events.events"} <= set(mentions(stack, recent))
