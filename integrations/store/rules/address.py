"""Whether the shipping address may still change, and what a valid new address is:
Shopdesk's own rules, for every backend (and for the bot's checks while it asks)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from integrations.store.rules.facts import ALREADY_SHIPPED, ORDER_CANCELLED, OrderFacts, Refusal


def address_change_refusal(order: OrderFacts) -> Refusal | None:
    """None when the shipping address may still be changed."""
    if order.cancelled:
        return Refusal(ORDER_CANCELLED, "the order was cancelled")
    if order.shipped or order.status != "processing":
        return Refusal(ALREADY_SHIPPED, "the order has already shipped")
    return None


# --- shipping address validation -------------------------------------------------------

# Postcodes by country, checked once spaces and case are normalised: Royal Mail's outward +
# inward code; five digits in Germany and France; five in Spain, the first two a province
# (01-52). Anywhere else, letters and digits.
_POSTCODES = {
    "GB": re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2})$"),
    "DE": re.compile(r"^[0-9]{5}$"),
    "FR": re.compile(r"^[0-9]{5}$"),
    "ES": re.compile(r"^(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}$"),
}
_GENERIC_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")
# what a valid postcode looks like, for the shopper who typed another
POSTCODE_EXAMPLES = {
    "GB": ("SW1A 1AA", "M1 1AE"),
    "DE": ("10115", "80331"),
    "FR": ("75002", "69001"),
    "ES": ("28013", "08001"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    line2: str | None
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def normalize_postcode(value: str) -> str:
    """Upper case, no spaces: the form used for comparisons."""
    return "".join(value.split()).upper()


def format_postcode(value: str, country: str) -> str:
    compact = normalize_postcode(value)
    if country == "GB" and len(compact) > 3:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def valid_postcode(value: str, country: str) -> str | None:
    """The postcode in its usual form ("SW1A 1AA") when it is valid in `country`, else None."""
    compact = normalize_postcode(value)
    pattern = _POSTCODES.get(country, _GENERIC_POSTCODE)
    return format_postcode(compact, country) if pattern.fullmatch(compact) else None


def _text(raw: Mapping[str, Any], name: str, *, required: bool, max_len: int) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Invalid(name, "is required")
        return None
    if not isinstance(value, str):
        raise _Invalid(name, "must be a string")
    value = " ".join(value.split())
    if _CONTROL.search(value):
        raise _Invalid(name, "contains control characters")
    if len(value) > max_len:
        raise _Invalid(name, f"must be at most {max_len} characters")
    return value


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message


def validate_address(
    raw: Mapping[str, Any], *, allowed_countries: Sequence[str]
) -> Address | FieldError:
    """A cleaned ``Address``, or the first ``FieldError`` (field named as in the request)."""
    try:
        name = _text(raw, "name", required=True, max_len=100)
        line1 = _text(raw, "line1", required=True, max_len=100)
        line2 = _text(raw, "line2", required=False, max_len=100)
        city = _text(raw, "city", required=True, max_len=60)
        country_raw = _text(raw, "country", required=True, max_len=2)
        postcode_raw = _text(raw, "postcode", required=True, max_len=12)
    except _Invalid as bad:
        return FieldError(bad.field, f"{bad.field} {bad.message}")
    assert name and line1 and city and country_raw and postcode_raw  # required above
    country = country_raw.upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        return FieldError("country", "country must be a two-letter ISO 3166 code")
    if country not in allowed_countries:
        return FieldError("country", f"the store does not ship to {country}")
    postcode = valid_postcode(postcode_raw, country)
    if postcode is None:
        return FieldError("postcode", f"postcode is not a valid {country} postcode")
    return Address(
        name=name,
        line1=line1,
        line2=line2,
        city=city,
        postcode=postcode,
        country=country,
    )
