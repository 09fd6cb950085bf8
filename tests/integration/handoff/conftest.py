"""Handoff integration fixtures: a migrated database (SQLite and PostgreSQL), the fake
Zendesk and Slack servers, and the real zenpy/slack_sdk clients pointed at them.

PostgreSQL: a uniquely named database per test on HANDOFF_TEST_POSTGRES_URL (default the
local trust-auth server), dropped afterwards. Unreachable → skipped, unless CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from common.ci import in_ci
from handoff import migrations
from handoff.activity import AgentActivity
from handoff.chat import ChatRelay, ChatStore
from handoff.db import create_db_engine
from handoff.hours import BusinessHours
from handoff.models import Escalation
from handoff.outbox import EscalationContext, OutboxStore
from handoff.rasa_api import RasaClient
from handoff.responses import Responses
from handoff.rules import priority_for, tags_for
from handoff.transcript import Turn
from integrations.slack import SlackClient
from integrations.zendesk import ZendeskClient
from tests.fakes.rasa import FakeRasa
from tests.fakes.slack import FakeSlack
from tests.fakes.zendesk import FakeZendesk

POSTGRES_ADMIN_URL = os.environ.get(
    "HANDOFF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ZD_EMAIL, ZD_TOKEN = "bot@example.com", "zd-token"
SLACK_TOKEN, SLACK_CHANNEL = "xoxb-test", "#support"
RASA_TOKEN = "rasa-secret"
TZ = BusinessHours.parse("Mon-Fri 09:00-17:00", "Europe/Berlin").tz


def _postgres_database() -> Iterator[str]:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip("PostgreSQL not reachable")
    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as db:
        db.execute(sa.text(f'create database "{name}"'))
    try:
        yield (
            sa.engine.make_url(POSTGRES_ADMIN_URL)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handoff.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> OutboxStore:
    return OutboxStore(engine)


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(token=RASA_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def activity(engine: Engine) -> AgentActivity:
    """What agents do, as the handoff service records it (its chat messages, timeline)."""
    return AgentActivity(engine, helpdesk="zendesk", responses=Responses.load())


@pytest.fixture
def relay(engine: Engine, fake_rasa: FakeRasa, activity: AgentActivity) -> ChatRelay:
    """The chat relay, delivering into the fake Rasa's conversations."""
    chat_relay = ChatRelay(
        store=ChatStore(engine),
        rasa=RasaClient(base_url=fake_rasa.url, token=RASA_TOKEN, timeout=1.0),
        max_delay_seconds=0.2,
    )
    activity.wake = chat_relay.wake.set
    return chat_relay


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=SLACK_TOKEN, channels=(SLACK_CHANNEL,)).start()
    yield fake
    fake.stop()


@pytest.fixture
def zendesk_client(fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch) -> ZendeskClient:
    # zenpy builds https://{subdomain}.{domain}; "127" + "0.0.1:PORT" is 127.0.0.1:PORT.
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    return ZendeskClient(
        subdomain="127",
        domain=f"0.0.1:{fake_zendesk.port}",
        email=ZD_EMAIL,
        token=ZD_TOKEN,
        timeout=1.0,
    )


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> SlackClient:
    return SlackClient(token=SLACK_TOKEN, base_url=fake_slack.base_url, timeout=1.0)


CARD = "4111 1111 1111 1111"


def sample_turns(start: datetime | None = None) -> tuple[Turn, ...]:
    start = start or datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
    lines = [
        ("shopper", "where is my order 12345"),
        ("bot", "I found order 12345. It left our warehouse yesterday."),
        ("shopper", f"it never arrived and I paid with {CARD}, cvv 123"),
        ("bot", "Sorry to hear that. I'll pass you to a person."),
    ]
    return tuple(
        Turn(at=start + timedelta(seconds=10 * i), speaker=who, text=text)  # type: ignore[arg-type]
        for i, (who, text) in enumerate(lines)
    )


@pytest.fixture
def escalate() -> Any:
    """`escalate(store, **fields)` records an escalation the way action_escalate does."""
    return record_escalation


def record_escalation(
    store: OutboxStore,
    *,
    conversation_id: str = "conv-1",
    email: str = "shopper@example.com",
    reason: str = "requested",
    order_number: str | None = "12345",
    summary: str = "Parcel never arrived",
    **overrides: Any,
) -> Escalation:
    """Record an escalation the way action_escalate does (masking included)."""
    from handoff.masking import mask_sensitive

    turns = tuple(
        Turn(at=t.at, speaker=t.speaker, text=mask_sensitive(t.text)) for t in sample_turns()
    )

    def build(context: EscalationContext) -> Escalation:
        priority = priority_for(
            reason=reason,
            order_total=None,
            high_value_threshold=250,  # type: ignore[arg-type]
            repeat_contact=context.repeat_contact,
        )
        values: dict[str, Any] = {
            "conversation_id": conversation_id,
            "sequence": context.sequence,
            "reference": context.reference,
            "email": email,
            "summary": summary,
            "reason": reason,
            "intent": "order_status",
            "order_number": order_number,
            "verified": order_number is not None,
            "priority": priority,
            "tags": tags_for(
                reason=reason,
                intent="order_status",
                verified=order_number is not None,
                priority=priority,
                follows_up=context.previous_reference is not None,
            ),
            "turns": turns,
            "created_at": datetime.now(UTC),
            "previous_reference": context.previous_reference,
            "previous_ticket_id": context.previous_ticket_id,
        }
        values.update(overrides)
        return Escalation(**values)

    return store.record_escalation(
        conversation_id=conversation_id, email=email, build=build, order_number=order_number
    )
