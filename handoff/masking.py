"""Masks sensitive data in text that leaves the conversation (tickets, Slack, the outbox).

Card numbers (13-19 digits, optionally grouped by spaces or dashes, Luhn-valid), security
codes written next to a CVV/CVC phrase, and passwords/PINs. Order numbers (5 digits) and
other short numbers stay readable.
"""

from __future__ import annotations

import re

_CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SECURITY_CODE = re.compile(
    r"(?P<label>\b(?:cvv2?|cvc2?|cid|csc|security code|card verification (?:code|value))\b"
    r"[^\d\n]{0,12})(?P<code>\d{3,4})\b",
    re.IGNORECASE,
)
_SECRET = re.compile(
    r"(?P<label>\b(?:password|passwd|passcode|pwd|pin)\b\s*(?:is|was|:|=)?\s*[:=]?\s*)"
    r"(?P<secret>[^\s,;]+)",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[card number ending {digits[-4:]}]"
    return match.group(0)


def mask_sensitive(text: str) -> str:
    """Return `text` with card numbers, security codes and passwords masked."""
    text = _CARD_CANDIDATE.sub(_mask_card, text)
    text = _SECURITY_CODE.sub(lambda m: f"{m['label']}[masked]", text)
    text = _SECRET.sub(lambda m: f"{m['label']}[masked]", text)
    return text
