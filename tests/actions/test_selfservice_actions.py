"""Self-service actions (returns, refunds, cancellation, address change, policy) on saved
tracker states against a real store of their own (they change orders, so they do not share
the other action tests' store)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.cancellation import (
    ActionAskCancelConfirmed,
    ActionStartCancellation,
    ActionSubmitCancellation,
)
from actions.policy import ActionDeliveryOptions, ActionReturnPolicy
from actions.refunds import ActionRefundStatus
from actions.returns import (
    FORM_SLOTS,
    ActionAskReturnConfirmed,
    ActionAskReturnLine,
    ActionAskReturnReason,
    ActionStartReturn,
    ActionSubmitReturn,
    ValidateReturnForm,
)
from actions.shipping_address import (
    ActionAskAddressConfirmed,
    ActionStartAddressChange,
    ActionSubmitAddressChange,
    ValidateAddressForm,
)
from actions.verification import make_proof
from bot import paths
from integrations.store.client import StoreClient
from tests.actions.conftest import VERIFICATION_SECRET, configure, load_tracker
from tests.support.stack import free_port, seeded_store

RESET_RETURN = [SlotSet(slot, None) for slot in FORM_SLOTS]
ADDRESS_SLOTS = ("address_line1", "address_city", "address_postcode", "address_confirmed")
RESET_ADDRESS = [SlotSet(slot, None) for slot in ADDRESS_SLOTS]


@pytest.fixture(scope="module")
def own_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("selfservice-store")


@pytest.fixture(scope="module")
def own_store(own_store_dir: Path) -> Iterator[str]:
    with seeded_store(own_store_dir) as url:
        yield url


class CountingTransport(httpx.AsyncHTTPTransport):
    """Real HTTP to the store; counts the order reads it answered, as they are answered."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        path = request.url.path
        if request.method == "POST" and path.startswith("/api/v1/orders/"):
            if path.endswith("/returns/eligibility"):
                self.reads["eligibility"] += 1
            elif path.endswith("/orders/lookup"):
                self.reads["lookup"] += 1
        return response


@pytest.fixture
def store_reads(own_store: str) -> Counter[str]:
    """The actions' services on the module's store, with their order reads counted."""
    settings = configure(own_store)
    transport = CountingTransport()
    bootstrap.configure(settings, store=StoreClient(
        base_url=settings.store_url,
        api_token=settings.store_api_token,
        timeout=settings.store_timeout,
        forwarding_secret=settings.forwarding_secret,
        policy_ttl=settings.store_policy_ttl,
        transport=transport,
    ))
    return transport.reads


@pytest.fixture
def store(own_store: str) -> str:
    configure(own_store)
    return own_store


def verified(name: str, order_number: str, email: str, **slots: Any) -> Tracker:
    """A saved tracker of a shopper verified for `order_number`."""
    sender = load_tracker(name).sender_id
    proof = make_proof(
        secret=VERIFICATION_SECRET.encode(),
        sender_id=sender,
        order_number=order_number,
        email=email,
    )
    return load_tracker(
        name,
        order_number=order_number,
        verified_order_number=order_number,
        verified_email=email,
        verification_proof=proof,
        **slots,
    )


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m.get("response") for m in dispatcher.messages]


@functools.cache
def _domain_buttons() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in (paths.DOMAIN).glob("*.yml"):
        for name, variants in (yaml.safe_load(path.read_text()).get("responses") or {}).items():
            found[name] = [b["payload"] for b in variants[0].get("buttons") or []]
    return found


def payloads(dispatcher: CollectingDispatcher) -> list[str]:
    """Every button the shopper sees: the response's own (domain) and those the action adds."""
    return [
        *(p for m in dispatcher.messages for p in _domain_buttons().get(m.get("response"), [])),
        *(b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []),
    ]


