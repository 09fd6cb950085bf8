"""One day's figures as plain, mergeable data: what the daily summary table keeps.

Every figure of the report's headline is a sum, a count or a duration histogram of days, so
a period's figures are its days added together whether the days were just computed from
the tracker store or read back from `analytics_daily` after the raw conversations were
purged. Nothing here names a shopper.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from analytics.conversations import Conversation
from analytics.durations import Durations
from common import outcomes as oc

# Bump when what a day holds changes meaning: rows of another version are not read. A
# field added later reads as empty from older rows (the table outlives the raw data).
VERSION = 2
NO_LANGUAGE = "not recorded"


def _nested(data: dict[str, Counter[str]], key: str) -> Counter[str]:
    found = data.get(key)
    if found is None:
        found = data[key] = Counter()
    return found


@dataclass
class DaySummary:
    conversations: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    outcome_details: dict[str, Counter[str]] = field(default_factory=dict)
    abandoned_at: dict[str, Counter[str]] = field(default_factory=dict)  # task -> where
    tasks: Counter[str] = field(default_factory=Counter)  # conversations per settled task
    by_first_intent: dict[str, Counter[str]] = field(default_factory=dict)
    by_language: dict[str, Counter[str]] = field(default_factory=dict)
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    user_messages: int = 0
    unanswered_messages: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    form_answers: Counter[str] = field(default_factory=Counter)
    turns: Counter[int] = field(default_factory=Counter)
    reply: Durations = field(default_factory=Durations)
    resolution: Durations = field(default_factory=Durations)
    human_wait: Durations = field(default_factory=Durations)
    solve: Durations = field(default_factory=Durations)
    verification: Counter[str] = field(default_factory=Counter)
    csat_asked: int = 0
    csat_scores: Counter[int] = field(default_factory=Counter)
    csat_comments: int = 0
    escalations: Counter[str] = field(default_factory=Counter)  # outbox rows by reason
    deliveries: Counter[str] = field(default_factory=Counter)  # outbox rows by status
    values: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # kind -> currency
    # Value handled (all kinds) per language and per channel: key -> currency -> amount.
    values_by_language: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    values_by_channel: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add(self, conv: Conversation) -> None:
        outcome, detail = conv.outcome
        self.conversations += 1
        self.outcomes[outcome] += 1
        _nested(self.outcome_details, outcome)[detail] += 1
        if outcome == oc.ABANDONED and detail != oc.NO_REQUEST:
            _nested(self.abandoned_at, detail)[conv.stopped_at] += 1
        for task in conv.tasks:
            self.tasks[task] += 1
        _nested(self.by_first_intent, conv.first_intent or "none")[outcome] += 1
        _nested(self.by_language, conv.language or NO_LANGUAGE)[outcome] += 1
        _nested(self.by_channel, conv.channel)[outcome] += 1
        self.user_messages += conv.user_turns
        for item in conv.unanswered:
            self.unanswered_messages[item.kind] += 1
        # Loops, not Counter.update: it checks isinstance(Mapping) on every call.
        for intent, n in conv.intents.items():
            self.intents[intent] += n
        for slot, n in conv.form_answers.items():
            self.form_answers[slot] += n
        self.turns[conv.user_turns] += 1
        self.reply.add_all(conv.reply_seconds)
        seconds = conv.seconds_to_resolution
        if seconds is not None:
            self.resolution.add(seconds)
        if conv.verification_attempted:
            self.verification["attempted"] += 1
        if conv.verified:
            self.verification["verified"] += 1
        if conv.verification_locked:
            self.verification["locked"] += 1
        self.verification["failed_attempts"] += conv.verification_failures
        if conv.csat_asked or conv.csat_score is not None:
            self.csat_asked += 1
        if conv.csat_score is not None:
            self.csat_scores[conv.csat_score] += 1
        if conv.csat_comment:
            self.csat_comments += 1
        language = conv.language or NO_LANGUAGE
        for kind, amount, currency in conv.values:
            for key, table in (
                (kind, self.values),
                (language, self.values_by_language),
                (conv.channel, self.values_by_channel),
            ):
                by_currency = table.setdefault(key, {})
                by_currency[currency] = by_currency.get(currency, Decimal(0)) + amount

    def add_escalation(
        self, *, reason: str, status: str, wait: float | None, solve: float | None
    ) -> None:
        self.escalations[reason] += 1
        self.deliveries[status] += 1
        if wait is not None:
            self.human_wait.add(wait)
        if solve is not None:
            self.solve.add(solve)

    def merge(self, other: DaySummary) -> None:
        self.conversations += other.conversations
        self.outcomes.update(other.outcomes)
        for mine, theirs in (
            (self.outcome_details, other.outcome_details),
            (self.abandoned_at, other.abandoned_at),
            (self.by_first_intent, other.by_first_intent),
            (self.by_language, other.by_language),
            (self.by_channel, other.by_channel),
        ):
            for key, counts in theirs.items():
                _nested(mine, key).update(counts)
        self.tasks.update(other.tasks)
        self.user_messages += other.user_messages
        self.unanswered_messages.update(other.unanswered_messages)
        self.intents.update(other.intents)
        self.form_answers.update(other.form_answers)
        self.turns.update(other.turns)
        for name in ("reply", "resolution", "human_wait", "solve"):
            getattr(self, name).merge(getattr(other, name))
        self.verification.update(other.verification)
        self.csat_asked += other.csat_asked
        self.csat_scores.update(other.csat_scores)
        self.csat_comments += other.csat_comments
        self.escalations.update(other.escalations)
        self.deliveries.update(other.deliveries)
        for mine_table, their_table in (
            (self.values, other.values),
            (self.values_by_language, other.values_by_language),
            (self.values_by_channel, other.values_by_channel),
        ):
            for key, by_currency in their_table.items():
                mine_values = mine_table.setdefault(key, {})
                for currency, amount in by_currency.items():
                    mine_values[currency] = mine_values.get(currency, Decimal(0)) + amount

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "conversations": self.conversations,
            "outcomes": dict(self.outcomes),
            "outcome_details": {k: dict(v) for k, v in self.outcome_details.items()},
            "abandoned_at": {k: dict(v) for k, v in self.abandoned_at.items()},
            "tasks": dict(self.tasks),
            "by_first_intent": {k: dict(v) for k, v in self.by_first_intent.items()},
            "by_language": {k: dict(v) for k, v in self.by_language.items()},
            "by_channel": {k: dict(v) for k, v in self.by_channel.items()},
            "user_messages": self.user_messages,
            "unanswered_messages": dict(self.unanswered_messages),
            "intents": dict(self.intents),
            "form_answers": dict(self.form_answers),
            "turns": {str(k): v for k, v in self.turns.items()},
            "reply": self.reply.to_json(),
            "resolution": self.resolution.to_json(),
            "human_wait": self.human_wait.to_json(),
            "solve": self.solve.to_json(),
            "verification": dict(self.verification),
            "csat_asked": self.csat_asked,
            "csat_scores": {str(k): v for k, v in self.csat_scores.items()},
            "csat_comments": self.csat_comments,
            "escalations": dict(self.escalations),
            "deliveries": dict(self.deliveries),
            "values": _amounts_json(self.values),
            "values_by_language": _amounts_json(self.values_by_language),
            "values_by_channel": _amounts_json(self.values_by_channel),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DaySummary:
        def nested(key: str) -> dict[str, Counter[str]]:
            return {k: Counter(v) for k, v in (data.get(key) or {}).items()}

        return cls(
            conversations=int(data["conversations"]),
            outcomes=Counter(data["outcomes"]),
            outcome_details=nested("outcome_details"),
            abandoned_at=nested("abandoned_at"),
            tasks=Counter(data["tasks"]),
            by_first_intent=nested("by_first_intent"),
            by_language=nested("by_language"),
            by_channel=nested("by_channel"),
            user_messages=int(data["user_messages"]),
            unanswered_messages=Counter(data["unanswered_messages"]),
            intents=Counter(data["intents"]),
            form_answers=Counter(data["form_answers"]),
            turns=Counter({int(k): v for k, v in data["turns"].items()}),
            reply=Durations.from_json(data["reply"]),
            resolution=Durations.from_json(data["resolution"]),
            human_wait=Durations.from_json(data["human_wait"]),
            solve=Durations.from_json(data["solve"]),
            verification=Counter(data["verification"]),
            csat_asked=int(data["csat_asked"]),
            csat_scores=Counter({int(k): v for k, v in data["csat_scores"].items()}),
            csat_comments=int(data["csat_comments"]),
            escalations=Counter(data["escalations"]),
            deliveries=Counter(data["deliveries"]),
            values=_amounts(data["values"]),
            values_by_language=_amounts(data.get("values_by_language")),
            values_by_channel=_amounts(data.get("values_by_channel")),
        )


def _amounts_json(table: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {k: {c: str(a) for c, a in v.items()} for k, v in table.items()}


def _amounts(data: dict[str, dict[str, str]] | None) -> dict[str, dict[str, Decimal]]:
    return {k: {c: Decimal(a) for c, a in v.items()} for k, v in (data or {}).items()}
