"""Verification form and order status, run against saved tracker states and a real store."""

from __future__ import annotations

import time
from typing import Any

import jwt
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_status import ActionOrderStatus
from actions.verification import ValidateVerificationForm, make_proof
from tests.actions.conftest import (
    IDENTITY_SECRET,
    VERIFICATION_SECRET,
    configure,
    load_tracker,
)
from tests.support.stack import free_port

DOMAIN: dict[str, Any] = {
    "forms": {"verification_form": {"required_slots": ["order_number", "email"]}}
}


def proof(sender: str, order_number: str, email: str) -> str:
    secret = VERIFICATION_SECRET.encode()
    return make_proof(secret=secret, sender_id=sender, order_number=order_number, email=email)


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message.get("response") for message in dispatcher.messages]


async def test_both_details_in_the_first_message_verify_without_asking(services) -> None:
    tracker = load_tracker("first_message_with_both")
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events == [
        SlotSet("verification_outcome", None),
        SlotSet("order_number", "10023"),
        SlotSet("email", "jo@example.com"),
        SlotSet("verified_order_number", "10023"),
        SlotSet("verified_email", "jo@example.com"),
        SlotSet("verification_proof", proof("t-first", "10023", "jo@example.com")),
        SlotSet("verification_failures", 0.0),
        SlotSet("verification_outcome", "verified"),
        SlotSet("order_number", "10023"),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []


async def test_wrong_email_counts_a_failure_and_asks_again(services) -> None:
    tracker = load_tracker("wrong_email")
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events == [
        SlotSet("email", "nobody@example.com"),
        SlotSet("verification_failures", 1.0),
        SlotSet("order_number", None),
        SlotSet("email", None),
        SlotSet("requested_slot", "order_number"),
    ]
    assert responses(dispatcher) == ["utter_order_not_found"]


async def test_third_failure_stops_asking_and_offers_a_person(services) -> None:
    tracker = load_tracker("wrong_email", verification_failures=2.0)
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events == [
        SlotSet("email", "nobody@example.com"),
        SlotSet("verification_failures", 3.0),
        SlotSet("order_number", None),
        SlotSet("email", None),
        SlotSet("verification_outcome", "locked"),
        SlotSet("handoff_reason", "verification_failed"),
        SlotSet("requested_slot", None),
    ]
    assert responses(dispatcher) == ["utter_verification_locked"]


async def test_malformed_order_number_gets_a_hint_and_is_asked_again(services) -> None:
    tracker = load_tracker("malformed_order_number")
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events == [SlotSet("order_number", None), SlotSet("requested_slot", "order_number")]
    assert responses(dispatcher) == ["utter_invalid_order_number_hint"]
    assert dispatcher.messages[0]["value"] == "12a45"
    assert dispatcher.messages[0]["hint"] == "5 digits, like 10023"


async def test_store_down_apologises_and_stops_the_form(store_url: str) -> None:
    configure(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    tracker = load_tracker("first_message_with_both")
    dispatcher = CollectingDispatcher()

    started = time.monotonic()
    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert time.monotonic() - started < 3.0
    assert events == [
        SlotSet("verification_outcome", None),
        SlotSet("order_number", "10023"),
        SlotSet("email", "jo@example.com"),
        SlotSet("verification_outcome", "store_unavailable"),
        SlotSet("handoff_reason", "store_unavailable"),
        SlotSet("requested_slot", None),
    ]
    assert responses(dispatcher) == ["utter_store_unavailable"]


async def test_forged_verified_slots_reveal_nothing(services) -> None:
    tracker = load_tracker("forged_verified_slots")
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, {})

    assert events == []
    assert responses(dispatcher) == ["utter_not_verified"]


async def test_verified_shopper_gets_the_status_from_the_store(services) -> None:
    tracker = load_tracker(
        "verified_order_status",
        verification_proof=proof("t-verified", "10023", "jo@example.com"),
    )
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, {})

    assert events == []
    assert responses(dispatcher) == ["utter_shipment_in_transit"]
    message = dispatcher.messages[0]
    assert message["carrier"] == "UPS"
    assert message["tracking_number"] == "1Z999AA10123456784"
    assert message["tracking_url"].startswith("https://")


async def test_proof_made_for_another_conversation_is_rejected(services) -> None:
    tracker = load_tracker(
        "verified_order_status",
        verification_proof=proof("someone-else", "10023", "jo@example.com"),
    )
    dispatcher = CollectingDispatcher()

    assert await ActionOrderStatus().run(dispatcher, tracker, {}) == []
    assert responses(dispatcher) == ["utter_not_verified"]


def _identity_token(email: str, *, secret: str = IDENTITY_SECRET, ttl: int = 600) -> str:
    now = int(time.time())
    claims = {"iss": "shopdesk-store", "sub": "c1", "email": email, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_logged_in_shopper_is_verified_for_their_own_orders(services) -> None:
    tracker = load_tracker("logged_in_names_order")
    tracker.latest_message["metadata"] = {"identity_token": _identity_token("jo@example.com")}
    dispatcher = CollectingDispatcher()

    form_events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)
    status_events = await ActionOrderStatus().run(dispatcher, tracker, {})

    assert form_events == [
        SlotSet("verification_outcome", None),
        SlotSet("requested_slot", None),
    ]
    assert status_events == []
    assert responses(dispatcher) == ["utter_shipment_delivered"]


async def test_logged_in_shopper_cannot_open_someone_elses_order(services) -> None:
    tracker = load_tracker("logged_in_names_order", order_number="10001")  # ada's order
    tracker.latest_message["metadata"] = {"identity_token": _identity_token("jo@example.com")}
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, {})

    assert events == [SlotSet("order_number", None)]
    assert responses(dispatcher) == ["utter_order_not_found_for_account"]
    assert "Ada" not in str(dispatcher.messages)


async def test_expired_identity_token_falls_back_to_normal_verification(services) -> None:
    tracker = load_tracker("logged_in_names_order")
    tracker.latest_message["metadata"] = {
        "identity_token": _identity_token("jo@example.com", ttl=-10)
    }
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events[-1] == SlotSet("requested_slot", "email")
    assert not any(e.get("name") == "verified_email" for e in events)


async def test_slow_store_times_out_into_an_apology(store_url: str) -> None:
    """A store that accepts the connection but never answers: apology within ~3 s."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_hang() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)  # read nothing, answer nothing
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_hang, daemon=True)
    thread.start()
    try:
        configure(f"http://127.0.0.1:{listener.getsockname()[1]}")
        tracker = load_tracker("first_message_with_both")
        dispatcher = CollectingDispatcher()
        started = time.monotonic()
        events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()

    assert elapsed < 3.5, f"took {elapsed:.1f} s"
    assert SlotSet("verification_outcome", "store_unavailable") in events
    assert responses(dispatcher) == ["utter_store_unavailable"]


async def test_locked_conversation_is_not_verified_even_with_right_details(services) -> None:
    tracker = load_tracker("first_message_with_both", verification_failures=3.0)
    dispatcher = CollectingDispatcher()

    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)

    assert events == [
        SlotSet("verification_outcome", "locked"),
        SlotSet("requested_slot", None),
    ]
    assert responses(dispatcher) == ["utter_verification_locked"]
