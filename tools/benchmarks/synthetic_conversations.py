"""Writing conversations into a tracker store the way Rasa does (for the benchmark and tests).

Rows have the shape of Rasa 3.6's SQLTrackerStore (`events` table, one row per event, the
event's `as_dict()` as JSON in `data`, `intent_name` from the parse data and `action_name`
from the event's `name`), and the event dicts the shape Rasa gives them (checked against
conversations through the real server in tests/e2e/test_csat.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()
# The same columns and index as rasa.core.tracker_store.SQLTrackerStore.SQLEvent.
events_table = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

INTENTS = (
    "order_status",
    "start_return",
    "refund_status",
    "cancel_order",
    "change_shipping_address",
    "return_policy",
    "delivery_options",
    "human_agent",
    "inform",
    "affirm",
    "deny",
    "thanks",
)


@dataclass
class Script:
    """One conversation as Rasa would log it, built step by step."""

    sender_id: str
    clock: float
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    events: list[dict[str, Any]] = field(default_factory=list)
    channel: str = "rest"

    def _tick(self, low: float = 0.05, high: float = 0.4) -> float:
        self.clock += self.rng.uniform(low, high)
        return self.clock

    def session(self) -> Script:
        self.events.append(
            {
                "event": "action",
                "timestamp": self._tick(),
                "name": "action_session_start",
                "policy": None,
                "confidence": 1.0,
            }
        )
        self.events.append({"event": "session_started", "timestamp": self._tick()})
        return self.action("action_listen")

    def user(self, text: str, intent: str, *, think: float = 8.0, **entities: str) -> Script:
        self.clock += self.rng.uniform(think / 2, think * 1.5)
        ranking = [{"name": intent, "confidence": 0.91}] + [
            {"name": other, "confidence": 0.01} for other in INTENTS if other != intent
        ][:9]
        self.events.append(
            {
                "event": "user",
                "timestamp": self.clock,
                "metadata": {},
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": 0.91},
                    "entities": [
                        {
                            "entity": k,
                            "value": v,
                            "start": 0,
                            "end": len(v),
                            "extractor": "ShopEntityExtractor",
                        }
                        for k, v in entities.items()
                    ],
                    "text": text,
                    "message_id": f"{self.sender_id}-{len(self.events)}",
                    "metadata": {},
                    "intent_ranking": ranking,
                },
                "input_channel": self.channel,
                "message_id": f"{self.sender_id}-{len(self.events)}",
            }
        )
        self.events.append(
            {
                "event": "user_featurization",
                "timestamp": self._tick(0, 0.01),
                "use_text_for_featurization": False,
            }
        )
        for name, value in entities.items():
            self.slot(name, value)
        return self

    def action(self, name: str) -> Script:
        self.events.append(
            {
                "event": "action",
                "timestamp": self._tick(),
                "name": name,
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        return self

    def bot(self, response: str, text: str = "...", **values: Any) -> Script:
        """A bot message; `values` are the response's fill-ins, which Rasa keeps beside
        `utter_action` in the event's metadata (with the `template` name rasa-sdk sends)."""
        metadata: dict[str, Any] = {"utter_action": response}
        if values:
            metadata.update(template=response, **values)
        self.events.append(
            {
                "event": "bot",
                "timestamp": self._tick(),
                "metadata": metadata,
                "text": text,
                "data": {
                    "elements": None,
                    "quick_replies": None,
                    "buttons": None,
                    "attachment": None,
                    "image": None,
                    "custom": None,
                },
            }
        )
        return self

    def slot(self, name: str, value: Any) -> Script:
        self.events.append(
            {"event": "slot", "timestamp": self._tick(0, 0.01), "name": name, "value": value}
        )
        return self

    def loop(self, name: str | None) -> Script:
        self.events.append({"event": "active_loop", "timestamp": self._tick(0, 0.01), "name": name})
        return self

    def listen(self) -> Script:
        return self.action("action_listen")

    def ask(self, form: str, slot: str, response: str | None = None) -> Script:
        """A form asks for `slot` and waits for the shopper's answer."""
        self.action(form).loop(form).slot("requested_slot", slot)
        return self.bot(response or f"utter_ask_{slot}").listen()

    def form_done(self) -> Script:
        return self.loop(None).slot("requested_slot", None)

    # Building blocks of the bot's real flows (see actions/ and data/rules).
    def verify(self, *, ok: bool = True, failures: int = 0, lock_after: int = 3) -> Script:
        self.action("verification_form").loop("verification_form")
        self.slot("requested_slot", "order_number")
        for n in range(1, failures + 1):
            self.slot("verification_failures", float(n))
            if n >= lock_after:
                self.bot("utter_verification_locked").slot("verification_outcome", "locked")
                self.slot("handoff_reason", "verification_failed")
                return self.loop(None).listen()
            self.bot("utter_order_not_found").listen()
            self.user("10023 jo@example.com", "inform", order_number="10023")
            self.action("verification_form")
        if ok:
            self.slot("verified_order_number", "10023").slot("verification_outcome", "verified")
            self.slot("verification_failures", 0.0)
        return self.loop(None).slot("requested_slot", None)

    def handoff(self, reason: str, reference: str = "SD-ABC123") -> Script:
        self.user("talk to a person", "human_agent")
        self.action("action_start_handoff").bot("utter_handoff_start")
        self.slot("handoff_reason", reason)
        self.action("handoff_form").loop("handoff_form").loop(None)
        self.action("action_escalate").bot("utter_handoff_done_open")
        self.slot("handoff_reference", reference).slot("handoff_summary", None)
        self.slot("handoff_reason", None).listen()
        self.events.append({"event": "pause", "timestamp": self._tick()})
        return self

    def ask_rating(self) -> Script:
        self.user("thanks", "thanks").action("action_wrap_up").bot("utter_ask_csat")
        return self.slot("csat_asked", True).listen()

    def rate(self, score: int, comment: str | None = None) -> Script:
        self.ask_rating()
        return self.give_rating(score, comment)

    def give_rating(self, score: int, comment: str | None = None) -> Script:
        self.user(f'/rate{{"csat_score": "{score}"}}', "rate", csat_score=str(score))
        self.action("action_record_csat").slot("csat_score", str(score)).slot("csat_asked", True)
        if comment:
            self.slot("csat_comment", comment)
        return self.bot("utter_csat_thanks").listen()


def rows(script: Script) -> Iterator[dict[str, Any]]:
    for event in script.events:
        parse = event.get("parse_data") or {}
        yield {
            "sender_id": script.sender_id,
            "type_name": event["event"],
            "timestamp": event["timestamp"],
            "intent_name": (parse.get("intent") or {}).get("name"),
            "action_name": event.get("name"),
            "data": json.dumps(event),
        }


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)


def write(engine: Engine, scripts: Iterable[Script], *, batch: int = 20_000) -> int:
    """Inserts the scripts' events; returns the number of rows written."""
    total, pending = 0, []
    with engine.begin() as conn:
        for script in scripts:
            pending.extend(rows(script))
            if len(pending) >= batch:
                conn.execute(events_table.insert(), pending)
                total += len(pending)
                pending = []
        if pending:
            conn.execute(events_table.insert(), pending)
            total += len(pending)
    return total


def epoch(moment: datetime) -> float:
    return moment.timestamp()
