"""The embedded default (built-in helpdesk + agent inbox page) and the Rasa actions that
write the outbox, against a real database."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap as order_bootstrap
from actions.handoff import ActionEscalate, ActionStartHandoff, ValidateHandoffForm
from actions.settings import ActionSettings
from actions.verification import make_proof
from handoff import bootstrap
from handoff.chat import ChatRelay
from handoff.db import create_db_engine, ticket_events
from handoff.notifiers import LogNotifier
from handoff.outbox import DONE, PAUSED, RESUMED, OutboxStore
from handoff.rasa_api import RasaClient
from handoff.settings import HandoffSettings
from handoff.web import create_app
from handoff.worker import DeliveryWorker
from tests.fakes.rasa import FakeRasa
from tests.support.inbox import post_form


@pytest.fixture
def services(database_url: str, engine: Any) -> Iterator[bootstrap.HandoffServices]:
    settings = HandoffSettings.from_env(
        {
            "HELPDESK_DATABASE_URL": database_url,
            "BUSINESS_HOURS": "Mon-Sun 00:00-23:59",
            "BUSINESS_TZ": "Europe/Berlin",
            "HELPDESK_PUBLIC_URL": "http://inbox.test",
        }
    )
    services = bootstrap.configure(settings)
    # The verification check and the order-total lookup of the actions; nothing listens on
    # port 9, so the store is "unavailable" and the total unknown.
    order_bootstrap.configure(
        ActionSettings(
            store_url="http://127.0.0.1:9",
            store_api_token=None,
            store_timeout=1.0,
            verification_secret=VERIFICATION_SECRET,
            identity_secret=None,
        )
    )
    yield services
    services.engine.dispose()
    bootstrap._services = None
    order_bootstrap._services = None


VERIFICATION_SECRET = b"handoff-test-verification-secret"
RASA_TOKEN = "rasa-secret"  # as in conftest.py (fake_rasa)


def proven(order_number: str, email: str, sender: str = "web-42") -> dict[str, str]:
    """Verified slots as the verification form sets them (with their HMAC proof)."""
    return {
        "verified_order_number": order_number,
        "verified_email": email,
        "verification_proof": make_proof(
            secret=VERIFICATION_SECRET, sender_id=sender, order_number=order_number, email=email
        ),
    }


def tracker(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    sender: str = "web-42",
) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {
                **latest.get("parse_data", {}),
                "text": latest.get("text"),
            },
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def user(text: str, intent: str, ts: float) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.95}, "entities": []},
    }


def bot(text: str, ts: float) -> dict[str, Any]:
    return {"event": "bot", "timestamp": ts, "text": text}


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


VERIFIED_EVENTS = [
    user("where is order 12345", "order_status", 1714989600.0),
    bot("I couldn't verify that order.", 1714989601.0),
    {
        "event": "slot",
        "timestamp": 1714989601.0,
        "name": "handoff_reason",
        "value": "verification_failed",
    },
    user("/human_agent", "human_agent", 1714989602.0),
]


def test_start_handoff_asks_only_for_what_is_missing(
    services: bootstrap.HandoffServices,
) -> None:
    verified = tracker(
        VERIFIED_EVENTS,
        {
            **proven("12345", "v@example.com"),
            "handoff_reason": "verification_failed",
        },
    )
    events, messages = run(ActionStartHandoff(), verified)
    assert [m["response"] for m in messages] == ["utter_handoff_start"]
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "handoff_reason",
            "value": "verification_failed",
        },
    ]
    # Email and summary known: the form has nothing to ask and completes at once.
    slots = asyncio.run(
        ValidateHandoffForm().required_slots([], CollectingDispatcher(), verified, {})
    )
    assert slots == []

    anonymous = tracker([user("I want a human", "human_agent", 1.0)])
    events, _ = run(ActionStartHandoff(), anonymous)
    assert events == [
        {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": "requested"}
    ]
    slots = asyncio.run(
        ValidateHandoffForm().required_slots([], CollectingDispatcher(), anonymous, {})
    )
    assert slots == ["handoff_email", "handoff_summary"]


def test_forged_verified_slots_are_not_trusted(services: bootstrap.HandoffServices) -> None:
    forged = tracker(
        [user("I want a human", "human_agent", 1.0), user("it's broken", "inform", 2.0)],
        {
            **proven("12345", "v@example.com"),
            "verification_proof": "0" * 64,
            "handoff_email": "me@example.com",
            "handoff_summary": "it's broken",
        },
    )
    slots = asyncio.run(
        ValidateHandoffForm().required_slots([], CollectingDispatcher(), forged, {})
    )
    assert slots == ["handoff_email", "handoff_summary"]
    run(ActionEscalate(), forged)
    (row,) = services.store.rows()
    assert row.payload["email"] == "me@example.com"
    assert row.payload["verified"] is False and row.payload["order_number"] is None


def test_start_handoff_takes_an_email_given_with_the_request(
    services: bootstrap.HandoffServices,
) -> None:
    request = user("please get someone to email me at Sam@Example.com", "human_agent", 1.0)
    request["parse_data"]["entities"] = [
        {"entity": "email", "value": "Sam@Example.com", "start": 34, "end": 49}
    ]
    events, _ = run(ActionStartHandoff(), tracker([request]))
    assert events[-1] == {
        "event": "slot",
        "timestamp": None,
        "name": "handoff_email",
        "value": "sam@example.com",
    }


def test_form_validation_uses_named_responses(
    services: bootstrap.HandoffServices,
) -> None:
    form, t, d = ValidateHandoffForm(), tracker([]), CollectingDispatcher()
    assert asyncio.run(form.validate_handoff_email("it's Jo@Example.com thanks", d, t, {})) == {
        "handoff_email": "jo@example.com"
    }
    assert asyncio.run(form.validate_handoff_email("no idea", d, t, {})) == {"handoff_email": None}
    assert asyncio.run(form.validate_handoff_summary("ok", d, t, {})) == {"handoff_summary": None}
    assert [m["response"] for m in d.messages] == [
        "utter_handoff_invalid_email",
        "utter_handoff_summary_too_short",
    ]


def test_escalate_writes_the_outbox_tells_the_reference_and_pauses(
    services: bootstrap.HandoffServices,
) -> None:
    t = tracker(
        [*VERIFIED_EVENTS, user("my password is hunter2", "inform", 1714989603.0)],
        {
            **proven("12345", "v@example.com"),
            "handoff_reason": "verification_failed",
            "task": "order_status",
        },
    )
    monday_morning = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    events, messages = run(ActionEscalate(clock=lambda: monday_morning), t)
    (row,) = services.store.rows()
    payload = row.payload
    reference = payload["reference"]
    assert messages[0]["response"] == "utter_handoff_done_open"
    assert messages[0]["reference"] == reference and messages[0]["email"] == "v@example.com"
    assert messages[0]["reply_within"] == 4 and messages[0]["chat_state"] == "with_team"
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "handoff_reference",
            "value": reference,
        },
        {"event": "slot", "timestamp": None, "name": "handoff_summary", "value": None},
        {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": None},
        {"event": "slot", "timestamp": None, "name": "handoff_offer_accepted", "value": None},
        {
            "event": "action",
            "timestamp": None,
            "name": "action_listen",
            "policy": None,
            "confidence": None,
        },
        {"event": "pause", "timestamp": None},
    ]
    assert row.idempotency_key == "shopdesk:web-42:1"
    assert payload["summary"] == "Shopper could not verify their order for order 12345"
    assert payload["reason"] == "verification_failed" and payload["verified"] is True
    assert payload["intent"] == "order_status"
    assert [turn["text"] for turn in payload["turns"]] == [
        "where is order 12345",
        "I couldn't verify that order.",
        "[clicked: human_agent]",
        "my password is [masked]",
    ]
    assert services.store.conversation("web-42").state == PAUSED


def test_builtin_helpdesk_and_agent_inbox(
    services: bootstrap.HandoffServices, fake_rasa: FakeRasa
) -> None:
    t = tracker(
        [
            user(
                "this is the third time my parcel is late, unacceptable",
                "complaint",
                1714989600.0,
            )
        ],
        {"handoff_email": "c@example.com"},
    )
    run(ActionEscalate(), t)
    assert services.builtin is not None
    worker = DeliveryWorker(
        store=services.store, helpdesk=services.helpdesk, notifier=LogNotifier()
    )
    worker.run_once()
    (row,) = services.store.rows()
    assert (
        row.status == DONE and row.ticket_url == f"http://inbox.test/inbox/tickets/{row.ticket_id}"
    )

    client = TestClient(create_app(services))
    health = client.get("/health").json()
    assert (
        health["status"] == "ok"
        and health["helpdesk"] == "builtin"
        and health["outbox"]["done"] == 1
    )
    page = client.get("/inbox").text
    assert row.payload["reference"] in page and "c@example.com" in page and "high" in page
    ticket_page = client.get(f"/inbox/tickets/{row.ticket_id}").text
    assert (
        "this is the third time my parcel is late" in ticket_page and "Mark solved" in ticket_page
    )
    assert client.get("/inbox/tickets/9999").status_code == 404
    (listed,) = client.get("/api/tickets", params={"conversation_id": "web-42"}).json()
    assert listed["reference"] == row.payload["reference"] and listed["priority"] == "high"
    assert client.get("/api/tickets", params={"conversation_id": "other"}).json() == []
    detail = client.get(f"/api/tickets/{row.ticket_id}").json()
    assert detail["status"] == "open"
    assert "this is the third time my parcel is late" in detail["comments"][0]["body"]
    assert client.get("/api/tickets/9999").status_code == 404

    # An agent answers (API, then the inbox's form) and takes the ticket.
    ticket_id = int(row.ticket_id or 0)
    api = client.post(
        f"/api/tickets/{ticket_id}/replies", json={"body": "Hi, Sam here.", "author": "Sam"}
    )
    assert api.status_code == 201
    assert api.json()["author_name"] == "Sam" and api.json()["public"] is True
    too_long = {"body": "x" * 4001, "author": "S"}
    for bad in ({"body": "  ", "author": "Sam"}, {"body": "x"}, too_long):
        assert client.post(f"/api/tickets/{ticket_id}/replies", json=bad).status_code == 422
    assert client.post(
        "/api/tickets/9999/replies", json={"body": "x", "author": "Sam"}
    ).status_code == 404
    page = f"/inbox/tickets/{ticket_id}"
    form = post_form(client, page=page, action=f"{page}/reply", follow_redirects=False,
                     fields={"author": "Sam", "body": "Found it, it ships today."})
    assert form.status_code == 303 and form.cookies.get("shopdesk_agent") == "Sam"
    # A form without its token, or from another site, changes nothing.
    assert client.post(f"{page}/reply", data={"author": "Eve", "body": "x"}).status_code == 403
    client.cookies.set("shopdesk_agent", "Sam")
    assigned = post_form(client, page=page, action=f"{page}/assign", follow_redirects=False,
                         fields={"assignee": "Sam"})
    assert assigned.status_code == 303
    mine = client.get("/inbox", params={"view": "mine"}).text
    assert row.payload["reference"] in mine and "Working as <b>Sam</b>" in mine
    assert row.payload["reference"] in client.get("/inbox", params={"q": "parcel is LATE"}).text
    assert row.payload["reference"] not in client.get("/inbox", params={"q": "sweater"}).text
    assert [t["id"] for t in client.get("/api/tickets", params={"q": "ships today"}).json()] == [
        ticket_id
    ]
    assert client.get("/api/tickets", params={"assignee": "Alex"}).json() == []

    solved = post_form(client, page=page, action=f"{page}/solve", follow_redirects=False)
    assert solved.status_code == 303
    assert services.helpdesk.ticket_status(row.ticket_id) == "solved"
    assert row.payload["reference"] in client.get("/inbox", params={"view": "solved"}).text
    assert row.payload["reference"] not in client.get("/inbox", params={"view": "mine"}).text

    # Each answer and the solve reach the shopper's chat, in order, once; the bot resumes.
    relay = ChatRelay(store=services.chat, rasa=RasaClient(base_url=fake_rasa.url,
                                                           token=RASA_TOKEN))
    assert relay.run_once() == 3
    assert relay.run_once() == 0
    appended = fake_rasa.appended["web-42"]
    assert [(e["event"], e.get("text")) for e in appended] == [
        ("bot", "Hi, Sam here."),
        ("bot", "Found it, it ships today."),
        ("resume", None),
        ("bot", f"Our team has marked your request {row.payload['reference']} as solved. "
                "I'm here again if you need anything else."),
    ]
    assert appended[0]["metadata"] == {
        "shopdesk_id": appended[0]["metadata"]["shopdesk_id"],
        "shopdesk_from": "agent",
        "shopdesk_author": "Sam",
        "chat_state": "with_team",
    }
    assert services.store.conversation("web-42").state == RESUMED
    assert services.store.conversation("web-42").resume_reason == "ticket_solved"
    with services.engine.connect() as db:
        timeline = db.execute(
            sa.select(ticket_events.c.kind, ticket_events.c.source, ticket_events.c.actor)
            .where(ticket_events.c.conversation_id == "web-42")
            .order_by(ticket_events.c.id)
        ).all()
    assert [tuple(r) for r in timeline] == [
        ("escalated", "bot", None),
        ("agent_reply", "api", "Sam"),
        ("agent_reply", "inbox", "Sam"),
        ("claimed", "inbox", "Sam"),
        ("solved", "inbox", "Sam"),
    ]
    assert "Deliveries" in client.get("/outbox").text


def test_store_failure_is_told_without_backend_text(
    services: bootstrap.HandoffServices,
) -> None:
    unreachable = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    bootstrap._services = dataclasses.replace(services, store=OutboxStore(unreachable))
    t = tracker(
        [user("human please", "human_agent", time.time())],
        {"handoff_email": "a@example.com", "handoff_summary": "Need help"},
    )
    events, messages = run(ActionEscalate(), t)
    assert events == [] and [m["response"] for m in messages] == ["utter_handoff_failed"]
