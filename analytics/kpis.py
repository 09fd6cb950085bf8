"""The KPIs, as plain functions over conversations and escalations (no I/O).

Definitions (the same words appear in the report and the README):

- conversation: one Rasa session with at least one shopper message; its day is the UTC day
  of the first message.
- containment rate (a.k.a. deflection): conversations that never went to a person /
  all conversations.
- bot resolution rate: conversations in which the bot settled a task (order status
  answered, return created, refund status told, order cancelled, address changed, policy
  answered) and nobody had to take over / all conversations.
- handoff (escalation) rate: conversations handed to a person / all conversations.
  Handoffs by reason come from the outbox (one row per escalation).
- fallback rate: shopper messages the bot did not understand (NLU fallback, or the
  dialogue's fallback action ran) / all shopper messages.
- verification success rate: conversations where the shopper proved the order was theirs /
  conversations where verification was attempted.
- CSAT: the share of ratings that are 4 or 5 (the usual "top-two-box" CSAT score) and the
  mean rating on the 1-5 scale; response rate = ratings / rating prompts.
- turns: shopper messages per conversation (median); time to resolution: from the first
  message to the bot's first settling answer, over resolved conversations (median).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from analytics import outcomes as oc
from analytics.conversations import Conversation
from analytics.source import EscalationRow

TOP_INTENTS = 10


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def day_of(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


def days_between(start: datetime, end: datetime) -> list[date]:
    """Every UTC day touched by [start, end)."""
    if end <= start:
        return []
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def csat_summary(scores: Iterable[int], *, asked: int) -> dict[str, Any]:
    distribution = Counter(scores)
    ratings = sum(distribution.values())
    total = sum(score * count for score, count in distribution.items())
    return {
        "asked": asked,
        "ratings": ratings,
        "response_rate": rate(ratings, asked),
        "distribution": {str(s): distribution.get(s, 0) for s in oc.CSAT_SCORES},
        "mean": round(total / ratings, 2) if ratings else None,
        "csat": rate(distribution.get(4, 0) + distribution.get(5, 0), ratings),
    }


def median_or_none(values: list[float]) -> float | None:
    return round(float(median(values)), 2) if values else None


@dataclass
class _Day:
    conversations: int = 0
    contained: int = 0
    resolved: int = 0
    handed_off: int = 0
    user_turns: int = 0
    fallback_turns: int = 0


@dataclass
class Accumulator:
    """Adds conversations one by one; `figures()` gives every KPI. Memory: per day, not
    per conversation (the turns and resolution times lists hold one number each)."""

    start: datetime
    end: datetime
    days: dict[date, _Day] = field(default_factory=dict)
    intents: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    outcome_conversations: Counter[str] = field(default_factory=Counter)
    turns: list[int] = field(default_factory=list)
    seconds_to_resolution: list[float] = field(default_factory=list)
    tracker_handoff_reasons: Counter[str] = field(default_factory=Counter)
    verification_attempted: int = 0
    verified: int = 0
    verification_failed_attempts: int = 0
    verification_locked: int = 0
    csat_asked: int = 0
    csat_scores: Counter[int] = field(default_factory=Counter)
    comments: int = 0

    def __post_init__(self) -> None:
        for day in days_between(self.start, self.end):
            self.days[day] = _Day()

    def in_period(self, conv: Conversation) -> bool:
        return self.start.timestamp() <= conv.started_at < self.end.timestamp()

    def add(self, conv: Conversation) -> None:
        day = self.days.setdefault(day_of(conv.started_at), _Day())
        day.conversations += 1
        day.user_turns += conv.user_turns
        day.fallback_turns += conv.fallback_turns
        if conv.handed_off:
            day.handed_off += 1
            self.tracker_handoff_reasons[conv.handoff_reason or "requested"] += 1
        else:
            day.contained += 1
        if conv.resolved:
            day.resolved += 1
            seconds = conv.seconds_to_resolution
            if seconds is not None:
                self.seconds_to_resolution.append(seconds)
        self.intents.update(conv.intents)
        self.outcomes.update(conv.outcomes)
        self.outcome_conversations.update(conv.outcomes.keys())
        self.turns.append(conv.user_turns)
        if conv.verification_attempted:
            self.verification_attempted += 1
        if conv.verified:
            self.verified += 1
        self.verification_failed_attempts += conv.verification_failures
        if conv.verification_locked:
            self.verification_locked += 1
        if conv.csat_asked or conv.csat_score is not None:
            self.csat_asked += 1
        if conv.csat_score is not None:
            self.csat_scores[conv.csat_score] += 1
        if conv.csat_comment:
            self.comments += 1

    def figures(self, escalations: list[EscalationRow]) -> dict[str, Any]:
        total = sum(d.conversations for d in self.days.values())
        contained = sum(d.contained for d in self.days.values())
        resolved = sum(d.resolved for d in self.days.values())
        handed_off = sum(d.handed_off for d in self.days.values())
        user_turns = sum(d.user_turns for d in self.days.values())
        fallback_turns = sum(d.fallback_turns for d in self.days.values())
        by_reason = Counter(e.reason for e in escalations)
        by_status = Counter(e.status for e in escalations)
        csat = csat_summary(self.csat_scores.elements(), asked=self.csat_asked)
        csat["comments"] = self.comments
        return {
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "summary": {
                "conversations": total,
                "contained": contained,
                "containment_rate": rate(contained, total),
                "resolved_by_bot": resolved,
                "bot_resolution_rate": rate(resolved, total),
                "handed_off": handed_off,
                "handoff_rate": rate(handed_off, total),
                "user_messages": user_turns,
                "fallback_messages": fallback_turns,
                "fallback_rate": rate(fallback_turns, user_turns),
                "median_turns": median_or_none([float(t) for t in self.turns]),
                "median_seconds_to_resolution": median_or_none(self.seconds_to_resolution),
            },
            "daily": [
                {
                    "day": day.isoformat(),
                    "conversations": d.conversations,
                    "contained": d.contained,
                    "containment_rate": rate(d.contained, d.conversations),
                    "resolved_by_bot": d.resolved,
                    "bot_resolution_rate": rate(d.resolved, d.conversations),
                    "handed_off": d.handed_off,
                    "fallback_rate": rate(d.fallback_turns, d.user_turns),
                }
                for day, d in sorted(self.days.items())
            ],
            "handoffs": {
                "escalations": len(escalations),
                "by_reason": dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
                "by_delivery_status": dict(sorted(by_status.items())),
                "by_reason_in_conversations": dict(
                    sorted(self.tracker_handoff_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
            },
            "top_intents": dict(
                sorted(self.intents.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_INTENTS]
            ),
            "verification": {
                "attempted": self.verification_attempted,
                "verified": self.verified,
                "not_verified": self.verification_attempted - self.verified,
                "failed_attempts": self.verification_failed_attempts,
                "locked": self.verification_locked,
                "success_rate": rate(self.verified, self.verification_attempted),
            },
            "self_service": {
                name: {
                    "count": self.outcomes.get(name, 0),
                    "conversations": self.outcome_conversations.get(name, 0),
                }
                for name in oc.SELF_SERVICE_OUTCOMES
            },
            "csat": csat,
        }


def compute(
    conversations: Iterable[Conversation],
    escalations: list[EscalationRow],
    *,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Every KPI for the conversations that started in [start, end)."""
    acc = Accumulator(start=start, end=end)
    for conv in conversations:
        if acc.in_period(conv):
            acc.add(conv)
    return acc.figures(escalations)
