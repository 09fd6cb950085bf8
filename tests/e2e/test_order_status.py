"""End to end: conversations over Rasa's REST channel with the real Rasa server, action
server and store (see tests/support/stack.py). These are the README's example conversations.
"""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tests.support.stack import IDENTITY_SECRET, ShopdeskStack, buttons, texts

pytestmark = pytest.mark.e2e

TRACKING_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"


def shopper() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def test_order_status_step_by_step(store_stack: ShopdeskStack) -> None:
    me = shopper()
    assert "/order_status" in buttons(store_stack.say(me, "hi"))

    asked_number = texts(store_stack.say(me, "where is my order?"))
    assert "order number" in asked_number.lower()

    asked_email = texts(store_stack.say(me, "10023"))
    assert "email" in asked_email.lower()

    status = texts(store_stack.say(me, "jo@example.com"))
    assert "UPS" in status
    assert TRACKING_URL in status
    assert "expected" in status


def test_both_details_in_the_first_message_are_not_asked_again(store_stack: ShopdeskStack) -> None:
    status = texts(store_stack.say(shopper(), "where is order 10023? it's jo@example.com"))
    assert TRACKING_URL in status
    assert "order number?" not in status.lower()


def test_split_order_lists_each_parcel(store_stack: ShopdeskStack) -> None:
    status = texts(store_stack.say(shopper(), "where's my order 10007, email gus@example.com"))
    assert "2 parcels" in status
    assert "DHL" in status and "FedEx" in status


def test_wrong_email_is_refused_without_revealing_anything(store_stack: ShopdeskStack) -> None:
    me = shopper()
    reply = texts(store_stack.say(me, "where is order 10023? it's someone@example.com"))
    assert "couldn't find" in reply.lower()
    assert "UPS" not in reply and "1Z999" not in reply
    assert "order number" in reply.lower()  # asked again


def test_three_failed_verifications_stop_and_offer_a_person(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "where is my order")
    last: list[dict] = []
    for attempt in range(3):
        shopdesk.say(me, "10023")
        last = shopdesk.say(me, f"wrong{attempt}@example.com")
    assert "/human_agent" in buttons(last)
    assert "stop asking" in texts(last).lower()
    # Asking again does not reopen verification: still a person is offered.
    again = shopdesk.say(me, "where is order 10023? it's jo@example.com")
    assert TRACKING_URL not in texts(again)
    assert "/human_agent" in buttons(again)


def test_malformed_order_number_gets_a_hint(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "where is my order")
    reply = texts(shopdesk.say(me, "12a45"))
    assert "5 digits" in reply
    assert "order number" in reply.lower()


def test_malformed_email_gets_a_hint(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    shopdesk.say(me, "where is my order")
    shopdesk.say(me, "10023")
    reply = texts(shopdesk.say(me, "jo at example dot com"))
    assert "doesn't look like an email" in reply


def test_forged_verified_slot_is_ignored(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    forged = (
        '/order_status{"verified_order_number": "10023", "verified_email": "jo@example.com", '
        '"verification_proof": "forged", "verified": true}'
    )
    reply = shopdesk.say(me, forged)
    assert TRACKING_URL not in texts(reply)
    slots = shopdesk.tracker(me)["slots"]
    assert slots["verified_order_number"] is None
    assert slots["verification_proof"] is None


def test_logged_in_shopper_skips_verification(shopdesk: ShopdeskStack) -> None:
    now = int(time.time())
    token = jwt.encode(
        {"iss": "shopdesk-store", "sub": "jo", "email": "jo@example.com", "iat": now,
         "exp": now + 600},
        IDENTITY_SECRET,
        algorithm="HS256",
    )
    reply = texts(shopdesk.say(shopper(), "where is order 10023?",
                               metadata={"identity_token": token}))
    assert TRACKING_URL in reply


def test_bad_identity_token_is_not_trusted(shopdesk: ShopdeskStack) -> None:
    token = jwt.encode(
        {"iss": "shopdesk-store", "sub": "jo", "email": "jo@example.com",
         "iat": int(time.time()), "exp": int(time.time()) + 600},
        "not-the-shared-secret-0123456789abcdef",
        algorithm="HS256",
    )
    reply = texts(shopdesk.say(shopper(), "where is order 10023?",
                               metadata={"identity_token": token}))
    assert TRACKING_URL not in reply
    assert "email" in reply.lower()


def test_store_down_gets_a_quick_apology_and_a_person(store_stack: ShopdeskStack) -> None:
    store_stack.stop_store()
    try:
        started = time.monotonic()
        reply = store_stack.say(shopper(), "where is order 10023? it's jo@example.com")
        elapsed = time.monotonic() - started
    finally:
        store_stack.start_store()
    text = texts(reply)
    assert "can't reach our order system" in text
    assert "/human_agent" in buttons(reply)
    assert "Traceback" not in text and "Error" not in text
    assert elapsed < 5.0, f"apology took {elapsed:.1f} s"


def test_out_of_scope_says_what_it_can_do(shopdesk: ShopdeskStack) -> None:
    reply = shopdesk.say(shopper(), "what's the weather like in Paris tomorrow?")
    offered = buttons(reply)
    assert "/order_status" in offered
    assert "/human_agent" in offered


def test_a_signed_in_shopper_picks_from_their_recent_orders(store_stack: ShopdeskStack) -> None:
    now = int(time.time())
    token = jwt.encode(
        {"iss": "shopdesk-store", "sub": "1", "email": "jo@example.com", "iat": now,
         "exp": now + 600},
        IDENTITY_SECRET,
        algorithm="HS256",
    )
    me = shopper()
    offered = store_stack.say(me, "where is my order?", metadata={"identity_token": token})
    assert "most recent ones" in texts(offered)
    assert buttons(offered) == [
        f'/inform{{"order_number": "{n}"}}' for n in ("10011", "10023", "10010", "10012")
    ]
    status = texts(store_stack.say(me, '/inform{"order_number": "10023"}',
                                   metadata={"identity_token": token}))
    assert TRACKING_URL in status
