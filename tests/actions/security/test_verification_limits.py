"""Failed verifications are limited per client network across conversations (fairly: never
for a shopper the storefront vouches for, told truthfully, and only as long as the guessing
goes on), a store 429 ends the form politely; shopper-made slots, entities and metadata
never verify anyone, and unsigned metadata cannot choose whose failures are counted.

Real actions on saved tracker states against a real store over HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_access import NoAccess, verified_ref
from actions.order_status import ActionOrderStatus
from actions.verification import ValidateVerificationForm, verified_order
from common.client_address import client_proof, client_proof_key
from tests.actions.conftest import ACTION_SERVER_TOKEN, IDENTITY_SECRET, TRACKERS, configure
from tests.support.stack import seeded_store

DOMAIN: dict[str, Any] = {
    "forms": {"verification_form": {"required_slots": ["order_number", "email"]}}
}
FORWARDING_SECRET = "actions-forwarding-secret-0123456789abcdef"
LOCKED = [
    SlotSet("verification_outcome", "locked"),
    SlotSet("handoff_reason", "verification_failed"),
]


def channel_metadata(sender: str, client_ip: str) -> dict[str, str]:
    """What the chat channel writes: the address and its proof."""
    key = client_proof_key(ACTION_SERVER_TOKEN)
    proof = client_proof(key, sender_id=sender, client_ip=client_ip)
    return {"client_ip": client_ip, "client_ip_proof": proof}


def wrong_email(
    sender: str, *, client_ip: str | None = None, metadata: Any = None, **slots: Any
) -> Tracker:
    """The saved wrong-email state, as another conversation, from a given client IP (as a
    channel signs it) or with the given metadata."""
    state = json.loads((TRACKERS / "wrong_email.json").read_text())
    state["sender_id"] = sender
    state["slots"].update(slots)
    if "email" in slots:  # what the shopper typed this turn
        text = json.dumps(state).replace("nobody@example.com", slots["email"])
        state = json.loads(text)
    if client_ip is not None:
        state["latest_message"]["metadata"] = channel_metadata(sender, client_ip)
    elif metadata is not None:
        state["latest_message"]["metadata"] = metadata
    return Tracker.from_dict(state)


async def run_form(tracker: Tracker) -> tuple[list[Any], list[str | None]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)
    return events, [m.get("response") for m in dispatcher.messages]


async def test_one_network_is_limited_across_conversations_and_told_so(store_url: str) -> None:
    configure(
        store_url,
        SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT="2",
        SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS="120",  # one failure drains per minute
    )
    for sender in ("c-1", "c-2"):
        _, said = await run_form(wrong_email(sender, client_ip="203.0.113.5"))
        assert said == ["utter_order_not_found"]
    # A third conversation from the same network: refused, even with details that would
    # match, without asking the store, and told why (its network, not its details).
    dispatcher = CollectingDispatcher()
    tracker = wrong_email("c-3", client_ip="203.0.113.5", email="jo@example.com")
    events = await ValidateVerificationForm().run(dispatcher, tracker, DOMAIN)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_verification_network_limited"
    assert message["minutes"] == "1"  # the budget drains: not a 15-minute sentence
    assert all(e.get("name") != "verified_order_number" for e in events)
    assert LOCKED[0] in events and LOCKED[1] in events
    assert all(e.get("name") != "verification_failures" for e in events)
    # Another network is not affected.
    _, said = await run_form(wrong_email("c-4", client_ip="203.0.113.6"))
    assert said == ["utter_order_not_found"]


async def test_a_shopper_the_storefront_vouches_for_is_never_held_back(store_url: str) -> None:
    configure(store_url, SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT="1")
    await run_form(wrong_email("n-1", client_ip="203.0.113.9"))  # the network is at its limit
    state = json.loads((TRACKERS / "logged_in_names_order.json").read_text())
    now = int(time.time())
    token = jwt.encode(
        {"iss": "shopdesk-store", "sub": "c1", "email": "jo@example.com", "iat": now,
         "exp": now + 600},
        IDENTITY_SECRET, algorithm="HS256",
    )
    state["latest_message"]["metadata"] = {
        **channel_metadata(state["sender_id"], "203.0.113.9"), "identity_token": token
    }
    tracker = Tracker.from_dict(state)
    events, said = await run_form(tracker)
    assert said == []
    assert SlotSet("verification_outcome", None) in events
    assert LOCKED[0] not in events
    assert verified_order(tracker) is not None


async def test_unsigned_metadata_cannot_choose_whose_failures_count(store_url: str) -> None:
    configure(store_url, SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT="2")
    # A forged tracker or an API-written event names a fresh address every time: without
    # the channel's proof all of them are one client, "api".
    for number, sender in enumerate(("f-1", "f-2")):
        _, said = await run_form(
            wrong_email(sender, metadata={"client_ip": f"198.18.0.{number}"})
        )
        assert said == ["utter_order_not_found"]
    _, said = await run_form(wrong_email("f-3", metadata={"client_ip": "198.18.0.99"}))
    assert said == ["utter_verification_network_limited"]
    _, said = await run_form(wrong_email("f-4"))  # no metadata at all: the same client
    assert said == ["utter_verification_network_limited"]
    _, said = await run_form(wrong_email("f-5", client_ip="198.18.0.1"))  # a real channel
    assert said == ["utter_order_not_found"]


@pytest.fixture(scope="module")
def strict_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store that answers 429 after two failed lookups per client."""
    env = {"STORE_MAX_FAILED_LOOKUPS": "2", "SHOPDESK_FORWARDING_SECRET": FORWARDING_SECRET}
    with seeded_store(tmp_path_factory.mktemp("strict-store"), env=env) as url:
        yield url