async def run(action: Any, tracker: Tracker) -> tuple[list[Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher


# --- returns ---------------------------------------------------------------------------


async def test_return_offers_the_one_returnable_item_and_notes_the_final_sale_one(store) -> None:
    events, dispatcher = await run(
        ActionStartReturn(), verified("selfservice_verified_return", "10010", "jo@example.com")
    )

    assert events == [
        *RESET_RETURN,
        SlotSet("return_line", "100101:1"),
        SlotSet("return_eligible", True),
    ]
    assert responses(dispatcher) == ["utter_return_note_final_sale"]
    assert dispatcher.messages[0]["items"] == "the Clearance Linen Scarf"


async def test_item_and_reason_named_in_the_request_are_kept(store) -> None:
    events, dispatcher = await run(
        ActionStartReturn(), verified("selfservice_return_names_item", "10002", "ben@example.com")
    )

    assert events == [
        *RESET_RETURN,
        SlotSet("return_line", "100022:1"),
        SlotSet("return_reason", "too_small"),
        SlotSet("return_eligible", True),
    ]
    assert responses(dispatcher) == ["utter_return_note_final_sale"]


@pytest.mark.parametrize(
    ("order_number", "email", "response", "offered"),
    [
        ("10003", "cara@example.com", "utter_return_refused_window_expired", "/human_agent"),
        ("10004", "dev@example.com", "utter_return_refused_already_returned", "/refund_status"),
        ("10006", "finn@example.com", "utter_return_refused_order_cancelled", "/refund_status"),
        (
            "10011",
            "jo@example.com",
            "utter_return_refused_not_delivered_can_cancel",
            "/cancel_order",
        ),
        ("10023", "jo@example.com", "utter_return_refused_not_delivered_wait", "/order_status"),
    ],
)
async def test_nothing_returnable_names_the_rule_and_offers_what_can_be_done(
    store, order_number: str, email: str, response: str, offered: str
) -> None:
    events, dispatcher = await run(
        ActionStartReturn(), verified("selfservice_verified_return", order_number, email)
    )

    assert events == [
        *RESET_RETURN,
        SlotSet("handoff_reason", "refusal_disputed"),
        SlotSet("return_eligible", False),
    ]
    assert responses(dispatcher) == [response]
    assert offered in payloads(dispatcher)
    assert "/human_agent" in payloads(dispatcher)


async def test_window_expired_says_when_it_ended(store) -> None:
    _, dispatcher = await run(
        ActionStartReturn(), verified("selfservice_verified_return", "10003", "cara@example.com")
    )
    message = dispatcher.messages[0]
    assert message["window_days"] == 30
    assert message["items"] == "the Leather Card Wallet"
    assert message["return_by"]  # a day in words


async def test_forged_verification_reveals_and_returns_nothing(store) -> None:
    tracker = load_tracker(
        "selfservice_verified_return",
        order_number="10010",
        verified_order_number="10010",
        verified_email="jo@example.com",
        verification_proof="forged",
    )
    events, dispatcher = await run(ActionStartReturn(), tracker)

    assert events == [*RESET_RETURN, SlotSet("return_eligible", False)]
    assert responses(dispatcher) == ["utter_not_verified"]
    events, dispatcher = await run(
        ActionSubmitReturn(),
        load_tracker(
            "selfservice_verified_return",
            order_number="10010",
            return_line="100101",
            return_reason="damaged",
            return_confirmed=True,
        ),
    )
    assert events == RESET_RETURN
    assert responses(dispatcher) == ["utter_not_verified"]


async def test_store_down_apologises_and_offers_a_person(store) -> None:
    configure(f"http://127.0.0.1:{free_port()}")
    events, dispatcher = await run(
        ActionStartReturn(), verified("selfservice_verified_return", "10010", "jo@example.com")
    )

    assert events == [
        *RESET_RETURN,
        SlotSet("handoff_reason", "store_unavailable"),
        SlotSet("return_eligible", False),
    ]
    assert responses(dispatcher) == ["utter_store_unavailable"]


async def test_returnable_lines_are_buttons(store) -> None:
    events, dispatcher = await run(
        ActionAskReturnLine(), verified("selfservice_verified_return", "10002", "ben@example.com")
    )

    assert events == []
    assert responses(dispatcher) == ["utter_ask_return_line"]
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == [
        "Organic Cotton Tee (1 of 2)",
        "Organic Cotton Tee (all 2)",
        "Selvedge Denim Jeans",
        "All of them",
    ]
    assert payloads(dispatcher) == [
        '/inform{"return_line": "100021:1"}',
        '/inform{"return_line": "100021:2"}',
        '/inform{"return_line": "100022"}',
        '/inform{"return_line": "all"}',
    ]


async def test_reasons_are_the_stores_as_buttons(store) -> None:
    _, dispatcher = await run(
        ActionAskReturnReason(), verified("selfservice_verified_return", "10002", "ben@example.com")
    )
    assert responses(dispatcher) == ["utter_ask_return_reason"]
    assert '/inform{"return_reason": "damaged"}' in payloads(dispatcher)
    assert '/inform{"return_reason": "other"}' in payloads(dispatcher)


async def test_line_answers_are_checked_against_the_store(store) -> None:
    tracker = verified("selfservice_verified_return", "10002", "ben@example.com")
    form = ValidateReturnForm()
    dispatcher = CollectingDispatcher()

    assert await form.validate_return_line("the jeans", dispatcher, tracker, {}) == {
        "return_line": "100022:1"
    }
    assert await form.validate_return_line("all", dispatcher, tracker, {}) == {
        "return_line": "100021:2,100022:1"
    }
    assert await form.validate_return_line("100021:1", dispatcher, tracker, {}) == {
        "return_line": "100021:1"
    }
    assert responses(dispatcher) == []
    # Final sale: not offered, so not accepted either.
    assert await form.validate_return_line("100023", dispatcher, tracker, {}) == {
        "return_line": None
    }
    assert responses(dispatcher) == ["utter_return_line_unknown"]


async def test_an_item_named_in_another_language_is_found_through_the_catalogue(store) -> None:
    tracker = verified("selfservice_verified_return", "10002", "ben@example.com")
    # "die Jeanshose": the NLU's product entity carries the store's name for it
    tracker.latest_message.update(
        text="die Jeanshose",
        entities=[{"entity": "product", "value": "Selvedge Denim Jeans"}],
    )
    dispatcher = CollectingDispatcher()
    assert await ValidateReturnForm().validate_return_line(
        "die Jeanshose", dispatcher, tracker, {}
    ) == {"return_line": "100022:1"}
    assert responses(dispatcher) == []


async def test_reason_in_own_words_is_kept_as_a_comment(store) -> None:
    tracker = verified("selfservice_verified_return", "10002", "ben@example.com")
    form = ValidateReturnForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_return_reason("the zip broke", dispatcher, tracker, {}) == {
        "return_reason": "other",
        "return_comment": "the zip broke",
    }
    assert await form.validate_return_reason("too_big", dispatcher, tracker, {}) == {
        "return_reason": "wrong_size",
        "return_comment": None,
    }


async def test_the_summary_names_items_and_reason(store) -> None:
    tracker = verified(
        "selfservice_verified_return",
        "10002",
        "ben@example.com",
        return_line="100021:2,100022:1",
        return_reason="wrong_size",
    )
    _, dispatcher = await run(ActionAskReturnConfirmed(), tracker)

    assert responses(dispatcher) == ["utter_ask_return_confirmed"]
    message = dispatcher.messages[0]
    assert message["items"] == "the Organic Cotton Tee (x2) and the Selvedge Denim Jeans"
    assert message["reason"] == "wrong size"


async def test_confirmed_return_creates_one_rma_even_when_the_action_runs_twice(store) -> None:
    tracker = verified(
        "selfservice_verified_return",
        "10010",
        "jo@example.com",
        return_line="100101",
        return_reason="damaged",
        return_confirmed=True,
    )

    first_events, first = await run(ActionSubmitReturn(), tracker)
    again_events, again = await run(ActionSubmitReturn(), tracker)  # Rasa re-runs the action

    assert responses(first) == responses(again) == ["utter_return_created"]
    rma = first.messages[0]
    assert rma["rma_number"] == "RMA-10010-1"
    assert again.messages[0]["rma_number"] == "RMA-10010-1"
    assert rma["label_url"].endswith("/labels/RMA-10010-1")
    assert rma["items"] == "the Merino Crew Sweater"
    assert rma["refund_amount"] == "£89.00"
    assert rma["instructions"]
    assert (
        first_events == again_events == [*RESET_RETURN, SlotSet("return_rma_number", "RMA-10010-1")]
    )
    # The store agrees: the sweater is now in a return, and only once.
    _, after = await run(ActionStartReturn(), tracker)
    assert responses(after) == ["utter_return_refused_already_returned"]


async def test_the_actions_of_one_turn_read_the_order_and_its_eligibility_once(
    store_reads: Counter[str],
) -> None:
    """The form's next question after the return starts: one lookup and one eligibility
    request between them (each asked for both before), and the next message reads again."""
    tracker = verified("selfservice_verified_return", "10002", "ben@example.com")
    before = Counter(store_reads)
    _, started = await run(ActionStartReturn(), tracker)
    _, asked = await run(ActionAskReturnLine(), tracker)
    assert responses(asked) == ["utter_ask_return_line"]
    assert store_reads - before == Counter(lookup=1, eligibility=1)

    state = tracker.current_state()
    state["latest_message"] = {**state["latest_message"], "message_id": "the-next-message"}
    await run(ActionAskReturnLine(), Tracker.from_dict(state))
    assert store_reads - before == Counter(lookup=2, eligibility=2)


async def test_a_verification_for_a_return_reads_the_order_and_its_eligibility_at_once(
    store_reads: Counter[str],
) -> None:
    """When the verification form verifies a shopper who asked for a return, it reads the
    order and its return eligibility in one store request; `action_start_return` and the
    return form's first question then take both from the turn: one request in all, where
    there were two, one after the other. Any other verification reads the order alone."""
    from actions.returns import ActionStartReturn
    from actions.verification import ValidateVerificationForm
    from tests.actions.test_verification_and_order_status import DOMAIN

    before = Counter(store_reads)
    form = load_tracker("first_message_with_both", task="start_return")
    events = await ValidateVerificationForm().run(CollectingDispatcher(), form, DOMAIN)
    assert SlotSet("verification_outcome", "verified") in events
    assert store_reads - before == Counter(lookup=1)

    tracker = verified("first_message_with_both", "10023", "jo@example.com", task="start_return")
    started, _ = await run(ActionStartReturn(), tracker)
    _, asked = await run(ActionAskReturnLine(), tracker)
    assert SlotSet("return_eligible", False) in started  # 10023 is not delivered yet
    assert responses(asked) == ["utter_ask_return_line"]
    assert store_reads - before == Counter(lookup=1)

    # in the next message, a verification for anything else reads the order alone: a
    # return's eligibility read in that turn goes to the store
    def next_message(state_of: Tracker) -> Tracker:
        state = state_of.current_state()
        state["latest_message"] = {**state["latest_message"], "message_id": "the-next-one"}
        return Tracker.from_dict(state)

    other = next_message(load_tracker("first_message_with_both", task="order_status"))
    await ValidateVerificationForm().run(CollectingDispatcher(), other, DOMAIN)
    assert store_reads - before == Counter(lookup=2)
    later = next_message(verified("first_message_with_both", "10023", "jo@example.com"))
    await run(ActionStartReturn(), later)
    assert store_reads - before == Counter(lookup=2, eligibility=1)


async def test_declined_return_creates_nothing(store) -> None:
    tracker = verified(
        "selfservice_verified_return",
        "10009",
        "ivy@example.com",
        return_line="100091",
        return_reason="damaged",
        return_confirmed=False,
    )
    events, dispatcher = await run(ActionSubmitReturn(), tracker)

    assert events == RESET_RETURN
    assert responses(dispatcher) == ["utter_return_not_created"]
    _, still = await run(ActionAskReturnLine(), tracker)
    assert '/inform{"return_line": "100091"}' in payloads(still)


async def test_a_store_refusal_at_creation_names_the_rule(store) -> None:
    tracker = verified(
        "selfservice_verified_return",
        "10002",
        "ben@example.com",
        return_line="100023",
        return_reason="changed_mind",
        return_confirmed=True,
    )
    events, dispatcher = await run(ActionSubmitReturn(), tracker)

    assert events == [*RESET_RETURN, SlotSet("handoff_reason", "refusal_disputed")]
    assert responses(dispatcher) == ["utter_return_refused_final_sale"]
    assert dispatcher.messages[0]["items"] == "the Sample Sale Sunglasses"


# --- refund status ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_number", "email", "expected", "events"),
    [
        ("10004", "dev@example.com", ["utter_refunds_intro", "utter_refund_issued"], []),
        ("10005", "eve@example.com", ["utter_refunds_intro", "utter_refund_pending"], []),
        (
            "10008",
            "hana@example.com",
            ["utter_refunds_intro", "utter_refund_failed"],
            [SlotSet("handoff_reason", "refund_failed")],
        ),
        ("10007", "gus@example.com", ["utter_refund_none"], []),
    ],
)
async def test_refund_status_in_plain_words(
    store, order_number: str, email: str, expected: list[str], events: list[Any]
) -> None:
    got, dispatcher = await run(
        ActionRefundStatus(),
        verified("selfservice_verified_task", order_number, email, task="refund_status"),
    )
    assert got == events
    assert responses(dispatcher) == expected


async def test_pending_refund_says_amount_method_and_when(store) -> None:
    _, dispatcher = await run(
        ActionRefundStatus(), verified("selfservice_verified_task", "10005", "eve@example.com")
    )
    pending = dispatcher.messages[1]
    assert pending["amount"] == "£25.00"
    assert pending["method"]
    assert pending["expected_by"] and pending["requested_on"]


# --- cancellation ----------------------------------------------------------------------


async def test_unshipped_order_may_be_cancelled_after_a_summary(store) -> None:
    tracker = verified("selfservice_verified_task", "10001", "ada@example.com")
    events, dispatcher = await run(ActionStartCancellation(), tracker)
    assert events == [SlotSet("cancel_confirmed", None), SlotSet("cancel_allowed", True)]
    assert responses(dispatcher) == []

    _, dispatcher = await run(ActionAskCancelConfirmed(), tracker)
    assert responses(dispatcher) == ["utter_ask_cancel_confirmed"]
    assert dispatcher.messages[0]["items"] == "the Linen Duvet Cover and the Oak Serving Board"
    assert payloads(dispatcher) == ["/affirm", "/deny"]


async def test_saying_no_keeps_the_order(store) -> None:
    tracker = verified(
        "selfservice_verified_task", "10001", "ada@example.com", cancel_confirmed=False
    )
    events, dispatcher = await run(ActionSubmitCancellation(), tracker)
    assert events == [SlotSet("cancel_confirmed", None)]
    assert responses(dispatcher) == ["utter_cancel_kept"]


async def test_cancel_is_idempotent(store) -> None:
    tracker = verified(
        "selfservice_verified_task", "10001", "ada@example.com", cancel_confirmed=True
    )
    first_events, first = await run(ActionSubmitCancellation(), tracker)
    again_events, again = await run(ActionSubmitCancellation(), tracker)

    assert first_events == again_events == [SlotSet("cancel_confirmed", None)]
    assert responses(first) == responses(again) == ["utter_order_cancelled_now_refund"]
    assert first.messages[0]["amount"] == again.messages[0]["amount"]
    # Exactly one refund came of it.
    _, refunds = await run(ActionRefundStatus(), tracker)
    assert responses(refunds) == ["utter_refunds_intro", "utter_refund_pending"]


@pytest.mark.parametrize(
    ("order_number", "email", "response", "handoff"),
    [
        ("10023", "jo@example.com", "utter_cancel_refused_shipped", True),
        ("10006", "finn@example.com", "utter_cancel_already_cancelled", False),
    ],
)
async def test_after_shipment_cancellation_is_refused_with_a_return_or_a_person(
    store, order_number: str, email: str, response: str, handoff: bool
) -> None:
    events, dispatcher = await run(
        ActionStartCancellation(), verified("selfservice_verified_task", order_number, email)
    )
    expected = [SlotSet("cancel_confirmed", None), SlotSet("cancel_allowed", False)]
    if handoff:
        expected.append(SlotSet("handoff_reason", "refusal_disputed"))
        assert {"/start_return", "/human_agent"} <= set(payloads(dispatcher))
    assert events == expected
    assert responses(dispatcher) == [response]


# --- shipping address ------------------------------------------------------------------


async def test_address_change_shows_the_current_address_first(store) -> None:
    events, dispatcher = await run(
        ActionStartAddressChange(), verified("selfservice_verified_task", "10011", "jo@example.com")
    )
    assert events == [*RESET_ADDRESS, SlotSet("address_change_allowed", True)]
    assert responses(dispatcher) == ["utter_address_current"]
    assert dispatcher.messages[0]["address"] == "Jo Rivera, 10 Downing Walk, London SW1A 1AA"


async def test_address_fields_are_validated(store) -> None:
    tracker = verified("selfservice_verified_task", "10011", "jo@example.com")
    form = ValidateAddressForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_address_postcode("ls14ap", dispatcher, tracker, {}) == {
        "address_postcode": "LS1 4AP"
    }
    assert await form.validate_address_postcode("12345", dispatcher, tracker, {}) == {
        "address_postcode": None
    }
    assert await form.validate_address_line1("5", dispatcher, tracker, {}) == {
        "address_line1": None
    }
    assert await form.validate_address_city("Leeds", dispatcher, tracker, {}) == {
        "address_city": "Leeds"
    }
    assert responses(dispatcher) == [
        "utter_address_invalid_postcode",
        "utter_address_invalid_line1",
    ]
    # the order goes to the United Kingdom: its postcodes are the hint
    assert dispatcher.messages[0]["postcode_kind"] == "a UK postcode"
    assert dispatcher.messages[0]["postcode_examples"] == "SW1A 1AA or M1 1AE"


ADDRESS_FORM_DOMAIN = {
    "forms": {"address_form": {"required_slots": list(ADDRESS_SLOTS)}},
    "slots": {slot: {"mappings": [{"conditions": [{"active_loop": "address_form"}]}]}
              for slot in ADDRESS_SLOTS},
}


@pytest.mark.parametrize(
    "intent,confidence,expected",
    [
        # "Leeds" read as "yes" without conviction: the town is the answer
        ("affirm", 0.37, [SlotSet("address_city", "Leeds")]),
        ("deny", 0.32, [SlotSet("address_city", "Leeds")]),
        # a sure "yes" is no town: nothing is filled (the form is rejected, as before)
        ("affirm", 0.97, []),
    ],
)
async def test_a_town_read_as_an_unsure_yes_answers_the_question(
    store, intent, confidence, expected
) -> None:
    tracker = verified(
        "address_form_town_read_as_yes", "10011", "jo@example.com", address_line1="5 Park Row"
    )
    tracker.latest_message["intent"] = {"name": intent, "confidence": confidence}
    dispatcher = CollectingDispatcher()
    events = await ValidateAddressForm().run(dispatcher, tracker, ADDRESS_FORM_DOMAIN)
    assert events == expected
    assert dispatcher.messages == []


async def test_confirmed_address_change_is_applied_once(store) -> None:
    tracker = verified(
        "selfservice_verified_task",
        "10011",
        "jo@example.com",
        address_line1="5 Park Row",
        address_city="Leeds",
        address_postcode="LS1 4AP",
        address_confirmed=True,
    )
    _, summary = await run(ActionAskAddressConfirmed(), tracker)
    assert summary.messages[0]["new_address"] == "Jo Rivera, 5 Park Row, Leeds LS1 4AP"
    assert summary.messages[0]["old_address"] == "Jo Rivera, 10 Downing Walk, London SW1A 1AA"

    first_events, first = await run(ActionSubmitAddressChange(), tracker)
    again_events, again = await run(ActionSubmitAddressChange(), tracker)
    assert first_events == again_events == RESET_ADDRESS
    assert responses(first) == responses(again) == ["utter_address_changed"]
    assert first.messages[0]["address"] == "Jo Rivera, 5 Park Row, Leeds LS1 4AP"


async def test_address_cannot_change_after_shipment(store) -> None:
    events, dispatcher = await run(
        ActionStartAddressChange(),
        verified("selfservice_verified_task", "10007", "gus@example.com"),
    )
    assert events == [
        *RESET_ADDRESS,
        SlotSet("handoff_reason", "refusal_disputed"),
        SlotSet("address_change_allowed", False),
    ]
    assert responses(dispatcher) == ["utter_address_refused_shipped"]
    assert {"/start_return", "/human_agent"} <= set(payloads(dispatcher))


# --- policy ----------------------------------------------------------------------------


async def test_return_policy_comes_from_the_store(store) -> None:
    events, dispatcher = await run(ActionReturnPolicy(), load_tracker("selfservice_verified_task"))
    assert events == []
    assert responses(dispatcher) == ["utter_return_policy"]
    message = dispatcher.messages[0]
    assert (message["window_days"], message["max_units"], message["refund_days"]) == (30, 10, 5)


async def test_delivery_options_come_from_the_store(store) -> None:
    _, dispatcher = await run(ActionDeliveryOptions(), load_tracker("selfservice_verified_task"))
    assert responses(dispatcher) == ["utter_delivery_options"] + ["utter_shipping_method"] * 3
    assert dispatcher.messages[0]["threshold"] == "£75.00"
    standard = dispatcher.messages[1]
    assert (standard["name"], standard["cost"], standard["days"]) == (
        "Standard delivery",
        "£3.95",
        "3-5 working days",
    )


async def test_policy_answer_when_the_store_is_down(store) -> None:
    configure(f"http://127.0.0.1:{free_port()}")
    events, dispatcher = await run(ActionReturnPolicy(), load_tracker("selfservice_verified_task"))
    assert events == [SlotSet("handoff_reason", "store_unavailable")]
    assert responses(dispatcher) == ["utter_store_unavailable"]


async def test_a_number_in_an_address_answer_does_not_switch_the_order(store) -> None:
    tracker = verified(
        "selfservice_verified_task",
        "10011",
        "jo@example.com",
        address_line1="5 Park Row",
        address_city="Leeds",
    )
    # The shopper typed "12345" for the postcode; the NLU took it for an order number too.
    tracker.events += [
        {"event": "slot", "name": "order_number", "value": "10011"},
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "12345",
            "parse_data": {"intent": {"name": "inform"}, "entities": []},
        },
        {"event": "slot", "name": "order_number", "value": "12345"},
        {"event": "slot", "name": "address_postcode", "value": "12345"},
    ]
    tracker.slots.update(
        order_number="12345", address_postcode="12345", requested_slot="address_postcode"
    )
    tracker.active_loop = {"name": "address_form"}
    domain = {"forms": {"address_form": {"required_slots": list(ADDRESS_SLOTS)}}}
    dispatcher = CollectingDispatcher()

    events = await ValidateAddressForm().run(dispatcher, tracker, domain)

    assert events == [SlotSet("order_number", "10011"), SlotSet("address_postcode", None)]
    assert responses(dispatcher) == ["utter_address_invalid_postcode"]


