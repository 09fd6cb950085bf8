"""End to end: handing a conversation to a person, over Rasa's REST channel, with the real
Rasa server, action server, store and handoff process (built-in helpdesk: no Zendesk
credentials in the test stack). The tickets are read back through the handoff process's
own HTTP API, as the agent inbox page shows them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from contextlib import closing
from typing import Any

import httpx
import pytest

from tests.support.inbox import post_form
from tests.support.stack import ShopdeskStack, buttons, texts
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"\bSD-[A-Z0-9]{6}\b")


def shopper() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def reference_in(replies: list[dict[str, Any]]) -> str:
    found = REFERENCE.search(texts(replies))
    assert found, f"no reference in {texts(replies)!r}"
    return found.group(0)


def ticket_of(shopdesk: ShopdeskStack, sender: str) -> dict[str, Any]:
    """The conversation's ticket in the built-in helpdesk, once the worker has opened it."""

    def find() -> dict[str, Any] | None:
        response = httpx.get(
            f"{shopdesk.helpdesk_url}/api/tickets",
            params={"conversation_id": sender},
            auth=shopdesk.helpdesk_auth,
            timeout=10,
        )
        response.raise_for_status()
        tickets = response.json()
        assert len(tickets) <= 1, tickets
        return tickets[0] if tickets else None

    ticket = eventually(find, what=f"the ticket of {sender}")
    return ticket_detail(shopdesk, ticket["id"])


def ticket_detail(shopdesk: ShopdeskStack, ticket_id: int) -> dict[str, Any]:
    response = httpx.get(
        f"{shopdesk.helpdesk_url}/api/tickets/{ticket_id}", auth=shopdesk.helpdesk_auth, timeout=10
    )
    response.raise_for_status()
    return response.json()


def follow_ups_read_past(shopdesk: ShopdeskStack, sender: str, text: str) -> bool:
    """Whether the handoff's follow-up poller has read the event broker past `sender`'s
    message `text` (its cursor, in the handoff database, is at or after that event)."""
    with closing(sqlite3.connect(shopdesk.workdir / "rasa-events.db")) as db:
        rows = db.execute("SELECT id, data FROM events WHERE sender_id = ?", (sender,))
        ids = [i for i, data in rows
               if json.loads(data).get("event") == "user" and json.loads(data).get("text") == text]
    with closing(sqlite3.connect(shopdesk.workdir / "handoff.db")) as db:
        cursor = db.execute(
            "SELECT position FROM handoff_cursors WHERE name = 'rasa_event_broker'"
        ).fetchone()
    return bool(ids) and cursor is not None and cursor[0] >= max(ids)


def comment_bodies(shopdesk: ShopdeskStack, ticket_id: int) -> list[str]:
    return [c["body"] for c in ticket_detail(shopdesk, ticket_id)["comments"]]


