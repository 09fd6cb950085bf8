"""Small helpers shared by features: named replies and dates in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rasa_sdk.executor import CollectingDispatcher


@dataclass(frozen=True)
class Reply:
    """A named response (from the domain) and the values it is filled with."""

    response: str
    values: dict[str, Any] = field(default_factory=dict)


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **reply.values)


def plain_date(value: date | datetime | None, *, today: date) -> str:
    """'today', 'tomorrow', 'yesterday', or 'Tuesday 1 December' (year only if not this one)."""
    if value is None:
        return "soon"
    day = value.date() if isinstance(value, datetime) else value
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    text = f"{day:%A} {day.day} {day:%B}"
    if day.year != today.year:
        text += f" {day.year}"
    return text


def money(amount: Any, currency: str) -> str:
    symbols = {"GBP": "£", "USD": "$", "EUR": "€"}
    symbol = symbols.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"
