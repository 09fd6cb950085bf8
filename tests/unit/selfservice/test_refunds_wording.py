"""Refund status in plain words: amount, state, date and method."""

from __future__ import annotations

from datetime import UTC, date, datetime

from actions.refunds import describe_refunds
from tests.unit.selfservice.builders import TODAY, order, refund, rendered, rma


def test_each_refund_is_listed_with_amount_state_date_and_method() -> None:
    o = order(
        refunds=(
            refund("issued", amount="89.00", issued=datetime(2026, 11, 25, 9, tzinfo=UTC)),
            refund("pending", amount="15.00", method="store credit", expected=date(2026, 11, 30)),
            refund("failed", amount="22.00"),
        )
    )
    replies = describe_refunds(o, today=TODAY)
    assert [r.response for r in replies] == [
        "utter_refunds_intro",
        "utter_refund_issued",
        "utter_refund_pending",
        "utter_refund_failed",
    ]
    texts = [rendered(r) for r in replies]
    assert "£89.00 — issued Wednesday 25 November to card ending 4242" in texts[1]
    assert "£15.00" in texts[2] and "store credit" in texts[2]
    assert "Monday 30 November" in texts[2]
    assert "didn't go through" in texts[3]


def test_no_refund_while_the_return_is_on_its_way() -> None:
    [reply] = describe_refunds(order(returns=(rma("authorized"),)), today=TODAY)
    assert reply.response == "utter_refund_awaiting_return"
    assert "RMA-10010-1" in rendered(reply)


def test_no_refund_after_the_return_arrived() -> None:
    [reply] = describe_refunds(order(returns=(rma("received"),)), today=TODAY)
    assert reply.response == "utter_refund_return_received"


def test_no_refund_and_no_return() -> None:
    [reply] = describe_refunds(order(), today=TODAY)
    assert reply.response == "utter_refund_none"
    assert "order 10010" in rendered(reply)