def test_verified_shopper_gets_a_person_and_the_bot_steps_back_until_solved(
    shopdesk: ShopdeskStack,
) -> None:
    me = shopper()
    status = texts(shopdesk.say(me, "where is order 10023? it's jo@example.com"))
    assert "UPS" in status

    asked = texts(shopdesk.say(me, "I want to talk to a person"))
    assert "pass you to a person" in asked
    assert "in one line" in asked.lower()
    assert "email address" not in asked.lower()  # known from the verified order

    done = shopdesk.say(me, "The parcel must arrive before Saturday, it's a birthday present")
    reference = reference_in(done)
    assert "jo@example.com" in texts(done)

    ticket = ticket_of(shopdesk, me)
    assert ticket["reference"] == reference
    assert ticket["requester_email"] == "jo@example.com"
    assert ticket["requester_name"] == "Jo Rivera"  # the verified customer's name
    assert ticket["order_number"] == "10023"
    assert ticket["status"] == "open"
    # What the conversation was about, not what the typed summary sounds like.
    assert {"reason_requested", "verified", "intent_order_status"} <= set(ticket["tags"])
    assert ticket["priority"] == "normal"
    body = ticket["comments"][0]["body"]
    assert "Summary: The parcel must arrive before Saturday" in body
    assert "Contact: Jo Rivera <jo@example.com>" in body
    assert re.search(r"^  Status: shipped, total [\d.]+ GBP, placed \d{4}-\d\d-\d\d$", body,
                     re.MULTILINE), body
    assert "  Item: " in body and "  Shipment: UPS 1Z999AA10123456784: in transit" in body
    assert "Shopper: where is order 10023?" in body  # the transcript, masked where needed
    assert "Assistant:" in body and "UPS" in body
    page = httpx.get(
        f"{shopdesk.helpdesk_url}/inbox/tickets/{ticket['id']}",
        auth=shopdesk.helpdesk_auth,
        timeout=10,
    ).text
    assert reference in page and "Mark solved" in page

    # With a person now: the bot stays quiet and the messages land on the ticket.
    assert shopdesk.say(me, "Also, can you leave it with the neighbour at number 12?") == []
    assert shopdesk.tracker(me)["paused"] is True
    eventually(
        lambda: any(
            "leave it with the neighbour" in b for b in comment_bodies(shopdesk, ticket["id"])
        ),
        what="the follow-up comment",
    )

    # An agent answers from the inbox: the answer is in the conversation, from them.
    replied = httpx.post(
        f"{shopdesk.helpdesk_url}/api/tickets/{ticket['id']}/replies",
        json={"body": "Hi Jo, Sam here. It will arrive on Friday.", "author": "Sam"},
        auth=shopdesk.helpdesk_auth,
        timeout=10,
    )
    assert replied.status_code == 201
    agent_says = eventually(
        lambda: [e for e in shopdesk.tracker(me)["events"]
                 if e["event"] == "bot" and e.get("text", "").startswith("Hi Jo, Sam here")],
        what="the agent's reply in the conversation",
    )
    assert len(agent_says) == 1
    assert agent_says[0]["metadata"]["shopdesk_from"] == "agent"
    assert agent_says[0]["metadata"]["shopdesk_author"] == "Sam"
    assert shopdesk.tracker(me)["paused"] is True  # still with the team

    # The agent solves the ticket in the inbox: the shopper is told, the bot answers again.
    with httpx.Client(
        base_url=shopdesk.helpdesk_url, auth=shopdesk.helpdesk_auth, timeout=10
    ) as inbox:
        solved = post_form(
            inbox,
            page=f"/inbox/tickets/{ticket['id']}",
            action=f"/inbox/tickets/{ticket['id']}/solve",
            follow_redirects=True,
        )
    assert solved.status_code == 200 and "Solved" in solved.text
    eventually(lambda: not shopdesk.tracker(me)["paused"], what="the conversation to resume")
    told = [e["text"] for e in shopdesk.tracker(me)["events"] if e["event"] == "bot"]
    assert told[-1] == (
        f"Our team has marked your request {reference} as solved. "
        "I'm here again if you need anything else."
    )
    assert "/order_status" in buttons(shopdesk.say(me, "hi"))


def test_unverified_shopper_is_asked_for_an_email_and_a_summary(
    shopdesk: ShopdeskStack,
) -> None:
    me = shopper()
    email = f"{me}@example.com"
    asked_email = texts(shopdesk.say(me, "can i speak to someone"))
    assert "pass you to a person" in asked_email
    assert "which email address" in asked_email.lower()

    hint = texts(shopdesk.say(me, "sam at example dot com"))
    assert "doesn't look like an email address" in hint

    asked_summary = texts(shopdesk.say(me, f"ok, it's {email}"))
    assert "in one line" in asked_summary.lower()

    done = shopdesk.say(me, "I was sent the wrong colour of the wool sweater")
    reference = reference_in(done)
    assert email in texts(done)

    ticket = ticket_of(shopdesk, me)
    assert ticket["reference"] == reference
    assert ticket["requester_email"] == email
    assert ticket["priority"] == "normal"
    assert ticket["order_number"] is None
    assert {"reason_requested", "unverified"} <= set(ticket["tags"])
    assert "wrong colour of the wool sweater" in ticket["subject"]
    assert f"Shopper: ok, it's {email}" in ticket["comments"][0]["body"]

    # Paused: nothing back. /restart starts over, and the handoff lets go of it.
    assert shopdesk.say(me, "hello?") == []
    shopdesk.say(me, "/restart")
    assert shopdesk.tracker(me)["paused"] is False
    assert "/order_status" in buttons(shopdesk.say(me, "hi"))
    eventually(
        lambda: any("hello?" in b for b in comment_bodies(shopdesk, ticket["id"])),
        what="the message sent while paused on the ticket",
    )
    # A message after the restart is the bot's again, never a ticket comment: once the
    # follow-up poller has read past it, it was not copied.
    eventually(lambda: follow_ups_read_past(shopdesk, me, "hi"),
               what="the follow-up poller reading past the message after the restart")
    assert not any("Shopper (chat): hi" in b for b in comment_bodies(shopdesk, ticket["id"]))


