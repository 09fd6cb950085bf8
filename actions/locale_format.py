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

from actions.replies import money, plain_date
from common.languages import DEFAULT_LANGUAGE
from common.order_numbers import OrderNumberFormat

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
ORDER_LABEL = {"en": "Order {number}", "de": "Bestellung {number}", "fr": "Commande {number}",
               "es": "Pedido {number}"}
ONE_PARCEL = {"en": "One parcel", "de": "Ein Paket", "fr": "Un colis", "es": "Un paquete"}
AND = {"en": "and", "de": "und", "fr": "et", "es": "y"}
# how a shopper recognises an order number: exactly n digits, or n or more
DIGITS_HINT = {
    "de": ("{n} Ziffern, z. B. {example}", "{n} oder mehr Ziffern, z. B. {example}"),
    "fr": ("{n} chiffres, par exemple {example}", "{n} chiffres ou plus, par exemple {example}"),
    "es": ("{n} cifras, como {example}", "{n} o más cifras, como {example}"),
}
NOT_AVAILABLE = {"en": "not available yet", "de": "noch nicht verfügbar",
                 "fr": "pas encore disponible", "es": "aún no disponible"}


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


def order_label(number: str, *, language: str) -> str:
    return ORDER_LABEL.get(language, ORDER_LABEL[DEFAULT_LANGUAGE]).format(number=number)


def one_parcel(*, language: str) -> str:
    return ONE_PARCEL.get(language, ONE_PARCEL[DEFAULT_LANGUAGE])


def not_available(*, language: str) -> str:
    return NOT_AVAILABLE.get(language, NOT_AVAILABLE[DEFAULT_LANGUAGE])


def join_names(names: Sequence[str], *, language: str) -> str:
    """"a, b and c" in `language`."""
    if len(names) <= 1:
        return "".join(names)
    word = AND.get(language, AND[DEFAULT_LANGUAGE])
    return ", ".join(names[:-1]) + f" {word} " + names[-1]


def order_number_hint(order_numbers: OrderNumberFormat, *, language: str) -> str:
    """The store's order-number format for the bot's questions ("5 digits, like 10023")."""
    if language not in DIGITS_HINT:
        return order_numbers.hint
    exact, at_least = DIGITS_HINT[language]
    pattern = exact if order_numbers.min_digits == order_numbers.max_digits else at_least
    return pattern.format(n=order_numbers.min_digits, example=order_numbers.example)
