"""Returns as plain functions over the store's answers: which lines to offer, how each
refusal is explained, what the shopper's answers mean, the idempotency key.

Eligibility itself is decided by the return rule (integrations/store/rules/returns.py, the
same for every backend), whose refusal codes the port carries; these functions only word it.
Unit-tested without any server (tests/unit/selfservice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from actions.idempotency import idempotency_key
from actions.locale_format import item_names, local_date
from actions.phrases import PHRASES, has_phrase, phrase
from actions.replies import Reply
from common.languages import DEFAULT_LANGUAGE
from integrations.store.models import (
    LineEligibility,
    Order,
    OrderLine,
    ReturnEligibility,
    ReturnLine,
)

ALL_LINES = "all"
COMMENT_MAX = 200

# Which refusal explains an order with nothing returnable, most fundamental first.
_REFUSAL_ORDER = (
    "order_cancelled",
    "not_delivered",
    "return_window_expired",
    "already_returned",
    "final_sale",
)

# Reasons the NLU recognises (data/catalogue/return_reasons.yml) -> the store's reasons.
_NLU_REASONS = {
    "too_small": "wrong_size",
    "too_big": "wrong_size",
    "wrong_item": "other",
    "damaged": "damaged",
    "changed_mind": "changed_mind",
    "not_as_described": "not_as_described",
    "arrived_late": "arrived_late",
}
# The reason codes Shopdesk has button titles for (actions/phrases.py, "reason_<code>"):
# what the shopper's words are read against while the store cannot list its own.
KNOWN_REASONS = tuple(key.removeprefix("reason_") for key in PHRASES if key.startswith("reason_"))
# "all of them" typed in answer to "which item?", in each language
_ALL_WORDS = frozenset(
    {
        "all", "all of them", "everything", "both", "both of them",
        "alle", "alles", "beide", "alle beide",
        "tous", "toutes", "tout", "les deux", "tous les deux",
        "todos", "todas", "todo", "los dos", "las dos", "ambos", "ambas",
    }
)
_WORD = re.compile(r"[^\W\d_]+")
_CHOICE = re.compile(r"\d+(:\d+)?")
# words of an answer that name no item (articles and the like, in the four languages)
_STOPWORDS = frozenset(
    {
        "the", "and", "for", "with", "set", "pro",
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "und", "mit",
        "les", "une", "aux", "avec", "mon", "mes",
        "los", "las", "del", "una", "con", "mis",
    }
)


@dataclass(frozen=True)
class ReturnableLine:
    line_id: int
    name: str
    quantity: int


def returnable_lines(order: Order, eligibility: ReturnEligibility) -> list[ReturnableLine]:
    """The order's lines the store says may be returned now, in order."""
    names = {line.line_id: line for line in order.lines}
    return [
        ReturnableLine(e.line_id, names[e.line_id].name, e.returnable_quantity)
        for e in eligibility.lines
        if e.eligible and e.line_id in names and e.returnable_quantity > 0
    ]


def refused_lines(
    order: Order, eligibility: ReturnEligibility
) -> dict[str, list[tuple[OrderLine, LineEligibility]]]:
    """Lines that may not be returned, grouped by the rule that refused them."""
    names = {line.line_id: line for line in order.lines}
    grouped: dict[str, list[tuple[OrderLine, LineEligibility]]] = {}
    for e in eligibility.lines:
        if not e.eligible and e.refusal_code and e.line_id in names:
            grouped.setdefault(e.refusal_code, []).append((names[e.line_id], e))
    return grouped


def main_refusal(codes: list[str] | set[str]) -> str:
    """The rule that explains best why nothing at all can be returned."""
    for code in _REFUSAL_ORDER:
        if code in codes:
            return code
    return sorted(codes)[0] if codes else "not_delivered"


def refusal_replies(
    code: str,
    *,
    order: Order,
    items: list[str],
    eligibility: list[LineEligibility],
    window_days: int,
    max_units: int | None = None,
    today: date,
    language: str = DEFAULT_LANGUAGE,
) -> list[Reply]:
    """What to say when the store's rule `code` refuses a return (and what the shopper can do)."""
    values: dict[str, Any] = {
        "order_number": order.order_number,
        "items": item_names(items, language=language),
        "window_days": window_days,
    }
    if code == "return_window_expired":
        ends = [e.return_by for e in eligibility if e.return_by is not None]
        if ends:
            values["return_by"] = local_date(max(ends), today=today, language=language)
        else:
            values["return_by"] = "some time ago"
        return [Reply("utter_return_refused_window_expired", values)]
    if code == "final_sale":
        return [Reply("utter_return_refused_final_sale", values)]
    if code == "already_returned":
        return [Reply("utter_return_refused_already_returned", values)]
    if code == "order_cancelled":
        return [Reply("utter_return_refused_order_cancelled", values)]
    if code == "quantity_exceeded":
        values["max_units"] = (
            max_units if max_units is not None else phrase("limited_number", language=language)
        )
        return [Reply("utter_return_refused_quantity", values)]
    if code == "not_delivered":
        if order.can_cancel:
            return [Reply("utter_return_refused_not_delivered_can_cancel", values)]
        return [Reply("utter_return_refused_not_delivered_wait", values)]
    return [Reply("utter_return_refused_other", values)]


