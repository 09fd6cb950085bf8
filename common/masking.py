"""Masks what must never be stored or logged, as plain functions over text (stdlib only).

- Secrets (masked everywhere: tracker store, event broker, outbox, tickets, logs): card
  numbers (13-19 digits, Luhn-valid, grouped by spaces, dashes or dots, also doubled, by
  no-break spaces or with zero-width characters between digits), security codes next to a
  CVV/CVC phrase or written after a card number in the same message, passwords/PINs
  ("password is", "pin:", "my pass is", "pw:"), and IBANs (spaced or compact, checked with
  their mod-97 check digits).
- Contact details (masked in logs only; tickets keep them because agents need them):
  email addresses and phone numbers.

Order numbers (5 digits), dates, times, IP addresses and tracking numbers stay readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CARD_PLACEHOLDER = "[card number ending {last4}]"
IBAN_PLACEHOLDER = "[IBAN ending {last4}]"
MASKED = "[masked]"
EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[phone]"

# What people (and their keyboards) put between a card's digits: spaces (also no-break,
# narrow and thin ones), dashes, dots, and invisible zero-width characters; up to two.
_GAP = "[ \u00a0\u2007\u2009\u202f.\u2010\u2011\u2012\u2013-]"
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"
_SEPARATOR = re.compile(f"{_GAP}|{_INVISIBLE}")
_CARD_CANDIDATE = re.compile(
    f"(?<![\\d.-])\\d(?:(?:{_GAP}|{_INVISIBLE}){{0,2}}\\d){{12,18}}(?![\\d-])"
)
# Two letters, two check digits, then 11-30 letters or digits, optionally in groups of 4.
_IBAN_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"
)
_SECURITY_CODE = re.compile(
    r"(?P<label>\b(?:cvv2?|cvc2?|cid|csc|security code|card verification (?:code|value))\b"
    r"[^\d\n]{0,12})(?P<code>\d{3,4})\b",
    re.IGNORECASE,
)
# After a card number, a lone 3-4 digit group in the same message is most likely its
# security code ("4111 1111 1111 1111 exp 12/27 123"). Expiry dates are masked too.
_CODE_AFTER_CARD = re.compile(r"(?<![\d/.:-])\d{3,4}(?![\d/.:-])")
_EXPIRY_AFTER_CARD = re.compile(r"(?<![\d/])(?:0?[1-9]|1[0-2])\s?/\s?(?:\d{2}|20\d{2})(?![\d/])")
_SECRET = re.compile(
    r"(?P<label>\b(?:password|passwd|passcode|passwort|pwd|pin)\b\s*(?:is|was|:|=)?\s*[:=]?\s*"
    # "pass" and "pw" are ordinary words ("pass it on") unless a value follows "is" or ":".
    r"|\b(?:pass|pw)\b\s*(?:is|was|:|=)\s*[:=]?\s*)"
    r"(?P<secret>[^\s,;]+)",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# 9-15 digits that look like a phone number: an international prefix, separators between
# groups, or a national leading 0 with 10-11 digits however grouped ("07700 900123").
# Dots are not separators (IP addresses, versions) and a bare run without a leading 0 (ids,
# epoch times) is left alone.
_PHONE = re.compile(
    r"(?<![\w.:/@%-])(?:(?:\+|00)\d[\d ()-]{7,18}\d|\(?\d{2,5}\)?(?:[ -]\(?\d{2,5}\)?){1,4}"
    r"|0\d(?:[ -]?\d){8,9})(?![\w.:/@%-])"
)


@dataclass(frozen=True)
class Masked:
    """Masked text and what was found in it (kinds: card, security_code, password, iban)."""

    text: str
    found: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.found)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """ISO 13616: the check digits make the number (country moved to the end) 1 mod 97."""
    if not 15 <= len(compact) <= 34 or not compact.isalnum() or not compact.isascii():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_secrets(text: str) -> Masked:
    """`text` with card numbers, security codes and passwords masked, and what was found."""
    found: set[str] = set()

    def card(match: re.Match[str]) -> str:
        candidate = match.group(0)
        # The whole run, else the longest prefix ending at a separator: "4111 1111 1111
        # 1111 123" is a card followed by its code, not a 19-digit non-card.
        ends = [len(candidate)] + [m.start() for m in _SEPARATOR.finditer(candidate)][::-1]
        for end in ends:
            digits = re.sub(r"\D", "", candidate[:end])
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                found.add("card")
                return CARD_PLACEHOLDER.format(last4=digits[-4:]) + candidate[end:]
        return candidate

    def labelled(kind: str) -> object:
        def replace(match: re.Match[str]) -> str:
            found.add(kind)
            return f"{match['label']}{MASKED}"

        return replace

    def iban(match: re.Match[str]) -> str:
        candidate = match.group(0)
        # The whole run, else the longest prefix ending at a space ("DE89 ... 00 thanks").
        ends = [len(candidate)] + [m.start() for m in re.finditer(r"\s", candidate)][::-1]
        for end in ends:
            compact = re.sub(r"\s", "", candidate[:end]).upper()
            if iban_valid(compact):
                found.add("iban")
                return IBAN_PLACEHOLDER.format(last4=compact[-4:]) + candidate[end:]
        return candidate

    text = _IBAN_CANDIDATE.sub(iban, text)
    text = _CARD_CANDIDATE.sub(card, text)
    if "card" in found:
        head, sep, tail = text.rpartition("]")
        masked_tail = _EXPIRY_AFTER_CARD.sub(MASKED, tail)
        masked_tail = _CODE_AFTER_CARD.sub(MASKED, masked_tail)
        if masked_tail != tail:
            found.add("security_code")
        text = head + sep + masked_tail
    code_masked = _SECURITY_CODE.sub(labelled("security_code"), text)  # type: ignore[arg-type]
    text = _SECRET.sub(labelled("password"), code_masked)  # type: ignore[arg-type]
    return Masked(text=text, found=frozenset(found))


def mask_sensitive(text: str) -> str:
    """Return `text` with card numbers, security codes and passwords masked."""
    return find_secrets(text).text


def mask_contact_details(text: str) -> str:
    """Return `text` with email addresses and phone numbers masked (for logs)."""
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    return _PHONE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return PHONE_PLACEHOLDER if 9 <= digits <= 15 else match.group(0)


def mask_for_logs(text: str) -> str:
    """Everything masked: secrets and contact details."""
    return mask_contact_details(mask_sensitive(text))
