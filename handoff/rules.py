"""Handoff rules: plain functions over plain data, no I/O."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

HIGH = "high"
NORMAL = "normal"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def priority_for(
    *,
    reason: str,
    order_total: Decimal | None,
    high_value_threshold: Decimal,
    repeat_contact: bool,
) -> str:
    """High only for a reason: a complaint, a high-value order, or a shopper who comes back
    about the same order (or asks again while their ticket is open). An earlier contact
    about something else is no reason."""
    if reason == "complaint":
        return HIGH
    if order_total is not None and order_total >= high_value_threshold:
        return HIGH
    if repeat_contact:
        return HIGH
    return NORMAL


def tags_for(
    *,
    reason: str,
    intent: str | None,
    verified: bool,
    priority: str,
    follows_up: bool = False,
) -> tuple[str, ...]:
    tags = [
        "shopdesk",
        f"reason_{_tag(reason)}",
        "verified" if verified else "unverified",
    ]
    if intent:
        tags.append(f"intent_{_tag(intent)}")
    if priority == HIGH:
        tags.append("priority_high")
    if follows_up:
        tags.append("follow_up")
    return tuple(tags)


def _tag(value: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_") or "unknown"


def extract_email(text: str | None) -> str | None:
    if not text:
        return None
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


def auto_summary(
    *, reason: str, order_number: str | None, complaint_text: str | None
) -> str | None:
    """A one-line summary when the reason already says it, or None to ask the shopper."""
    order = f" for order {order_number}" if order_number else ""
    if reason == "verification_failed":
        return f"Shopper could not verify their order{order}"
    if reason == "store_unavailable":
        return f"Store system unavailable while the shopper asked about their order{order}"
    if reason == "refusal_disputed":
        return f"Shopper disputes a refusal{order}"
    if reason == "refund_failed":
        return f"A refund could not be paid out{order}"
    if reason == "complaint" and complaint_text and len(complaint_text.strip()) >= 10:
        return one_line(complaint_text)
    return None


def one_line(text: str, *, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def new_reference() -> str:
    return "SD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def reason_label(reason: str) -> str:
    return {
        "requested": "shopper asked for a person",
        "fallback": "assistant did not understand (repeated fallback)",
        "verification_failed": "order verification failed",
        "refusal_disputed": "shopper disputes a refusal",
        "complaint": "complaint",
        "store_unavailable": "store system unavailable",
        "refund_failed": "refund failed at the payment provider",
    }.get(reason, reason.replace("_", " "))
