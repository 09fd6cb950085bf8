"""The one order-number pattern (common/order_numbers.py), per store backend."""

from __future__ import annotations

import pytest

from common.order_numbers import (
    REFERENCE_FORMAT,
    BackendSettingError,
    OrderNumberFormat,
    format_from_env,
    order_number_format,
    store_backend,
)

SHOPIFY = order_number_format("shopify")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10023", "10023"), ("#10023", "10023"), ("it's order # 10023 thanks", "10023"),
     ("1002", None), ("100234", None), ("10023-7", None), ("10023 or 10024", None),
     ("£10023", None), ("12a45", None), (None, None)],
)
def test_the_reference_store_numbers_orders_with_five_digits(text, expected) -> None:
    assert REFERENCE_FORMAT.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("#1001", "1001"), ("1001", "1001"), ("order #10023 please", "10023"),
     ("#123456789012", "123456789012"), ("#101", None), ("1001 and 1002", None)],
)
def test_shopify_names_have_four_or_more_digits(text, expected) -> None:
    assert SHOPIFY.parse(text) == expected


def test_a_shops_own_prefix_and_suffix() -> None:
    names = order_number_format("shopify", prefix="SD-", suffix="-EU")
    assert names.parse("SD-1001-EU") == "1001"
    assert names.parse("my order is sd-1001-eu") == "1001"
    assert names.parse("1001") == "1001"
    assert names.platform_name("1001") == "SD-1001-EU"
    assert SHOPIFY.platform_name("1001") == "#1001"


def test_the_hint_names_the_format() -> None:
    assert REFERENCE_FORMAT.hint == "5 digits, like 10023"
    assert SHOPIFY.hint == "4 or more digits, like #10023"


def test_the_backend_setting() -> None:
    assert store_backend({}) == "reference"
    assert store_backend({"SHOPDESK_STORE_BACKEND": " Shopify "}) == "shopify"
    assert format_from_env({"SHOPDESK_STORE_BACKEND": "shopify"}) == SHOPIFY
    with pytest.raises(BackendSettingError, match="SHOPDESK_STORE_BACKEND"):
        store_backend({"SHOPDESK_STORE_BACKEND": "woocommerce"})


@pytest.mark.parametrize(
    ("fmt", "field", "expected"),
    [
        (REFERENCE_FORMAT, "10023", "10023"),
        (REFERENCE_FORMAT, " # 10023 ", "10023"),
        (REFERENCE_FORMAT, "1002", None),
        (REFERENCE_FORMAT, "100234", None),
        (REFERENCE_FORMAT, "10023 10024", None),
        (REFERENCE_FORMAT, "\u0661\u0660\u0660\u0662\u0663", None),  # Arabic-Indic digits
        (order_number_format("shopify", prefix="SD-", suffix="-EU"), "SD-1001-EU", "1001"),
        (order_number_format("shopify", prefix="SD-", suffix="-EU"), "#1001", "1001"),
    ],
)
def test_a_field_is_exactly_one_order_number(
    fmt: OrderNumberFormat, field: str, expected: str | None
) -> None:
    assert fmt.exact(field) == expected
