"""End to end: self-service conversations over Rasa's REST channel with the real Rasa
server, action server and store (tests/support/stack.py). Returns, refusals, cancellation,
address change, refund status, policy answers, digressions and stopping."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import jwt
import pytest

from tests.support.stack import IDENTITY_SECRET, ShopdeskStack, buttons, texts

pytestmark = pytest.mark.e2e


def shopper() -> str:
    return f"e2e-ss-{uuid.uuid4().hex[:12]}"


def return_name(stack: ShopdeskStack, order_number: str) -> str:
    """How the backend names an order's returns: RMA-10002-1, or Shopify's #10002-R1."""
    return f"RMA-{order_number}-" if stack.backend == "reference" else f"#{order_number}-R"


def test_return_step_by_step_with_buttons(store_stack: ShopdeskStack) -> None:
    me = shopper()
    assert "order number" in texts(store_stack.say(me, "I want to return something")).lower()
    store_stack.say(me, "10002")
    lines = store_stack.say(me, "ben@example.com")
    # The final-sale sunglasses are not offered, and the shopper is told why.
    assert "final sale" in texts(lines)
    assert buttons(lines) == [
        '/inform{"return_line": "100021:1"}',  # one of the two tees
        '/inform{"return_line": "100021:2"}',
        '/inform{"return_line": "100022"}',
        '/inform{"return_line": "all"}',
    ]
    reasons = store_stack.say(me, '/inform{"return_line": "100022"}')
    assert "reason" in texts(reasons).lower()
    assert '/inform{"return_reason": "wrong_size"}' in buttons(reasons)
    summary = store_stack.say(me, '/inform{"return_reason": "wrong_size"}')
    assert "Selvedge Denim Jeans" in texts(summary)
    assert buttons(summary) == ["/affirm", "/deny"]
    done = texts(store_stack.say(me, "/affirm"))
    assert return_name(store_stack, "10002") in done
    if store_stack.backend == "reference":
        assert "/labels/RMA-10002-" in done
    else:  # Shopify sends the label once the store approves the request
        assert "is with the store" in done


