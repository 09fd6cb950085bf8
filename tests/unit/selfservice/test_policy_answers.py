"""Policy answers are built from the store's policy values, never from numbers of our own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.locale_format import working_days
from actions.policy import describe_delivery_options, describe_return_policy
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
    assert texts[0].startswith("We deliver to the United Kingdom.")
    assert "free on orders over £50.00" in texts[0]
    assert texts[1:] == [
        "Standard delivery: £3.95, 3-5 working days",
        "Next-day delivery: £12.95, 1 working day",
    ]


def test_delivery_options_in_german_french_and_spanish() -> None:
    store = policy(free_shipping_threshold=Decimal("50.00"))
    german = [rendered(r, "de") for r in describe_delivery_options(store, language="de")]
    assert german[0] == (
        "Wir liefern nach Vereinigtes Königreich. Standardversand ist ab 50,00\xa0£ Bestellwert "
        "kostenlos. Die Optionen:"
    )
    assert german[1:] == [
        "Standard delivery: 3,95\xa0£, 3–5 Werktage",
        "Next-day delivery: 12,95\xa0£, 1 Werktag",
    ]
    [_, french, _] = [rendered(r, "fr") for r in describe_delivery_options(store, language="fr")]
    assert french == "Standard delivery : 3,95\xa0£GB, 3 à 5 jours ouvrés"
    [_, _, spanish] = [
        rendered(r, "es") for r in describe_delivery_options(store, language="es")
    ]
    assert spanish == "Next-day delivery: 12,95\xa0GBP, 1 día laborable"


@pytest.mark.parametrize(
    ("language", "one", "two", "range_"),
    [
        ("en", "1 working day", "2 working days", "1-2 working days"),
        ("de", "1 Werktag", "2 Werktage", "1–2 Werktage"),
        ("fr", "1 jour ouvré", "2 jours ouvrés", "1 à 2 jours ouvrés"),
        ("es", "1 día laborable", "2 días laborables", "1-2 días laborables"),
    ],
)
def test_days_in_words(language: str, one: str, two: str, range_: str) -> None:
    assert working_days(1, 1, language=language) == one
    assert working_days(2, 2, language=language) == two
    assert working_days(1, 2, language=language) == range_