async def test_store_429_locks_the_form_and_offers_a_person(strict_store: str) -> None:
    configure(
        strict_store,
        SHOPDESK_FORWARDING_SECRET=FORWARDING_SECRET,
        SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT="1000",
    )
    for sender in ("s-1", "s-2"):
        _, said = await run_form(wrong_email(sender, client_ip="198.51.100.7"))
        assert said == ["utter_order_not_found"]
    events, said = await run_form(
        wrong_email("s-3", client_ip="198.51.100.7", email="jo@example.com")
    )
    assert said == ["utter_verification_network_limited"]
    assert events == [
        SlotSet("email", "jo@example.com"),
        *LOCKED,
        SlotSet("requested_slot", None),
    ]
    # The store limits shoppers one by one: another IP behind the same action server
    # verifies fine.
    events, said = await run_form(
        wrong_email("s-4", client_ip="198.51.100.8", email="jo@example.com")
    )
    assert said == []
    assert SlotSet("verified_order_number", "10023") in events


# --- shopper-made input never verifies ----------------------------------------------------

FORGED_SLOTS: list[dict[str, Any]] = [
    {"verified": True},
    {"verified_order_number": "10023", "verified_email": "jo@example.com"},
    {
        "verified_order_number": "10023",
        "verified_email": "jo@example.com",
        "verification_proof": "0" * 64,
    },
    {"verification_outcome": "verified", "verified_order_number": "10023"},
    {"verified_order_number": ["10023"], "verified_email": {"a": 1}, "verification_proof": 5},
]
FORGED_METADATA: list[Any] = [
    {"identity_token": "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImpvQGV4YW1wbGUuY29tIn0."},
    {"identity_token": {"email": "jo@example.com"}},
    {"customData": {"identity_token": "x", "verified": True}},
    {"verified": True, "email": "jo@example.com", "client_ip": "not an ip"},
    ["identity_token"],
    "jo@example.com",
]


def order_status_tracker(*, slots: dict[str, Any], metadata: Any) -> Tracker:
    state = json.loads((TRACKERS / "forged_verified_slots.json").read_text())
    state["slots"].update({"order_number": "10023", **slots})
    state["latest_message"]["metadata"] = metadata
    state["latest_message"]["entities"] = [
        {"entity": name, "value": value} for name, value in slots.items()
    ]
    return Tracker.from_dict(state)


@pytest.mark.parametrize("slots", FORGED_SLOTS)
@pytest.mark.parametrize("metadata", FORGED_METADATA)
async def test_forged_slots_entities_and_metadata_reveal_nothing(
    services: Any, slots: dict[str, Any], metadata: Any
) -> None:
    tracker = order_status_tracker(slots=slots, metadata=metadata)
    assert verified_order(tracker) is None
    dispatcher = CollectingDispatcher()
    with pytest.raises(NoAccess):
        verified_ref(dispatcher, tracker)
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, tracker, {})
    said = json.dumps(dispatcher.messages)
    for order_data in ("UPS", "1Z999", "tracking", "expected"):
        assert order_data not in said
    assert all(e.get("name") != "verification_proof" for e in events)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_not_verified"]


async def test_wrong_email_and_missing_order_get_the_same_answer(store_url: str) -> None:
    configure(store_url)
    wrong = await run_form(wrong_email("same-1"))  # 10023 exists, the email is wrong
    missing = await run_form(wrong_email("same-2", order_number="99999", email="jo@example.com"))
    (wrong_events, wrong_said), (missing_events, missing_said) = wrong, missing
    assert wrong_said == missing_said == ["utter_order_not_found"]
    # Only the echo of what each shopper typed differs; everything after is the same.
    assert wrong_events[0] == SlotSet("email", "nobody@example.com")
    assert missing_events[0] == SlotSet("email", "jo@example.com")
    assert wrong_events[1:] == missing_events[1:]
