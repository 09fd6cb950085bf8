"""Agents answering from Zendesk: their public comments reach the shopper's chat exactly once
(by the signed webhook, or by polling within a request budget that honours Retry-After),
a solve hands the chat back to the bot, and nothing of Shopdesk's own shows up twice.

Real zenpy against the fake Zendesk, the real handoff web app (FastAPI's test client), the
real chat relay against a fake Rasa HTTP API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from handoff import bootstrap
from handoff.bootstrap import HandoffServices
from handoff.chat import ChatRelay
from handoff.followups import BrokerEventSource, FollowUpPoller
from handoff.helpdesks import ZendeskHelpdesk
from handoff.outbox import PAUSED, RESUMED
from handoff.rasa_api import RasaClient
from handoff.settings import HandoffSettings
from handoff.web import create_app
from handoff.worker import DeliveryWorker, RetryPolicy
from handoff.zendesk_sync import RequestBudget, ZendeskSync
from integrations.zendesk import ZendeskClient
from tests.fakes.rasa import BrokerTable, FakeRasa
from tests.fakes.server import Fault
from tests.fakes.zendesk import FakeZendesk

WEBHOOK_SECRET = "zendesk-webhook-secret-for-tests"
RASA_TOKEN = "rasa-secret"  # as conftest.py's fake_rasa
UTC_TZ = ZoneInfo("UTC")


@pytest.fixture
def services(
    database_url: str, engine: Any, fake_zendesk: FakeZendesk, fake_rasa: FakeRasa,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HandoffServices]:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    settings = HandoffSettings.from_env(
        {
            "HELPDESK_DATABASE_URL": database_url,
            "ZENDESK_SUBDOMAIN": "127",
            "ZENDESK_DOMAIN": f"0.0.1:{fake_zendesk.port}",
            "ZENDESK_EMAIL": "bot@example.com",
            "ZENDESK_TOKEN": "zd-token",
            "ZENDESK_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ZENDESK_GROUP_ID": "360000111",
            "ZENDESK_BRAND_ID": "360000222",
            "HANDOFF_ZENDESK_REQUESTS_PER_MINUTE": "20",
            "RASA_URL": fake_rasa.url,
            "RASA_TOKEN": RASA_TOKEN,
        }
    )
    built = bootstrap.build_services(settings)
    yield built
    built.engine.dispose()


def deliver(services: HandoffServices) -> None:
    worker = DeliveryWorker(
        store=services.store, helpdesk=services.helpdesk, notifier=services.notifier,
        policy=RetryPolicy(base_seconds=0.05, max_attempts=3), activity=services.activity,
    )
    deadline = time.monotonic() + 10
    while services.store.counts()["pending"] and time.monotonic() < deadline:
        worker.run_once()


def relay_all(services: HandoffServices) -> None:
    while services.relay.run_once():
        pass


def signed(
    body: bytes, *, secret: str = WEBHOOK_SECRET, sent: datetime | None = None
) -> dict[str, str]:
    timestamp = (sent or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def chat_lines(
    fake_rasa: FakeRasa, conversation_id: str
) -> list[tuple[str, str | None, str | None]]:
    """What reached the conversation: (event, who, text)."""
    return [
        (e["event"], (e.get("metadata") or {}).get("shopdesk_author"), e.get("text"))
        for e in fake_rasa.appended.get(conversation_id, [])
    ]


def test_webhook_relays_each_agent_comment_once_and_a_solve_resumes(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk, fake_rasa: FakeRasa,
    broker_table: BrokerTable,
) -> None:
    escalation = escalate(services.store)
    deliver(services)
    ticket_id = int(services.store.conversation("conv-1").ticket_id or 0)
    ticket = fake_zendesk.tickets[ticket_id]
    assert (ticket.group_id, ticket.brand_id) == (360000111, 360000222)
    # The shopper writes while waiting: a public comment as the requester, never relayed.
    broker_table.user("conv-1", "any news?", timestamp=time.time() + 1)
    FollowUpPoller(
        store=services.store, source=BrokerEventSource(broker_table.engine),
        activity=services.activity,
    ).poll_once()
    deliver(services)
    sam = fake_zendesk.add_agent("Sam Agent", "sam@shop.example")
    fake_zendesk.agent_reply(ticket_id, "Internal: check the warehouse", agent_id=sam, public=False)
    fake_zendesk.agent_reply(ticket_id, "Hi, it's Sam. Your parcel left today.", agent_id=sam)
    client = TestClient(create_app(services))
    body = json.dumps({"ticket_id": str(ticket_id)}).encode()
    headers = signed(body)

    assert client.post("/webhooks/zendesk", content=body, headers=headers).json() == {
        "status": "ok"
    }
    # The same request again (a replay, or Zendesk retrying it): nothing is relayed twice.
    assert client.post("/webhooks/zendesk", content=body, headers=headers).status_code == 200
    relay_all(services)
    assert chat_lines(fake_rasa, "conv-1") == [
        ("bot", None, f"Added to your request {escalation.reference}. Our team will answer you "
                      "here."),
        ("bot", "Sam Agent", "Hi, it's Sam. Your parcel left today."),
    ]
    # A second change of the ticket: only what is new is relayed.
    fake_zendesk.agent_reply(ticket_id, "Tracking: 1Z999", agent_id=sam)
    fake_zendesk.solve(ticket_id)
    again = json.dumps({"ticket_id": str(ticket_id)}).encode()
    assert client.post("/webhooks/zendesk", content=again, headers=signed(again)).status_code == 200
    relay_all(services)
    assert chat_lines(fake_rasa, "conv-1")[2:] == [
        ("bot", "Sam Agent", "Tracking: 1Z999"),
        ("resume", None, None),
        ("bot", None, f"Our team has marked your request {escalation.reference} as solved. "
                      "I'm here again if you need anything else."),
    ]
    assert services.store.conversation("conv-1").state == RESUMED
    # A ticket that is no handoff's is acknowledged and ignored.
    other = json.dumps({"ticket_id": "424242"}).encode()
    assert client.post("/webhooks/zendesk", content=other, headers=signed(other)).json() == {
        "status": "ignored"
    }


def test_webhook_refuses_bad_stale_and_malformed_requests(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk
) -> None:
    escalate(services.store)
    deliver(services)
    ticket_id = services.store.conversation("conv-1").ticket_id
    sam = fake_zendesk.add_agent("Sam Agent", "sam@shop.example")
    fake_zendesk.agent_reply(int(ticket_id or 0), "Hello", agent_id=sam)
    client = TestClient(create_app(services))
    body = json.dumps({"ticket_id": ticket_id}).encode()
    reads_before = len(fake_zendesk.requests)
    refused = [
        signed(body, secret="not-the-secret"),
        signed(body, sent=datetime.now(UTC) - timedelta(minutes=6)),
        {**signed(body), "X-Zendesk-Webhook-Signature": "AAAA"},
        {"Content-Type": "application/json"},
    ]
    for headers in refused:
        response = client.post("/webhooks/zendesk", content=body, headers=headers)
        assert response.status_code == 401, headers
    tampered = json.dumps({"ticket_id": "1"}).encode()
    response = client.post("/webhooks/zendesk", content=tampered, headers=signed(body))
    assert response.status_code == 401
    assert len(fake_zendesk.requests) == reads_before  # Zendesk was never read for them
    for bad in (b"not json", b'{"ticket_id": "12; drop"}', b"[]"):
        assert client.post("/webhooks/zendesk", content=bad, headers=signed(bad)).status_code == 400
    huge = b'{"ticket_id": "1", "x": "' + b"a" * 70_000 + b'"}'
    assert client.post("/webhooks/zendesk", content=huge, headers=signed(huge)).status_code == 413
    assert services.chat.messages("conv-1") == []


def budgeted_sync(
    services: HandoffServices, fake_zendesk: FakeZendesk, *, per_minute: int, clock: list[float]
) -> ZendeskSync:
    """The poller as the handoff service builds it: its own client within its own budget."""
    budget = RequestBudget(per_minute, clock=lambda: clock[0])
    client = ZendeskClient(
        subdomain="127", domain=f"0.0.1:{fake_zendesk.port}", email="bot@example.com",
        token="zd-token", timeout=1.0, request_budget=budget.spend,
    )
    return ZendeskSync(store=services.store, helpdesk=ZendeskHelpdesk(client, tz=UTC_TZ),
                       activity=services.activity, budget=budget)


def test_polling_reads_changed_tickets_within_the_budget_and_waits_out_a_429(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk
) -> None:
    for n in range(5):
        escalate(services.store, conversation_id=f"c{n}", email=f"s{n}@example.com")
    deliver(services)
    sam = fake_zendesk.add_agent("Sam Agent", "sam@shop.example")
    for n in range(5):
        ticket_id = int(services.store.conversation(f"c{n}").ticket_id or 0)
        fake_zendesk.agent_reply(ticket_id, f"answer {n}", agent_id=sam)
    clock = [1000.0]
    sync = budgeted_sync(services, fake_zendesk, per_minute=5, clock=clock)
    fake_zendesk.requests.clear()

    # One request reads every open ticket; the rest of the minute's 5 read the comments of
    # changed tickets (and, once each, the API user and the agent): 2 tickets this round.
    assert sync.poll_once() == 2
    calls = [(r.method, r.path) for r in fake_zendesk.requests]
    assert len(calls) == 5 and calls[0] == ("GET", "/api/v2/tickets/show_many.json")
    assert sum(len(services.chat.messages(f"c{n}")) for n in range(5)) == 2
    fake_zendesk.requests.clear()
    assert sync.poll_once() == 0
    assert fake_zendesk.requests == []  # the minute's budget is spent: nothing is sent

    # Zendesk answers 429: nothing is asked until Retry-After has passed.
    fresh = budgeted_sync(services, fake_zendesk, per_minute=100, clock=clock)
    fake_zendesk.add_fault(Fault(method="GET", path_contains="show_many", status=429,
                                 retry_after=30, times=1))
    assert fresh.poll_once() == 0
    assert len(fake_zendesk.requests) == 1
    clock[0] += 29
    assert fresh.poll_once() == 0
    assert len(fake_zendesk.requests) == 1
    clock[0] += 2
    assert fresh.poll_once() == 5
    relayed = [m.body for n in range(5) for m in services.chat.messages(f"c{n}")]
    assert sorted(relayed) == [f"answer {n}" for n in range(5)]
    # Nothing new since: one request for every open ticket, no comments read.
    fake_zendesk.requests.clear()
    fresh.poll_once()
    assert [(r.method, r.path) for r in fake_zendesk.requests] == [
        ("GET", "/api/v2/tickets/show_many.json")
    ]


def test_the_requester_keeps_their_name_and_public_comments_carry_no_marker(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk,
    broker_table: BrokerTable,
) -> None:
    fake_zendesk.users[5] = {"id": 5, "email": "jo@example.com", "name": "Jo Rivera",
                             "role": "end-user"}
    escalate(services.store, email="jo@example.com")
    deliver(services)
    broker_table.user("conv-1", "it was a gift", timestamp=time.time() + 1)
    FollowUpPoller(store=services.store, source=BrokerEventSource(broker_table.engine)).poll_once()
    deliver(services)
    assert fake_zendesk.calls("POST", "/api/v2/users/create_or_update.json") == []
    assert fake_zendesk.users[5]["name"] == "Jo Rivera"
    (ticket,) = fake_zendesk.tickets.values()
    assert ticket.requester_id == 5
    public = [c for c in ticket.comments if c["public"]]
    assert [c["author_id"] for c in public] == [5]
    assert "it was a gift" in public[0]["body"] and "(ref" not in public[0]["body"]
    assert all("shopdesk:" not in c["body"] for c in ticket.comments)
    # A new shopper gets the verified name Shopdesk knows.
    escalate(services.store, conversation_id="c2", email="new@example.com", name="Ada Lovelace")
    deliver(services)
    (created,) = fake_zendesk.calls("POST", "/api/v2/users/create_or_update.json")
    assert created.body == {"user": {"email": "new@example.com", "name": "Ada Lovelace"}}


def test_a_request_after_solved_is_a_new_ticket_that_links_the_earlier_one(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk
) -> None:
    first = escalate(services.store)
    deliver(services)
    first_ticket = services.store.conversation("conv-1").ticket_id
    services.activity.solved(conversation_id="conv-1", source="zendesk", key="test:solved")
    second = escalate(services.store, summary="It broke again")
    deliver(services)
    assert second.reference != first.reference
    assert second.previous_reference == first.reference
    conversation = services.store.conversation("conv-1")
    assert conversation.state == PAUSED and conversation.reference == second.reference
    new_ticket = fake_zendesk.tickets[int(conversation.ticket_id or 0)]
    assert str(new_ticket.id) != first_ticket
    assert "follow_up" in new_ticket.tags
    assert f"Follows up: {first.reference} (ticket #{first_ticket}, solved)" in (
        new_ticket.comments[0]["body"]
    )


def test_a_refused_escalation_is_told_honestly_the_team_alerted_and_the_bot_resumed(
    services: HandoffServices, escalate: Any, fake_zendesk: FakeZendesk, fake_rasa: FakeRasa
) -> None:
    escalate(services.store)
    fake_zendesk.add_fault(Fault(method="POST", path_contains="/tickets.json", status=422,
                                 body={"error": "RecordInvalid"}, times=1))
    deliver(services)
    (row,) = services.store.rows(status="parked")
    assert "HTTP 422" in (row.last_error or "")
    relay_all(services)
    assert chat_lines(fake_rasa, "conv-1") == [
        ("resume", None, None),
        ("bot", None, "I'm sorry — I couldn't get your request to our team, so nobody has it "
                      "yet. I've alerted the people who look after this chat. Please try again "
                      "a little later, or I can still help you with orders, returns and "
                      "refunds here."),
    ]
    assert services.store.conversation("conv-1").resume_reason == "parked"
    page = TestClient(create_app(services)).get("/inbox").text
    assert "1 escalation(s) could not be delivered" in page


@pytest.fixture
def broker_table(tmp_path: Any) -> BrokerTable:
    from handoff.db import create_db_engine

    return BrokerTable(create_db_engine(f"sqlite:///{tmp_path / 'rasa_events.db'}"))


def test_first_message_of_each_burst_is_acknowledged(
    services: HandoffServices, escalate: Any, broker_table: BrokerTable
) -> None:
    escalation = escalate(services.store)
    deliver(services)
    poller = FollowUpPoller(
        store=services.store, source=BrokerEventSource(broker_table.engine),
        activity=services.activity, ack_quiet=timedelta(minutes=2),
    )
    now = time.time()
    for offset, text in ((1, "hello?"), (5, "are you there"), (40, "it's urgent")):
        broker_table.user("conv-1", text, timestamp=now + offset)
    poller.poll_once()
    broker_table.user("conv-1", "after a long pause", timestamp=now + 40 + 121)
    poller.poll_once()
    acks = [m for m in services.chat.messages("conv-1") if m.kind == "ack"]
    assert [m.body for m in acks] == [
        f"Added to your request {escalation.reference}. Our team will answer you here."
    ] * 2
    assert len(services.store.rows(status="pending")) == 4  # every message on the ticket


def test_relay_never_sends_a_message_twice_when_rasa_answered_late(
    services: HandoffServices, escalate: Any, fake_rasa: FakeRasa
) -> None:
    escalate(services.store)
    services.activity.reply(conversation_id="conv-1", body="Sam here", author="Sam",
                            source="api", key="test:reply")
    # Rasa appends the message but answers after the relay's timeout.
    fake_rasa.add_fault(Fault(method="POST", stall_after_handling=1.5, times=1))
    relay = ChatRelay(store=services.chat, rasa=RasaClient(base_url=fake_rasa.url,
                                                           token=RASA_TOKEN, timeout=0.5))
    relay.run_once()
    (message,) = services.chat.messages("conv-1")
    assert message.status == "pending" and message.attempts == 1
    deadline = time.monotonic() + 10
    while services.chat.messages("conv-1")[0].status != "done" and time.monotonic() < deadline:
        relay.run_once()
        time.sleep(0.1)
    assert [line for line in chat_lines(fake_rasa, "conv-1") if line[0] == "bot"] == [
        ("bot", "Sam", "Sam here")
    ]
