"""Order status wording, fallback counting, dates and settings: plain functions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from actions.conversation import consecutive_fallbacks
from actions.order_status import describe_order
from actions.replies import money, plain_date
from actions.settings import ActionSettings, ConfigError
from integrations.store.models import Address, Customer, Order, OrderLine, Refund, Shipment

TODAY = date(2026, 11, 27)


def _order(**changes: object) -> Order:
    base: dict[str, object] = dict(
        order_number="10023",
        status="shipped",
        placed_at=datetime(2026, 11, 24, 10, 0),
        cancelled_at=None,
        currency="GBP",
        subtotal=Decimal("80.00"),
        shipping=Decimal("4.95"),
        total=Decimal("84.95"),
        payment_method="card ending 4242",
        customer=Customer(name="Jo Rivera", email="jo@example.com"),
        shipping_address=Address(
            name="Jo Rivera", line1="1 High St", line2=None, city="London",
            postcode="SW1A 1AA", country="GB",
        ),
        can_cancel=False,
        can_change_address=False,
        lines=(
            OrderLine(line_id=1, sku="SW-1", name="Merino Crew Sweater", category="apparel",
                      quantity=1, unit_price=Decimal("60.00"), final_sale=False,
                      returned_quantity=0, returnable_quantity=0),
            OrderLine(line_id=2, sku="SC-1", name="Clearance Linen Scarf", category="accessories",
                      quantity=1, unit_price=Decimal("20.00"), final_sale=True,
                      returned_quantity=0, returnable_quantity=0),
        ),
        shipments=(),
        returns=(),
        refunds=(),
    )
    base.update(changes)
    return Order(**base)  # type: ignore[arg-type]


def _shipment(**changes: object) -> Shipment:
    base: dict[str, object] = dict(
        carrier="UPS", tracking_number="1Z999", tracking_url="https://ups.example/1Z999",
        status="in_transit", eta=date(2026, 11, 29), shipped_at=datetime(2026, 11, 25, 9, 0),
        delivered_at=None, line_ids=(1, 2),
    )
    base.update(changes)
    return Shipment(**base)  # type: ignore[arg-type]


def test_in_transit_order_names_carrier_tracking_and_eta() -> None:
    replies = describe_order(_order(shipments=(_shipment(),)), today=TODAY)
    assert [r.response for r in replies] == ["utter_shipment_in_transit"]
    values = replies[0].values
    assert values["carrier"] == "UPS"
    assert values["tracking_url"] == "https://ups.example/1Z999"
    assert values["tracking_number"] == "1Z999"
    assert values["eta"] == "Sunday 29 November"
    assert values["items"] == "Order 10023"


def test_processing_order_says_not_shipped_yet() -> None:
    replies = describe_order(_order(status="processing"), today=TODAY)
    assert [r.response for r in replies] == ["utter_order_processing"]
    assert replies[0].values == {"order_number": "10023", "placed_on": "Tuesday 24 November"}


def test_each_shipment_of_a_split_order_is_described_with_its_items() -> None:
    order = _order(shipments=(
        _shipment(carrier="DHL", status="delivered", delivered_at=datetime(2026, 11, 26, 14, 0),
                  line_ids=(1,)),
        _shipment(carrier="FedEx", line_ids=(2,)),
    ))
    replies = describe_order(order, today=TODAY)
    assert [r.response for r in replies] == [
        "utter_order_summary_multi", "utter_shipment_delivered", "utter_shipment_in_transit",
    ]
    assert replies[0].values["count"] == 2
    assert replies[1].values["items"] == "Merino Crew Sweater"
    assert replies[1].values["delivered_on"] == "yesterday"
    assert replies[2].values["items"] == "Clearance Linen Scarf"


def test_cancelled_order_mentions_its_refund() -> None:
    refund = Refund(amount=Decimal("84.95"), currency="GBP", status="issued",
                    method="original card ending 4242", created_at=datetime(2026, 11, 20),
                    issued_at=datetime(2026, 11, 21), expected_by=None)
    replies = describe_order(
        _order(status="cancelled", cancelled_at=datetime(2026, 11, 20), refunds=(refund,)),
        today=TODAY,
    )
    assert [r.response for r in replies] == ["utter_order_cancelled"]
    assert "£84.95" in replies[0].values["refund_note"]
    assert "card ending 4242" in replies[0].values["refund_note"]


def test_unknown_shipment_status_is_not_guessed() -> None:
    replies = describe_order(_order(shipments=(_shipment(status="lost_in_space"),)), today=TODAY)
    assert [r.response for r in replies] == ["utter_order_status_unknown"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 27), "today"),
        (date(2026, 11, 28), "tomorrow"),
        (date(2026, 11, 26), "yesterday"),
        (date(2026, 12, 1), "Tuesday 1 December"),
        (date(2027, 1, 4), "Monday 4 January 2027"),
        (None, "soon"),
    ],
)
def test_dates_in_plain_words(day: date | None, expected: str) -> None:
    assert plain_date(day, today=TODAY) == expected


def test_money_uses_the_currency_symbol() -> None:
    assert money(Decimal("12.50"), "GBP") == "£12.50"
    assert money(Decimal("12.50"), "CHF") == "12.50 CHF"


def _user(intent: str) -> dict[str, object]:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def _action(name: str) -> dict[str, object]:
    return {"event": "action", "name": name}


def test_consecutive_fallbacks_count_turns_answered_by_a_fallback() -> None:
    assert consecutive_fallbacks([_action("action_listen"), _user("nlu_fallback")]) == 1
    events = [
        _user("greet"), _action("utter_greet"), _action("action_listen"),
        _user("nlu_fallback"), _action("action_fallback"), _action("action_listen"),
        _user("inform"),
    ]
    assert consecutive_fallbacks(events) == 2
    events_with_success_between = [
        _user("nlu_fallback"), _action("action_fallback"), _action("action_listen"),
        _user("greet"), _action("utter_greet"), _action("action_listen"),
        _user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(events_with_success_between) == 1


def test_settings_fail_loudly_and_by_name() -> None:
    with pytest.raises(ConfigError, match="STORE_URL"):
        ActionSettings.from_env({"STORE_URL": "ftp://store"})
    with pytest.raises(ConfigError, match="STORE_TIMEOUT_SECONDS"):
        ActionSettings.from_env({"STORE_TIMEOUT_SECONDS": "soon"})
    with pytest.raises(ConfigError, match="SHOPDESK_VERIFICATION_SECRET"):
        ActionSettings.from_env({"SHOPDESK_PROFILE": "production"})
    with pytest.raises(ConfigError, match="ACTION_SERVER_PORT"):
        ActionSettings.from_env({"ACTION_SERVER_PORT": "fifty"})


def test_embedded_settings_have_safe_defaults() -> None:
    settings = ActionSettings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 5055)
    assert settings.store_url == "http://127.0.0.1:8100"
    assert settings.store_timeout == 2.5
    assert len(settings.verification_secret) >= 32
    assert settings.identity_secret is None
    assert settings.max_verification_attempts == 3