def test_complaint_escalates_with_high_priority(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    email = f"{me}@example.com"
    asked = texts(
        shopdesk.say(me, "the courier threw my parcel over the fence and i want to complain")
    )
    assert "I'm sorry about that" in asked
    assert "which email address" in asked.lower()
    assert "in one line" not in asked.lower()

    done = shopdesk.say(me, email)
    reference = reference_in(done)
    assert "in one line" not in texts(done).lower()  # the complaint is the summary

    ticket = ticket_of(shopdesk, me)
    assert ticket["reference"] == reference
    assert ticket["priority"] == "high"
    assert {"reason_complaint", "priority_high"} <= set(ticket["tags"])
    assert "courier threw my parcel over the fence" in ticket["subject"]


def test_three_failed_verifications_then_a_person(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    email = f"{me}@example.com"
    shopdesk.say(me, "where is my order")
    last: list[dict[str, Any]] = []
    for attempt in range(3):
        shopdesk.say(me, "10023")
        last = shopdesk.say(me, f"wrong{attempt}@example.com")
    assert "/human_agent" in buttons(last)

    asked = texts(shopdesk.say(me, "/human_agent"))
    assert "which email address" in asked.lower()  # never one that failed verification
    assert "in one line" not in asked.lower()  # the reason says what is wrong

    done = shopdesk.say(me, email)
    reference = reference_in(done)

    ticket = ticket_of(shopdesk, me)
    assert ticket["reference"] == reference
    assert ticket["requester_email"] == email
    assert {"reason_verification_failed", "unverified"} <= set(ticket["tags"])
    body = ticket["comments"][0]["body"]
    assert "Reason: order verification failed" in body
    assert "Shopper: [clicked: human_agent]" in body
    assert "Shopper: wrong2@example.com" in body


def test_asking_for_a_person_in_the_middle_of_verification(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    email = f"{me}@example.com"
    assert "order number" in texts(shopdesk.say(me, "where is my order")).lower()

    asked = texts(shopdesk.say(me, "can i speak to someone"))
    assert "pass you to a person" in asked
    assert "which email address" in asked.lower()
    assert "order number" not in asked.lower()  # verification is left, not resumed

    assert "in one line" in texts(shopdesk.say(me, email)).lower()
    reference = reference_in(shopdesk.say(me, "I can't find my order confirmation"))
    assert not (shopdesk.tracker(me).get("active_loop") or {}).get("name")
    assert ticket_of(shopdesk, me)["reference"] == reference


def test_a_high_value_order_escalates_with_high_priority(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "where is order 10009? it's ivy@example.com")  # £1,131 espresso order
    shopdesk.say(me, "let me speak to a person")
    done = shopdesk.say(me, "The espresso machine leaks water from the bottom")
    reference_in(done)

    ticket = ticket_of(shopdesk, me)
    assert ticket["order_number"] == "10009"
    assert ticket["priority"] == "high"
    assert {"reason_requested", "verified", "priority_high"} <= set(ticket["tags"])


def test_a_new_rasa_session_does_not_end_the_pause(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "the courier threw my parcel over the fence and i want to complain")
    reference_in(shopdesk.say(me, f"{me}@example.com"))
    assert shopdesk.tracker(me)["paused"] is True
    # An hour of silence: the shopper's last message is older than the session expiry.
    earlier = {"intent": {"name": "inform", "confidence": 1.0}, "entities": [], "text": "earlier"}
    shopdesk.append_events(me, [{"event": "user", "text": "earlier", "parse_data": earlier,
                                 "timestamp": time.time() - 2 * 3600}])
    assert shopdesk.say(me, "hello? anyone?") == []
    tracker = shopdesk.tracker(me)
    assert tracker["paused"] is True
    names = [e.get("name") for e in tracker["events"] if e["event"] == "action"]
    assert "action_session_start" in names
    assert tracker["slots"]["handoff_reference"]  # the reference survives the new session


def test_typed_yes_accepts_the_offer_of_a_person(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "where is my order")
    last: list[dict[str, Any]] = []
    for attempt in range(3):
        shopdesk.say(me, "10023")
        last = shopdesk.say(me, f"wrong{attempt}@example.com")
    assert "/human_agent" in buttons(last)
    asked = texts(shopdesk.say(me, "yes please"))
    assert "pass you to a person" in asked and "which email address" in asked.lower()
    reference_in(shopdesk.say(me, f"{me}@example.com"))
    ticket = ticket_of(shopdesk, me)
    assert {"reason_verification_failed", "intent_order_status"} <= set(ticket["tags"])
    # A typed yes to nothing in particular is answered, not escalated.
    other = shopper()
    shopdesk.say(other, "hi")
    assert "anything else" in texts(shopdesk.say(other, "yes")).lower()


def test_a_typed_dispute_of_a_refusal_goes_to_a_person(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    refused = shopdesk.say(me, "I want to return order 10003, my email is cara@example.com")
    assert "/human_agent" in buttons(refused)
    asked = texts(shopdesk.say(me, "that's not fair, I disagree"))
    assert "pass" in asked and "Have a lovely day" not in asked
    ticket = ticket_of(shopdesk, me)
    assert {"reason_refusal_disputed", "verified", "intent_start_return"} <= set(ticket["tags"])
    body = ticket["comments"][0]["body"]
    assert "  Returns: " in body and "not returnable" in body