async def test_one_of_two_units_can_go_back_and_the_other_stays_returnable(store) -> None:
    tracker = verified(
        "selfservice_verified_return",
        "10002",
        "ben@example.com",
        return_line="100021:1",
        return_reason="wrong_size",
        return_confirmed=True,
    )
    _, summary = await run(ActionAskReturnConfirmed(), tracker)
    assert summary.messages[0]["items"] == "the Organic Cotton Tee"

    events, dispatcher = await run(ActionSubmitReturn(), tracker)

    assert responses(dispatcher) == ["utter_return_created"]
    assert dispatcher.messages[0]["refund_amount"] == "£25.00"
    assert events[-1] == SlotSet("return_rma_number", dispatcher.messages[0]["rma_number"])
    _, left = await run(ActionAskReturnLine(), tracker)
    assert '/inform{"return_line": "100021"}' in payloads(left)  # the one unit left


async def test_naming_an_item_that_cannot_go_back_does_not_pick_another(store) -> None:
    tracker = verified("selfservice_return_names_item", "10005", "eve@example.com")
    tracker.events[1]["parse_data"]["entities"] = [{"entity": "product", "value": "tee"}]
    # Only the mug can go back; the shopper named the tee (already returned): don't pick
    # the mug for them, say why the tee can't go back and ask.
    events, dispatcher = await run(ActionStartReturn(), tracker)
    assert events == [*RESET_RETURN, SlotSet("return_eligible", True)]
    assert responses(dispatcher) == ["utter_return_note_already_returned"]


async def test_the_same_return_asked_again_later_is_a_new_return(store) -> None:
    # 10002's tee: one unit went back above; the last one goes back now with the same
    # choice and reason, later in the same conversation (one more completed submit).
    tracker = verified(
        "selfservice_verified_return",
        "10002",
        "ben@example.com",
        return_line="100021:1",
        return_reason="wrong_size",
        return_confirmed=True,
    )
    tracker.events.append({"event": "action", "name": "action_submit_return"})

    _, dispatcher = await run(ActionSubmitReturn(), tracker)

    assert responses(dispatcher) == ["utter_return_created"]
    assert dispatcher.messages[0]["rma_number"] == "RMA-10002-2"
