"""Cancellation and address change: summaries, refusals, field validation, keys."""

from __future__ import annotations

from datetime import date

import pytest

from actions.cancellation import (
    cancel_key,
    cancellation_summary,
    cancelled_replies,
    cannot_cancel,
)
from actions.shipping_address import (
    address_key,
    clean_city,
    clean_line1,
    clean_postcode,
    new_address,
    one_line,
)
from tests.unit.selfservice.builders import TODAY, order, refund, rendered


def test_the_cancellation_summary_says_what_will_change() -> None:
    text = rendered(cancellation_summary(order(order_number="10001", can_cancel=True)))
    assert "order 10001" in text.lower()
    assert "the Merino Crew Sweater and the Clearance Linen Scarf" in text
    assert "£104.00" in text and "card ending 4242" in text


def test_shipped_order_cannot_be_cancelled_and_a_return_is_offered() -> None:
    [reply] = cannot_cancel(order(status="shipped"))
    assert reply.response == "utter_cancel_refused_shipped"
    assert "already left our warehouse" in rendered(reply)


def test_cancelled_order_is_already_cancelled() -> None:
    [reply] = cannot_cancel(order(status="cancelled"))
    assert reply.response == "utter_cancel_already_cancelled"


def test_after_cancelling_the_refund_is_announced() -> None:
    cancelled = order(
        status="cancelled",
        refunds=(refund("pending", amount="104.00", expected=date(2026, 12, 2)),),
    )
    [reply] = cancelled_replies(cancelled, today=TODAY)
    assert "£104.00" in rendered(reply) and "Wednesday 2 December" in rendered(reply)
    [plain] = cancelled_replies(order(status="cancelled"), today=TODAY)
    assert plain.response == "utter_order_cancelled_now"


def test_cancel_key_is_per_conversation_and_order() -> None:
    assert cancel_key(sender_id="a", order_number="10001") == cancel_key(
        sender_id="a", order_number="10001"
    )
    assert cancel_key(sender_id="a", order_number="10001") != cancel_key(
        sender_id="b", order_number="10001"
    )
    assert cancel_key(sender_id="a", order_number="10001") != cancel_key(
        sender_id="a", order_number="10011"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" m1 1ae ", "M1 1AE"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("12345", None),
        ("SW1A", None),
        ("", None),
        (None, None),
        ("not a postcode", None),
    ],
)
def test_uk_postcodes(raw: object, expected: str | None) -> None:
    assert clean_postcode(raw, country="GB") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12  Station Road", "12 Station Road"),
        ("Flat 2, 5 High St", "Flat 2, 5 High St"),
        ("12", None),
        ("ab", None),
        ("x" * 101, None),
        ("1 Road\x00", None),
        (None, None),
    ],
)
def test_street_lines(raw: object, expected: str | None) -> None:
    assert clean_line1(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Manchester", "Manchester"),
        ("  St  Albans ", "St Albans"),
        ("M1", None),
        ("a", None),
        ("", None),
    ],
)
def test_cities(raw: object, expected: str | None) -> None:
    assert clean_city(raw) == expected


def test_new_address_keeps_the_name_and_country() -> None:
    current = order().shipping_address
    new = new_address(current, line1="5 Mill Lane", city="Leeds", postcode="LS1 4AP")
    assert (new.name, new.country) == ("Jo Rivera", "GB")
    assert one_line(new) == "Jo Rivera, 5 Mill Lane, Leeds LS1 4AP"
    key = address_key(sender_id="s", order_number="10001", address=new)
    assert key == address_key(sender_id="s", order_number="10001", address=new)
    other = new_address(current, line1="6 Mill Lane", city="Leeds", postcode="LS1 4AP")
    assert key != address_key(sender_id="s", order_number="10001", address=other)


def test_the_order_number_before_the_latest_message() -> None:
    from actions.order_access import set_by_last_message, value_before_last_message

    events = [
        {"event": "user", "text": "where is 10011"},
        {"event": "slot", "name": "order_number", "value": "10011"},
        {"event": "user", "text": "12345"},
        {"event": "slot", "name": "order_number", "value": "12345"},
    ]
    assert value_before_last_message(events, "order_number") == "10011"
    assert value_before_last_message(events[:1], "order_number") is None
    assert value_before_last_message([], "order_number") is None
    assert set_by_last_message(events, "order_number")
    assert not set_by_last_message(events[:3], "order_number")
