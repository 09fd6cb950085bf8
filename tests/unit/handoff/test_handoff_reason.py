"""Why a request for a person is made: plain functions over tracker events, no I/O."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.handoff import (
    claimed_orders,
    conversation_topic,
    handoff_reason,
    offered_reason,
    person_offered,
)


def user(intent: str, text: str = "...") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def reason_set(value: str | None) -> dict[str, Any]:
    return {"event": "slot", "name": "handoff_reason", "value": value}


def tracker(events: list[dict[str, Any]]) -> Tracker:
    return Tracker.from_dict({"sender_id": "s", "slots": {}, "events": events})


def test_a_reason_recorded_with_the_offer_explains_the_request_right_after_it() -> None:
    events = [user("order_status"), reason_set("verification_failed"), user("human_agent")]
    assert offered_reason(events) == "verification_failed"
    assert handoff_reason(tracker(events)) == "verification_failed"


def test_an_old_reason_is_stale() -> None:
    events = [
        user("order_status"),
        reason_set("store_unavailable"),
        user("greet"),
        user("delivery_options"),
        user("return_policy"),
        user("human_agent"),
    ]
    assert offered_reason(events) is None
    assert handoff_reason(tracker(events)) == "requested"


def test_a_cleared_reason_or_a_restart_forgets_it() -> None:
    assert offered_reason([reason_set("fallback"), reason_set(None), user("human_agent")]) is None
    assert (
        offered_reason([reason_set("fallback"), {"event": "restart"}, user("human_agent")]) is None
    )
    assert offered_reason([reason_set("not-a-reason"), user("human_agent")]) is None


def test_a_complaint_is_a_complaint_whatever_was_offered_before() -> None:
    events = [reason_set("fallback"), user("complaint", "the courier was rude to me")]
    assert handoff_reason(tracker(events)) == "complaint"


def test_a_complaint_answering_a_refusal_is_a_dispute() -> None:
    events = [
        user("start_return"),
        reason_set("refusal_disputed"),
        user("complaint", "that's not fair, I disagree"),
    ]
    assert handoff_reason(tracker(events)) == "refusal_disputed"


def bot(text: str, *payloads: str) -> dict[str, Any]:
    buttons = [{"title": p, "payload": p} for p in payloads]
    return {"event": "bot", "text": text, "data": {"buttons": buttons}}


def test_a_person_was_offered_only_by_the_last_answer() -> None:
    offer = bot("I still couldn't match that order.", "/human_agent", "/deny")
    assert person_offered([user("inform"), offer, user("affirm", "yes please")])
    # Quick replies (the socket.io form of buttons) count too.
    quick = {"event": "bot", "data": {"quick_replies": [{"payload": "/human_agent"}]}}
    assert person_offered([user("inform"), quick, user("affirm")])
    # An offer further back, or an answer without one, is not an offer to say yes to.
    assert not person_offered(
        [offer, user("affirm"), bot("Anything else?"), user("affirm", "yes")]
    )
    assert not person_offered([user("greet"), bot("Hi!", "/order_status"), user("affirm")])
    assert not person_offered([user("affirm")])
    # A menu that lists a person among other things is no offer ...
    menu = bot("Hi! I can track an order, ...", "/order_status", "/start_return", "/human_agent")
    assert not person_offered([user("greet"), menu, user("affirm", "yes")])
    # ... unless the answer recorded why a person may be needed.
    refusal = bot("Already in a return. Check the refund, or talk to a person.",
                  "/refund_status", "/human_agent")
    assert person_offered([user("start_return"), reason_set("refusal_disputed"), refusal,
                           user("affirm")])
    assert not person_offered([user("start_return"), refusal, user("affirm")])


def test_the_topic_is_the_shoppers_request_before_the_handoff() -> None:
    started = {"event": "action", "name": "action_start_handoff"}
    events = [
        user("greet"),
        user("start_return"),
        user("inform"),
        user("human_agent"),
        started,
        # Typed into the handoff's own questions: never the topic.
        user("order_status", "where is my parcel, it should be here"),
    ]
    assert conversation_topic(events) == "start_return"
    assert conversation_topic([user("human_agent"), started, user("order_status")]) is None
    assert conversation_topic([user("refund_status"), {"event": "restart"}, user("greet")]) is None
    assert conversation_topic([user("complaint"), started]) == "complaint"
    assert conversation_topic([user("start_return"), user("complaint"), started]) == "start_return"


def test_order_numbers_named_but_not_proved() -> None:
    def named(*numbers: str) -> dict[str, Any]:
        entities = [{"entity": "order_number", "value": n} for n in numbers]
        return {"event": "user", "text": "...", "parse_data": {"entities": entities}}

    events = [named("10077"), named("10023", "10078"), named("10077")]
    assert claimed_orders(events, verified="10023") == ("10077", "10078")
    assert claimed_orders(events, verified=None) == ("10077", "10023", "10078")
    assert claimed_orders([named("10077"), {"event": "restart"}], verified=None) == ()
