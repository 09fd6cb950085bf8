"""A fake of the Rasa HTTP API calls the handoff service makes (append events to a
conversation, read a conversation's events), and a writer for Rasa's SQL event broker
table, shaped as rasa/core/brokers/sql.py makes it."""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.fakes.server import FakeServer, Recorded, Reply


class FakeRasa(FakeServer):
    def __init__(self, *, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.appended: dict[str, list[dict[str, Any]]] = {}

    def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/conversations/([^/]+)/tracker(/events)?", request.path)
        if not match or request.method not in ("GET", "POST"):
            return Reply(404, {"status": "failure", "reason": "NotFound"})
        if self.token and request.query.get("token") != [self.token]:
            return Reply(401, {"status": "failure", "reason": "NotAuthenticated"})
        events = self.appended.setdefault(match[1], [])
        if request.method == "GET" and not match[2]:
            return Reply(200, {"sender_id": match[1], "events": events})
        if request.method != "POST" or not match[2]:
            return Reply(404, {"status": "failure", "reason": "NotFound"})
        body = request.body if isinstance(request.body, list) else [request.body]
        events.extend(body)
        return Reply(200, {"sender_id": match[1], "events": events})


class BrokerTable:
    """Writes rows the way Rasa's SQLEventBroker does (table `events`: id, sender_id, data)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = sa.Table(
            "events",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255)),
            sa.Column("data", sa.Text),
        )
        self.events.create(engine, checkfirst=True)

    def publish(self, sender_id: str, event: dict[str, Any], *, id: int | None = None) -> None:
        """Writes one row; `id` forces its id (another instance's row committing late)."""
        with self.engine.begin() as db:
            db.execute(
                sa.insert(self.events).values(
                    **({"id": id} if id is not None else {}),
                    sender_id=sender_id,
                    data=json.dumps({"sender_id": sender_id, **event}),
                )
            )

    def user(
        self,
        sender_id: str,
        text: str,
        *,
        timestamp: float,
        intent: str = "inform",
        id: int | None = None,
    ) -> None:
        self.publish(
            sender_id,
            {
                "event": "user",
                "timestamp": timestamp,
                "text": text,
                "parse_data": {
                    "intent": {"name": intent, "confidence": 0.9},
                    "entities": [],
                },
            },
            id=id,
        )
