"""Shipping address validation (integrations.store.rules.validate_address)."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.store import rules

GOOD: dict[str, Any] = {
    "name": "Jo Rivera",
    "line1": "1 New Street",
    "line2": None,
    "city": "London",
    "postcode": "sw1a2aa",
    "country": "gb",
}


def validate(**changes: Any) -> rules.Address | rules.FieldError:
    return rules.validate_address({**GOOD, **changes}, allowed_countries=("GB", "IE"))


def test_valid_address_is_normalised() -> None:
    assert validate(name="  Jo   Rivera ") == rules.Address(
        name="Jo Rivera",
        line1="1 New Street",
        line2=None,
        city="London",
        postcode="SW1A 2AA",
        country="GB",
    )


@pytest.mark.parametrize("postcode", ["SW1A 1AA", "M1 1AE", "ec1a1bb", "B1 1AA", "CF10 1EP"])
def test_uk_postcodes_accepted(postcode: str) -> None:
    assert isinstance(validate(postcode=postcode), rules.Address)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"line1": "   "}, "line1"),
        ({"city": 42}, "city"),
        ({"postcode": "zz"}, "postcode"),
        ({"postcode": "12345"}, "postcode"),
        ({"country": "GBR"}, "country"),
        ({"country": "US"}, "country"),
        ({"line2": "x" * 101}, "line2"),
        ({"line1": "bad\x00byte"}, "line1"),
    ],
)
def test_bad_fields_are_named(changes: dict[str, Any], field: str) -> None:
    result = validate(**changes)
    assert isinstance(result, rules.FieldError)
    assert result.field == field


def test_missing_key_is_named() -> None:
    raw = {k: v for k, v in GOOD.items() if k != "city"}
    result = rules.validate_address(raw, allowed_countries=("GB",))
    assert result == rules.FieldError("city", "city is required")


def test_other_countries_use_a_generic_postcode_check() -> None:
    result = validate(country="IE", postcode="D02 X285")
    assert isinstance(result, rules.Address) and result.postcode == "D02X285"


@pytest.mark.parametrize(
    ("country", "good", "bad"),
    [
        ("DE", ["10115", "80331", "01067"], ["1011", "101155", "SW1A 1AA"]),
        ("FR", ["75002", "69001", "20000"], ["7500", "750021", "M1 1AE"]),
        ("ES", ["28013", "08001", "52001"], ["53001", "00123", "2801"]),
    ],
)
def test_german_french_and_spanish_postcodes(country: str, good: list[str], bad: list[str]):
    for postcode in good:
        assert rules.valid_postcode(postcode, country) == postcode
    for postcode in bad:
        assert rules.valid_postcode(postcode, country) is None
