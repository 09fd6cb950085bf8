"""Dates, amounts and phrases in the replies, in the conversation's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from actions.locale_format import join_names, local_date, local_money
from actions.order_number_question import order_buttons
from actions.order_status import describe_order
from actions.refunds import describe_refunds
from actions.replies import money, plain_date
from actions.shipping_address import postcode_hint
from integrations.store.models import OrderSummary, Shipment
from tests.unit.selfservice.builders import TODAY, order, refund, rendered

WEDNESDAY = date(2026, 12, 2)  # TODAY is Friday 27 November 2026


@pytest.mark.parametrize(
    "language,expected",
    [
        ("de", "Mittwoch, 2. Dezember"),
        ("fr", "mercredi 2 décembre"),
        ("es", "miércoles, 2 de diciembre"),
    ],
)
def test_dates_are_written_the_local_way(language, expected):
    assert local_date(WEDNESDAY, today=TODAY, language=language) == expected
    assert local_date(date(2027, 1, 6), today=TODAY, language=language).endswith("2027")


@pytest.mark.parametrize(
    "language,expected", [("de", "89,00\xa0£"), ("fr", "89,00\xa0£GB"), ("es", "89,00\xa0GBP")]
)
def test_amounts_are_written_the_local_way(language, expected):
    assert local_money(Decimal("89.00"), "GBP", language=language) == expected


def test_english_keeps_its_words():
    for value in (TODAY, WEDNESDAY, None):
        assert local_date(value, today=TODAY, language="en") == plain_date(value, today=TODAY)
    assert local_money(Decimal("89.00"), "GBP", language="en") == money(Decimal("89.00"), "GBP")
    assert join_names(["a", "b", "c"], language="en") == "a, b and c"
    assert join_names(["a", "b"], language="es") == "a y b"


def test_order_status_in_german():
    shipped = order(
        status="shipped",
        shipments=(
            Shipment(
                carrier="UPS",
                tracking_number="1Z",
                tracking_url="https://www.ups.com/track?tracknum=1Z",
                status="in_transit",
                eta=WEDNESDAY,
                shipped_at=None,
                delivered_at=None,
                line_ids=(100101, 100102),
            ),
        ),
    )
    [reply] = describe_order(shipped, today=TODAY, language="de")
    assert rendered(reply, "de").startswith(
        "Bestellung 10010: unterwegs mit UPS, voraussichtliche Zustellung: Mittwoch, 2. Dezember."
    )
    [english] = describe_order(shipped, today=TODAY)
    assert "Order 10010: on its way with UPS, expected Wednesday 2 December." in rendered(
        english, "en"
    )


def test_cancelled_order_and_its_refund_in_french():
    cancelled = order(
        status="cancelled",
        cancelled_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        refunds=(refund("issued", amount="104.00", issued=datetime(2026, 11, 26, tzinfo=UTC)),),
    )
    [reply] = describe_order(cancelled, today=TODAY, language="fr")
    assert rendered(reply, "fr") == (
        "La commande 10010 a été annulée le mercredi 25 novembre. Un remboursement de "
        "104,00\xa0£GB a été effectué le jeudi 26 novembre sur card ending 4242."
    )


def test_refund_status_in_spanish():
    replies = describe_refunds(
        order(refunds=(refund("pending", amount="15.00", expected=WEDNESDAY),)),
        today=TODAY,
        language="es",
    )
    assert "antes del miércoles, 2 de diciembre" in rendered(replies[1], "es")
    assert rendered(replies[1], "es").startswith("15,00\xa0GBP: en trámite")


def test_cancellation_summary_and_refund_in_german():
    from actions.cancellation import cancellation_summary, cancelled_replies

    cancellable = order(order_number="10001", status="processing", can_cancel=True)
    assert rendered(cancellation_summary(cancellable, language="de"), "de") == (
        "Bestellung 10001 ist noch nicht verschickt und kann noch storniert werden: "
        "Merino Crew Sweater und Clearance Linen Scarf, insgesamt 104,00\xa0£, Erstattung auf "
        "Ihr Zahlungsmittel (card ending 4242). Soll ich die ganze Bestellung stornieren?"
    )
    cancelled = order(
        status="cancelled", refunds=(refund("pending", amount="104.00", expected=WEDNESDAY),)
    )
    [reply] = cancelled_replies(cancelled, today=TODAY, language="de")
    assert "104,00\xa0£ auf card ending 4242" in rendered(reply, "de")
    assert "bis Mittwoch, 2. Dezember" in rendered(reply, "de")
    [english] = cancelled_replies(cancelled, today=TODAY)
    assert "£104.00" in rendered(english, "en") and "Wednesday 2 December" in rendered(
        english, "en"
    )


def test_order_number_hint_in_each_language():
    from actions.locale_format import order_number_hint
    from common.order_numbers import REFERENCE_FORMAT, SHOPIFY_FORMAT

    assert order_number_hint(REFERENCE_FORMAT, language="en") == REFERENCE_FORMAT.hint
    assert order_number_hint(REFERENCE_FORMAT, language="de") == "5 Ziffern, z. B. 10023"
    assert order_number_hint(SHOPIFY_FORMAT, language="fr") == (
        "4 chiffres ou plus, par exemple #10023"
    )
    assert order_number_hint(REFERENCE_FORMAT, language="es") == "5 cifras, como 10023"


@pytest.mark.parametrize(
    "language,expected",
    [
        ("en", "10011 · Wednesday 25 November · on its way"),
        ("de", "10011 · Mittwoch, 25. November · unterwegs"),
        ("fr", "10011 · mercredi 25 novembre · en route"),
        ("es", "10011 · miércoles, 25 de noviembre · en camino"),
    ],
)
def test_recent_order_buttons_in_the_shoppers_language(language, expected):
    placed = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    orders = [OrderSummary("10011", placed, "shipped"), OrderSummary("10012", placed, "on_hold")]
    first, second = order_buttons(orders, today=TODAY, language=language)
    assert first == {"title": expected, "payload": '/inform{"order_number": "10011"}'}
    assert second["title"].endswith(" · on_hold")  # a status of the store's own, as it is


@pytest.mark.parametrize(
    "country,language,kind,examples",
    [
        ("GB", "en", "a UK postcode", "SW1A 1AA or M1 1AE"),
        ("GB", "de", "einer britischen Postleitzahl", "SW1A 1AA oder M1 1AE"),
        ("DE", "de", "einer deutschen Postleitzahl", "10115 oder 80331"),
        ("FR", "fr", "un code postal français", "75002 ou 69001"),
        ("ES", "es", "un código postal español", "28013 o 08001"),
        ("IE", "en", "a postcode of Ireland", "letters and digits"),
        ("IE", "fr", "un code postal (Irlande)", "des lettres et des chiffres"),
    ],
)
def test_the_postcode_hint_names_the_orders_country(country, language, kind, examples):
    assert postcode_hint(country, language=language) == {
        "postcode_kind": kind,
        "postcode_examples": examples,
    }
