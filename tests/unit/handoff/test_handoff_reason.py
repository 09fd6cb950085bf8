"""Why a request for a person is made: plain functions over tracker events, no I/O."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.handoff import handoff_reason, offered_reason


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
