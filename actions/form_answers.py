"""Answers in the shopper's own words to a form's question (a street, a town, an item).

Such a slot is filled from the text unless the NLU reads the message as a digression
(`not_intent` in the domain), "yes" and "no" among them: a "yes" is no street. But a word
the model has never seen can land on "yes" or "no" with little confidence ("Leeds" read as
`affirm` at 0.37, "Neuss" as `deny` at 0.32), and the form would then ignore the answer to
its own question. While the form asks for free text, "yes" or "no" below `SURE_SMALL_TALK`
is taken as the answer; the slot's validator judges it like any other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

# every yes and no of the training data's four languages parses at 0.94 or more, the town
# names tried at 0.91 or less (tests/nlu/test_conversation_contract.py)
SURE_SMALL_TALK = 0.92
SMALL_TALK = frozenset({"affirm", "deny"})


def free_text_answer(
    message: Mapping[str, Any], *, requested_slot: object, free_text_slots: Collection[str]
) -> tuple[str, str] | None:
    """(slot, text) when `message` answers the form's free-text question but the NLU took
    it, unsure, for "yes" or "no"; None otherwise (the domain's mappings decide)."""
    if not isinstance(requested_slot, str) or requested_slot not in free_text_slots:
        return None
    intent = message.get("intent") or {}
    confidence = intent.get("confidence")
    if intent.get("name") not in SMALL_TALK or not isinstance(confidence, int | float):
        return None
    text = message.get("text")
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None  # a button's payload is never free text
    if confidence >= SURE_SMALL_TALK:
        return None
    return requested_slot, text
