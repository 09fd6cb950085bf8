"""Dates, amounts and the small phrases the actions put into replies, in the conversation's
language (babel's CLDR data, shipped in the babel wheel).

English keeps the words it always had (`actions/replies.py`: "tomorrow", "Tuesday 1
December", "£89.00"). German, French and Spanish get the date itself, written the local way
("Mittwoch, 9. Dezember", "mercredi 9 décembre", "miércoles, 9 de diciembre"), because their
replies put a preposition before it ("am", "le", "el"); and amounts the local way ("89,00 €").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from actions.phrases import phrase
from actions.replies import money, plain_date
from common.languages import DEFAULT_LANGUAGE
from common.order_numbers import OrderNumberFormat
from integrations.store.models import (
    LABEL_BY_EMAIL,
    ORIGINAL_PAYMENT,
    STORE_CREDIT,
    UNNAMED_CARRIER,
)

LOCALES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
# weekday, day and month, as each language writes them (CLDR patterns; the year when it is
# not this year's)
DATE_PATTERNS = {
    "de": ("EEEE, d. MMMM", "EEEE, d. MMMM y"),
    "fr": ("EEEE d MMMM", "EEEE d MMMM y"),
    "es": ("EEEE, d 'de' MMMM", "EEEE, d 'de' MMMM 'de' y"),
}
# what a reply says when a date is not known yet
UNKNOWN_DATE = {"de": "noch offen", "fr": "bientôt", "es": "pronto"}
# how a shopper recognises an order number: exactly n digits, or n or more
DIGITS_HINT = {
    "de": ("{n} Ziffern, z. B. {example}", "{n} oder mehr Ziffern, z. B. {example}"),
    "fr": ("{n} chiffres, par exemple {example}", "{n} chiffres ou plus, par exemple {example}"),
    "es": ("{n} cifras, como {example}", "{n} o más cifras, como {example}"),
}


def _locale(language: str) -> str | None:
    return LOCALES.get(language)


def local_date(value: date | datetime | None, *, today: date, language: str) -> str:
    """A date for a reply in `language` (English: the words replies.plain_date gives)."""
    locale = _locale(language)
    if locale is None:
        return plain_date(value, today=today)
    if value is None:
        return UNKNOWN_DATE[language]
    day = value.date() if isinstance(value, datetime) else value
    this_year, other_year = DATE_PATTERNS[language]
    return format_date(day, this_year if day.year == today.year else other_year, locale=locale)


def local_money(amount: Any, currency: str, *, language: str) -> str:
    """An amount for a reply in `language` (English: replies.money's "£89.00")."""
    locale = _locale(language)
    if locale is None:
        return money(amount, currency)
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return money(amount, currency)
    return format_currency(number, currency.upper(), locale=locale)


# the platform adapters' own words -> their phrases
_STORE_WORDS = {
    ORIGINAL_PAYMENT: "original_payment",
    STORE_CREDIT: "store_credit",
    UNNAMED_CARRIER: "unnamed_carrier",
    LABEL_BY_EMAIL: "label_by_email",
}


def store_words(text: str, *, language: str) -> str:
    """A store value for a reply: Shopdesk's own words where the platform gave none ("your
    original payment method") in `language`; anything the store wrote, as it wrote it."""
    key = _STORE_WORDS.get(text)
    return phrase(key, language=language) if key else text


def order_label(number: str, *, language: str) -> str:
    return phrase("order_label", language=language, number=number)


def one_parcel(*, language: str) -> str:
    return phrase("one_parcel", language=language)


def not_available(*, language: str) -> str:
    return phrase("not_available", language=language)


def join_names(names: Sequence[str], *, language: str) -> str:
    """"a, b and c" in `language`."""
    if len(names) <= 1:
        return "".join(names)
    word = phrase("and", language=language)
    return ", ".join(names[:-1]) + f" {word} " + names[-1]


def item_names(names: Sequence[str], *, language: str) -> str:
    """The items a reply is about: "the Sweater and the Tee" in English; in German, French
    and Spanish the names joined (their sentences carry no article to agree with)."""
    if not names:
        return phrase("this_item", language=language)
    if language == DEFAULT_LANGUAGE:
        items = [f"the {name}" for name in names]
        return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]
    return join_names(names, language=language)


def working_days(min_days: int, max_days: int, *, language: str) -> str:
    """'1 working day', '3-5 working days', in `language`."""
    if min_days != max_days:
        return phrase("working_days_range", language=language, min=min_days, max=max_days)
    key = "working_day" if min_days == 1 else "working_days"
    return phrase(key, language=language, n=min_days)


def order_number_hint(order_numbers: OrderNumberFormat, *, language: str) -> str:
    """The store's order-number format for the bot's questions ("5 digits, like 10023")."""
    if language not in DIGITS_HINT:
        return order_numbers.hint
    exact, at_least = DIGITS_HINT[language]
    pattern = exact if order_numbers.min_digits == order_numbers.max_digits else at_least
    return pattern.format(n=order_numbers.min_digits, example=order_numbers.example)
