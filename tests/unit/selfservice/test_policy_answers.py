"""Policy answers are built from the store's policy values, never from numbers of our own."""

from __future__ import annotations

from decimal import Decimal

from actions.policy import days_text, describe_delivery_options, describe_return_policy
from tests.unit.selfservice.builders import policy, rendered


def test_return_policy_uses_the_stores_window_limits_and_refund_time() -> None:
    [reply] = describe_return_policy(
        policy(return_window_days=14, max_units_per_return=4, refund_processing_days=7)
    )
    text = rendered(reply)
    assert "within 14 days of delivery" in text
    assert "up to 4 items" in text and "within 7 working days" in text
    assert "Final-sale items can't be returned" in text


def test_final_sale_wording_follows_the_policy() -> None:
    [reply] = describe_return_policy(policy(final_sale_returnable=True))
    assert reply.response == "utter_return_policy_final_sale_returnable"
    assert "final-sale items included" in rendered(reply)


def test_delivery_options_list_each_method_with_cost_and_time() -> None:
    replies = describe_delivery_options(policy(free_shipping_threshold=Decimal("50.00")))
    texts = [rendered(r) for r in replies]
    assert "free on orders over £50.00" in texts[0]
    assert texts[1:] == [
        "Standard delivery: £3.95, 3-5 working days",
        "Next-day delivery: £12.95, 1 working day",
    ]


def test_days_in_words() -> None:
    assert days_text(1, 1) == "1 working day"
    assert days_text(2, 2) == "2 working days"
    assert days_text(1, 2) == "1-2 working days"
