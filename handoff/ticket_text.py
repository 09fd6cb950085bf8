"""The readable text of tickets, comments and alerts, shared by every helpdesk."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from common.languages import DEFAULT_LANGUAGE, language_label
from handoff.models import Escalation, FollowUp
from handoff.rules import one_line, reason_label
from handoff.transcript import render_transcript


def ticket_subject(escalation: Escalation) -> str:
    order = f" (order {escalation.order_number})" if escalation.order_number else ""
    return one_line(f"[{escalation.reference}] {escalation.summary}{order}", limit=150)


def order_lines(escalation: Escalation) -> list[str]:
    """The order the shopper proved, in detail, and the ones they only named."""
    if escalation.order_number:
        verified = "verified" if escalation.verified else "not verified"
        lines = [f"Order: {escalation.order_number} ({verified})"]
    else:
        lines = ["Order: none given"]
    context = escalation.order_context
    if context is not None:
        placed = f", placed {context.placed_on}" if context.placed_on else ""
        lines.append(f"  Status: {context.status}, total {context.total}{placed}")
        lines += [f"  Item: {item}" for item in context.items]
        lines += [f"  Shipment: {shipment}" for shipment in context.shipments]
        if context.returns:
            lines.append(f"  Returns: {context.returns}")
    if escalation.claimed_orders:
        lines.append(
            "Orders named but not verified: " + ", ".join(escalation.claimed_orders)
        )
    return lines


def ticket_body(escalation: Escalation, tz: ZoneInfo) -> str:
    follows = (
        [f"Follows up: {escalation.previous_reference} (ticket #{escalation.previous_ticket_id},"
         " solved)"]
        if escalation.previous_reference
        else []
    )
    who = f"{escalation.name} <{escalation.email}>" if escalation.name else escalation.email
    header = "\n".join(
        [
            f"Shopdesk handoff {escalation.reference} (escalation #{escalation.sequence})",
            *follows,
            f"Summary: {escalation.summary}",
            f"Reason: {reason_label(escalation.reason)}",
            f"Intent: {escalation.intent or 'unknown'}",
            *order_lines(escalation),
            f"Contact: {who}",
            *_language_lines(escalation),
            f"Conversation: {escalation.conversation_id}",
            f"Priority: {escalation.priority}",
        ]
    )
    transcript = render_transcript(escalation.turns, tz) or "(no messages)"
    return f"{header}\n\nTranscript:\n{transcript}\n"


def _language_lines(escalation: Escalation) -> list[str]:
    """The shopper's language, for an agent who reads English: reply in it; the transcript
    below is as the shopper wrote it (the bot's replies were in that language too)."""
    if not escalation.language:
        return []
    line = f"Language: {language_label(escalation.language)}"
    if escalation.language != DEFAULT_LANGUAGE:
        line += " - please reply in it; the transcript is as the shopper wrote it"
    return [line]


def repeat_escalation_comment(escalation: Escalation, tz: ZoneInfo) -> str:
    return "The shopper asked for a person again.\n\n" + ticket_body(escalation, tz)


def follow_up_comment(follow_up: FollowUp, tz: ZoneInfo) -> str:
    stamp = follow_up.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"[{stamp}] Shopper (chat): {follow_up.text}"