def _run_action(shopdesk: ShopdeskStack, name: str, tracker: dict[str, Any]) -> dict[str, Any]:
    """Runs an action on the action server the way Rasa does (and re-does, on a retry)."""
    body = {
        "next_action": name,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }
    request = urllib.request.Request(
        f"{shopdesk.action_server_url}/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **shopdesk.action_server_headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_rerun_return_action_gives_the_same_rma(store_stack: ShopdeskStack) -> None:
    me = shopper()
    store_stack.say(me, "where is order 10010? it's jo@example.com")
    # Switching from order status to a return needs no second verification.
    asked = store_stack.say(me, "I want to return it")
    assert "order number" not in texts(asked).lower()
    assert "reason" in texts(asked).lower()  # the only returnable item is already chosen
    summary = texts(store_stack.say(me, "it's too small"))
    assert "Merino Crew Sweater" in summary and "wrong size" in summary

    tracker = store_stack.tracker(me)
    tracker["slots"]["return_confirmed"] = True
    first = _run_action(store_stack, "action_submit_return", tracker)
    retry = _run_action(store_stack, "action_submit_return", tracker)
    rma = first["responses"][0]["rma_number"]
    assert rma.startswith(return_name(store_stack, "10010"))
    assert retry["responses"][0]["rma_number"] == rma

    # The shopper's own "yes" runs the action once more: still the same return.
    assert rma in texts(store_stack.say(me, "yes"))


@pytest.mark.parametrize(
    ("message", "expected", "offered"),
    [
        ("I want to return order 10003, my email is cara@example.com", "30 days", "/human_agent"),
        (
            "I want to return order 10004, my email is dev@example.com",
            "already in a return",
            "/refund_status",
        ),
        (
            "I want to return order 10006, my email is finn@example.com",
            "was cancelled",
            "/refund_status",
        ),
        (
            "I want to return order 10023, my email is jo@example.com",
            "hasn't been delivered",
            "/order_status",
        ),
    ],
)
def test_refusals_name_the_rule_and_what_to_do(
    store_stack: ShopdeskStack, message: str, expected: str, offered: str
) -> None:
    me = shopper()
    reply = store_stack.say(me, message)
    assert expected in texts(reply)
    assert offered in buttons(reply)
    assert "/human_agent" in buttons(reply)
    assert store_stack.tracker(me)["slots"]["handoff_reason"] == "refusal_disputed"


def test_not_delivered_return_becomes_a_cancellation(store_stack: ShopdeskStack) -> None:
    me = shopper()
    refused = store_stack.say(me, "I want to return order 10011, my email is jo@example.com")
    assert "hasn't been delivered" in texts(refused)
    assert "/cancel_order" in buttons(refused)
    summary = store_stack.say(me, "/cancel_order")
    assert "order number" not in texts(summary).lower()
    assert "Shall I cancel" in texts(summary)
    done = texts(store_stack.say(me, "yes"))
    assert "order 10011 is cancelled" in done
    assert "refund" in done


def test_cancel_after_shipment_offers_a_return_or_a_person(store_stack: ShopdeskStack) -> None:
    reply = store_stack.say(shopper(), "please cancel order 10023, my email is jo@example.com")
    assert "can't be cancelled" in texts(reply)
    assert {"/start_return", "/human_agent"} <= set(buttons(reply))


def test_change_the_address_before_shipment(store_stack: ShopdeskStack) -> None:
    me = shopper()
    start = texts(
        store_stack.say(
            me, "I need to change the delivery address for order 10001, my email is ada@example.com"
        )
    )
    assert "1 Engine Row" in start  # the current address
    assert "street" in start
    assert "town or city" in texts(store_stack.say(me, "5 Park Row"))
    assert "postcode" in texts(store_stack.say(me, "Leeds")).lower()
    assert "doesn't look like a UK postcode" in texts(store_stack.say(me, "12345"))
    summary = texts(store_stack.say(me, "LS1 4AP"))
    assert "5 Park Row, Leeds LS1 4AP" in summary and "1 Engine Row" in summary
    done = texts(store_stack.say(me, "yes"))
    assert "will now be delivered to Ada Byron, 5 Park Row, Leeds LS1 4AP" in done


def test_policy_question_in_the_middle_of_a_return_then_stop(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    lines = shopdesk.say(me, "I want to return order 10009, my email is ivy@example.com")
    assert '/inform{"return_line": "all"}' in buttons(lines)
    policy = shopdesk.say(me, "what is your return policy?")
    assert "within 30 days of delivery" in texts(policy)
    # ... and the return carries on where it was.
    assert "Which item" in texts(policy)
    assert '/inform{"return_line": "all"}' in buttons(policy)
    shopdesk.say(me, '/inform{"return_line": "all"}')
    delivery = texts(shopdesk.say(me, "how much is express shipping?"))
    assert "Express delivery: £7.95" in delivery
    assert "reason" in delivery.lower()
    stopped = texts(shopdesk.say(me, "stop"))
    assert "stopped" in stopped
    assert shopdesk.tracker(me)["active_loop"] in ({}, None, {"name": None})


def test_refund_status(store_stack: ShopdeskStack) -> None:
    reply = texts(store_stack.say(shopper(), "where is my refund for order 10005? eve@example.com"))
    assert "£25.00" in reply and "being processed" in reply


def test_policy_answers_come_from_the_store(store_stack: ShopdeskStack) -> None:
    returns = texts(store_stack.say(shopper(), "what is your return policy?"))
    assert "within 30 days of delivery" in returns
    delivery = texts(store_stack.say(shopper(), "what delivery options do you have?"))
    assert "Standard delivery: £3.95, 3-5 working days" in delivery
    assert "£75.00" in delivery


def test_a_refused_shopper_can_ask_for_a_person(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    refused = shopdesk.say(me, "I want to return order 10003, my email is cara@example.com")
    assert "/human_agent" in buttons(refused)
    handoff = texts(shopdesk.say(me, "/human_agent"))
    assert "person" in handoff.lower()
    assert "Sorry, I didn't quite get that" not in handoff


def test_logged_in_shopper_is_not_asked_to_verify(shopdesk: ShopdeskStack) -> None:
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": "shopdesk-store",
            "sub": "jo",
            "email": "jo@example.com",
            "iat": now,
            "exp": now + 600,
        },
        IDENTITY_SECRET,
        algorithm="HS256",
    )
    reply = texts(
        shopdesk.say(
            shopper(), "where is my refund for order 10012?", metadata={"identity_token": token}
        )
    )
    assert "order number" not in reply.lower()
    assert "store credit" in reply and "issued" in reply
