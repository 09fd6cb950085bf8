"""The report's figures, as plain functions over day summaries and queue items (no I/O).

Definitions (the same words appear in the report and the README):

- conversation: one Rasa session with at least one shopper message; its day is the day of
  the first message in the store's time zone (BUSINESS_TZ).
- outcome: exactly one per conversation (analytics/conversations.py): resolved by the bot
  (which task), handed off, asked for a person but left, unanswered, abandoned.
- resolution rate: resolved by the bot / all conversations. Containment rate: conversations
  that neither reached nor asked for a person / all conversations; it still includes the
  conversations that achieved nothing (unanswered, abandoned), and the report says how many.
- unanswered message rate: shopper messages answered with "I didn't understand" or "not
  something I can help with" / all shopper messages. Form answers ("5 Park Row" when the
  bot asked for the street) are answers, not intents.
- bot reply time: from a shopper message to the bot's first reply to it (p50/p95);
  wait for a person: from the handoff to the first agent reply; solve time: from the
  handoff to the ticket being solved (the handoff service's ticket timeline, any helpdesk).
- value: orders cancelled before shipping (order total), returns started (refund due),
  refunds queried (refund amounts), in the currency the store answered in; cost saved:
  resolved conversations x ANALYTICS_COST_PER_TICKET.
- change: every headline figure against the previous period of the same length
  (percentage points for rates, per cent for the rest).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from analytics.queue import ConversationRef, MessageGroup
from analytics.summary import DaySummary
from common import outcomes as oc

TOP_INTENTS = 10


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def merged(days: Iterable[DaySummary]) -> DaySummary:
    total = DaySummary()
    for day in days:
        total.merge(day)
    return total


def median_of_counts(counts: Counter[int]) -> float | None:
    """The median of values given as value -> how many times (the middle two averaged)."""
    total = sum(counts.values())
    if total == 0:
        return None
    ranks = ((total - 1) // 2, total // 2)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and seen > ranks[len(found)]:
            found.append(value)
    return round((found[0] + found[1]) / 2, 2)


def csat_summary(scores: Counter[int], *, asked: int, comments: int) -> dict[str, Any]:
    ratings = sum(scores.values())
    total = sum(score * count for score, count in scores.items())
    return {
        "asked": asked,
        "ratings": ratings,
        "response_rate": rate(ratings, asked),
        "distribution": {str(s): scores.get(s, 0) for s in oc.CSAT_SCORES},
        "mean": round(total / ratings, 2) if ratings else None,
        "csat": rate(scores.get(4, 0) + scores.get(5, 0), ratings),
        "comments": comments,
    }


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def value_figures(
    s: DaySummary, *, cost_per_ticket: Decimal | None, currency: str
) -> dict[str, Any]:
    by_kind = {
        kind: {cur: _money(a) for cur, a in sorted(s.values.get(kind, {}).items())}
        for kind in oc.VALUE_KINDS
    }
    resolved = s.outcomes.get(oc.RESOLVED, 0)
    return {
        **by_kind,
        "cost_per_ticket": None if cost_per_ticket is None else _money(cost_per_ticket),
        "currency": currency,
        "cost_saved": None if cost_per_ticket is None else _money(cost_per_ticket * resolved),
    }


def headline(s: DaySummary, *, cost_per_ticket: Decimal | None, currency: str) -> dict[str, Any]:
    """The figures compared with the previous period (a rate, a count, seconds or money)."""
    total = s.conversations
    handed = s.outcomes.get(oc.HANDED_OFF, 0)
    unanswered_messages = sum(s.unanswered_messages.values())
    csat = csat_summary(s.csat_scores, asked=s.csat_asked, comments=s.csat_comments)
    values = value_figures(s, cost_per_ticket=cost_per_ticket, currency=currency)
    return {
        "conversations": total,
        "resolution_rate": rate(s.outcomes.get(oc.RESOLVED, 0), total),
        "containment_rate": rate(
            total - handed - s.outcomes.get(oc.ASKED_FOR_PERSON_LEFT, 0), total
        ),
        "handoff_rate": rate(handed, total),
        "asked_for_person_left_rate": rate(s.outcomes.get(oc.ASKED_FOR_PERSON_LEFT, 0), total),
        "unanswered_rate": rate(s.outcomes.get(oc.UNANSWERED, 0), total),
        "abandoned_rate": rate(s.outcomes.get(oc.ABANDONED, 0), total),
        "unanswered_message_rate": rate(unanswered_messages, s.user_messages),
        "csat": csat["csat"],
        "mean_rating": csat["mean"],
        "bot_reply_p50_seconds": s.reply.percentile(0.5),
        "bot_reply_p95_seconds": s.reply.percentile(0.95),
        "human_reply_wait_p50_seconds": s.human_wait.percentile(0.5),
        "solve_p50_seconds": s.solve.percentile(0.5),
        "median_turns": median_of_counts(s.turns),
        "median_seconds_to_resolution": s.resolution.percentile(0.5),
        "cancelled_value": _in(values[oc.CANCELLED_VALUE], currency),
        "returns_value": _in(values[oc.RETURN_VALUE], currency),
        "refunds_queried_value": _in(values[oc.REFUND_VALUE], currency),
        "cost_saved": values["cost_saved"],
    }


def _in(by_currency: dict[str, str], currency: str) -> str:
    return by_currency.get(currency, "0.00")


RATE_FIGURES = frozenset(
    name for name in headline(DaySummary(), cost_per_ticket=None, currency="") if "rate" in name
) | {"csat"}


def change(name: str, current: Any, previous: Any) -> dict[str, Any]:
    """Current against previous: points for rates, per cent for counts, times and money."""
    out: dict[str, Any] = {"current": current, "previous": previous, "change": None}
    if current is None or previous is None:
        return out
    now, before = float(current), float(previous)
    if name in RATE_FIGURES:
        out["change"] = round((now - before) * 100, 2)  # percentage points
        out["unit"] = "points"
    elif before:
        out["change"] = round((now - before) / before * 100, 1)
        out["unit"] = "percent"
    return out


def _sorted(counts: Counter[str] | dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _split(
    nested: dict[str, Counter[str]],
    *,
    values: dict[str, dict[str, Decimal]] | None = None,
    cost_per_ticket: Decimal | None = None,
) -> dict[str, dict[str, Any]]:
    """Per key (first intent, language, channel): conversations and each outcome's count;
    with `values`, the value handled (per currency) and the cost saved of each key too."""
    rows = {}
    for key, counts in sorted(nested.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        total = sum(counts.values())
        rows[key] = {
            "conversations": total,
            **{o: counts.get(o, 0) for o in oc.OUTCOMES},
            "resolution_rate": rate(counts.get(oc.RESOLVED, 0), total),
        }
        if values is not None:
            resolved = counts.get(oc.RESOLVED, 0)
            rows[key]["value"] = {
                cur: _money(a) for cur, a in sorted(values.get(key, {}).items())
            }
            rows[key]["cost_saved"] = (
                None if cost_per_ticket is None else _money(cost_per_ticket * resolved)
            )
    return rows


@dataclass(frozen=True)
class LowRating:
    conversation: ConversationRef
    score: int
    comment: str | None  # masked


@dataclass(frozen=True)
class Escalated:
    conversation: ConversationRef | None  # None: the conversation is not in the period
    conversation_id: str
    reason: str
    at: datetime


def conversation_link(ref: ConversationRef | str, *, inbox_url: str) -> str:
    """The inbox page of a conversation (a sender id: all its sessions), at its session."""
    if isinstance(ref, str):
        return f"{inbox_url}/inbox/conversations/{quote(ref, safe='')}"
    return f"{inbox_url}/inbox/conversations/{quote(ref.sender_id, safe='')}#s{int(ref.started_at)}"


def queue_figures(
    *,
    groups: list[MessageGroup],
    low_ratings: list[LowRating],
    escalated: list[Escalated],
    inbox_url: str,
    top: int = 10,
) -> dict[str, Any]:
    def link(ref: ConversationRef | str) -> str:
        return conversation_link(ref, inbox_url=inbox_url)

    reasons: dict[str, list[Escalated]] = {}
    for item in sorted(escalated, key=lambda e: e.at, reverse=True):
        reasons.setdefault(item.reason, []).append(item)
    return {
        "unanswered_messages": [
            {
                "message": g.leader,
                "count": g.count,
                "examples": g.examples,
                "kinds": dict(g.kinds),
                "conversations": [link(r) for r in g.conversations],
            }
            for g in groups[:top]
        ],
        "low_csat": [
            {
                "score": r.score,
                "comment": r.comment,
                "conversation": link(r.conversation),
            }
            for r in sorted(low_ratings, key=lambda r: (r.score, -r.conversation.started_at))[
                : top * 2
            ]
        ],
        "handoff_reasons": [
            {
                "reason": reason,
                "count": len(items),
                "conversations": [link(i.conversation or i.conversation_id) for i in items[:3]],
            }
            for reason, items in sorted(reasons.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
    }


def figures(
    *,
    days: dict[date, DaySummary],
    days_stored: int,
    previous: DaySummary,
    previous_days_stored: int,
    period: tuple[datetime, datetime],
    previous_period: tuple[datetime, datetime],
    queue: dict[str, Any],
    cost_per_ticket: Decimal | None,
    currency: str,
    timezone: str,
) -> dict[str, Any]:
    s = merged(days.values())
    now = headline(s, cost_per_ticket=cost_per_ticket, currency=currency)
    before = headline(previous, cost_per_ticket=cost_per_ticket, currency=currency)
    unanswered = sum(s.unanswered_messages.values())
    return {
        "period": {
            "from": period[0].isoformat(),
            "to": period[1].isoformat(),
            "timezone": timezone,
            "days_from_summary_table": days_stored,
        },
        "previous_period": {
            "from": previous_period[0].isoformat(),
            "to": previous_period[1].isoformat(),
            "days_from_summary_table": previous_days_stored,
        },
        "headline": {name: change(name, now[name], before[name]) for name in now},
        "outcomes": {
            "conversations": s.conversations,
            **{
                o: {
                    "count": s.outcomes.get(o, 0),
                    "rate": rate(s.outcomes.get(o, 0), s.conversations),
                    "details": _sorted(s.outcome_details.get(o, Counter())),
                }
                for o in oc.OUTCOMES
            },
            "abandoned_at": {
                task: _sorted(where)
                for task, where in sorted(
                    s.abandoned_at.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])
                )
            },
        },
        "by_first_intent": _split(s.by_first_intent),
        "by_language": _split(
            s.by_language, values=s.values_by_language, cost_per_ticket=cost_per_ticket
        ),
        "by_channel": _split(
            s.by_channel, values=s.values_by_channel, cost_per_ticket=cost_per_ticket
        ),
        "messages": {
            "shopper_messages": s.user_messages,
            "unanswered": unanswered,
            "not_understood": s.unanswered_messages.get(oc.NOT_UNDERSTOOD, 0),
            "out_of_scope": s.unanswered_messages.get(oc.OUT_OF_SCOPE, 0),
            "unanswered_rate": rate(unanswered, s.user_messages),
            "form_answers": _sorted(s.form_answers),
        },
        "daily": [
            {
                "day": day.isoformat(),
                "conversations": d.conversations,
                **{o: d.outcomes.get(o, 0) for o in oc.OUTCOMES},
                "resolution_rate": rate(d.outcomes.get(oc.RESOLVED, 0), d.conversations),
                "shopper_messages": d.user_messages,
                "unanswered_messages": sum(d.unanswered_messages.values()),
                "unanswered_message_rate": rate(
                    sum(d.unanswered_messages.values()), d.user_messages
                ),
            }
            for day, d in sorted(days.items())
        ],
        "timing": {
            "bot_reply": _durations(s.reply),
            "human_reply_wait": _durations(s.human_wait),
            "solve": _durations(s.solve),
            "resolution": _durations(s.resolution),
        },
        "handoffs": {
            "escalations": sum(s.escalations.values()),
            "by_reason": _sorted(s.escalations),
            "by_delivery_status": dict(sorted(s.deliveries.items())),
        },
        "self_service": {task: s.tasks.get(task, 0) for task in oc.SELF_SERVICE_OUTCOMES},
        "top_intents": dict(list(_sorted(s.intents).items())[:TOP_INTENTS]),
        "verification": {
            "attempted": s.verification.get("attempted", 0),
            "verified": s.verification.get("verified", 0),
            "not_verified": s.verification.get("attempted", 0) - s.verification.get("verified", 0),
            "failed_attempts": s.verification.get("failed_attempts", 0),
            "locked": s.verification.get("locked", 0),
            "success_rate": rate(
                s.verification.get("verified", 0), s.verification.get("attempted", 0)
            ),
        },
        "csat": csat_summary(s.csat_scores, asked=s.csat_asked, comments=s.csat_comments),
        "value": value_figures(s, cost_per_ticket=cost_per_ticket, currency=currency),
        "queue": queue,
    }


def _durations(d: Any) -> dict[str, Any]:
    return {"count": d.count, "p50_seconds": d.percentile(0.5), "p95_seconds": d.percentile(0.95)}