_NOTES = {
    "final_sale": "utter_return_note_final_sale",
    "already_returned": "utter_return_note_already_returned",
    "return_window_expired": "utter_return_note_window_expired",
    "not_delivered": "utter_return_note_not_delivered",
}


def partial_notes(
    refused: dict[str, list[tuple[OrderLine, LineEligibility]]],
    *,
    language: str = DEFAULT_LANGUAGE,
) -> list[Reply]:
    """When some lines may be returned: a short note per rule on those that may not."""
    return [
        Reply(
            _NOTES[code],
            {"items": item_names([line.name for line, _ in lines], language=language)},
        )
        for code, lines in refused.items()
        if code in _NOTES
    ]


def _words(text: str) -> set[str]:
    words = {w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in _STOPWORDS}
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def choose_lines(value: object, options: list[ReturnableLine]) -> dict[int, int] | None:
    """What the shopper picked, as line id -> units: a button payload ("100021", "100021:1"
    or "all") or the items' names (all their units).

    None when the answer names none of the returnable items, or more units than are left.
    """
    if not isinstance(value, str) or not value.strip() or not options:
        return None
    text = value.strip().lower()
    by_id = {o.line_id: o for o in options}
    if text == ALL_LINES or " ".join(text.split()) in _ALL_WORDS:
        return {o.line_id: o.quantity for o in options}
    parts = [p.strip() for p in text.split(",")]
    if all(_CHOICE.fullmatch(p) for p in parts):
        chosen: dict[int, int] = {}
        for part in parts:
            line_id, _, units = part.partition(":")
            option = by_id.get(int(line_id))
            if option is None:
                return None
            count = int(units) if units else option.quantity
            if not 1 <= count <= option.quantity:
                return None
            chosen[option.line_id] = count
        return chosen
    said = _words(text)
    matched = {o.line_id: o.quantity for o in options if _words(o.name) & said}
    return matched or None


def encode_lines(chosen: dict[int, int]) -> str:
    """The return_line slot's value: "100021:1,100022:1"."""
    return ",".join(f"{line_id}:{units}" for line_id, units in sorted(chosen.items()))


def decode_lines(value: object) -> dict[int, int | None]:
    """line id -> units (None: every unit still returnable)."""
    if not isinstance(value, str):
        return {}
    chosen: dict[int, int | None] = {}
    for part in value.split(","):
        match = _CHOICE.fullmatch(part.strip())
        if match:
            line_id, _, units = part.strip().partition(":")
            chosen[int(line_id)] = int(units) if units else None
    return chosen


def line_buttons(
    options: list[ReturnableLine], *, language: str = DEFAULT_LANGUAGE
) -> list[dict[str, str]]:
    """One button per item; an item bought several times also gets a "1 of N" button."""

    def button(title: str, choice: str) -> dict[str, str]:
        return {"title": title, "payload": f'/inform{{"return_line": "{choice}"}}'}

    buttons = []
    for o in options:
        if o.quantity > 1:
            one = phrase("one_of_units", language=language, name=o.name, count=o.quantity)
            every = phrase("all_units", language=language, name=o.name, count=o.quantity)
            buttons.append(button(one, f"{o.line_id}:1"))
            buttons.append(button(every, f"{o.line_id}:{o.quantity}"))
        else:
            buttons.append(button(o.name, str(o.line_id)))
    if len(options) > 1:
        buttons.append(button(phrase("all_items", language=language), ALL_LINES))
    return buttons


def with_units(name: str, units: int) -> str:
    return name if units == 1 else f"{name} (x{units})"


def reason_code(value: object, *, allowed: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(store reason, comment) from a button payload, an NLU reason or the shopper's words.

    Words that match no known reason become the store's `other` reason with the words as
    the comment. None for an empty answer.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    key = text.lower()
    if key in allowed:
        return key, None
    mapped = _NLU_REASONS.get(key)
    if mapped in allowed:
        return mapped, None
    fallback = "other" if "other" in allowed else allowed[-1]
    return fallback, text[:COMMENT_MAX]


def reason_title(code: str, *, language: str = DEFAULT_LANGUAGE) -> str:
    """A reason's button title; a code of the store's own that Shopdesk does not know is
    shown readable as it is ("store_credit" -> "Store credit")."""
    key = f"reason_{code}"
    if has_phrase(key):
        return phrase(key, language=language)
    return code.replace("_", " ").capitalize()


def reason_in_sentence(code: str, *, language: str = DEFAULT_LANGUAGE) -> str:
    """The reason inside the return's summary: lower case in English ("wrong size"), as its
    title elsewhere (German nouns keep their capital)."""
    title = reason_title(code, language=language)
    return title.lower() if language == DEFAULT_LANGUAGE else title


def return_key(
    *,
    sender_id: str,
    order_number: str,
    lines: list[ReturnLine],
    reason: str,
    comment: str | None,
    attempt: int = 0,
) -> str:
    request = {
        "lines": sorted((line.line_id, line.quantity) for line in lines),
        "reason": reason,
        "comment": comment,
        "attempt": attempt,
    }
    return idempotency_key(
        sender_id=sender_id, operation="return", order_number=order_number, request=request
    )
