"""What agents (and time) do to a handoff, whichever helpdesk or tool it came from: a reply
for the shopper, a claim, a solve, a parked escalation, a pause that ran out. Each is written
with its chat message (`handoff.chat`) and its line on the ticket timeline in one
transaction, once per idempotency key, and wakes the chat relay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from handoff.chat import PARKED, REPLY, SOLVED, TIMEOUT, enqueue, record_ticket_event
from handoff.db import conversations
from handoff.ports import SOLVED_STATUSES
from handoff.responses import Responses

# The domain responses the handoff service sends (bot/domain/handoff.yml).
ACK_RESPONSE = "utter_handoff_added"
SOLVED_RESPONSE = "utter_handoff_solved"
PARKED_RESPONSE = "utter_handoff_parked"
TIMEOUT_RESPONSE = "utter_handoff_timed_out"
RESPONSES = (ACK_RESPONSE, SOLVED_RESPONSE, PARKED_RESPONSE, TIMEOUT_RESPONSE)


class AgentActivity:
    def __init__(
        self,
        engine: Engine,
        *,
        helpdesk: str,
        responses: Responses,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.helpdesk = helpdesk
        self.responses = responses
        self.wake = wake

    # -- each in its own transaction, or inside the caller's (`db`) -------------------

    def reply(
        self,
        *,
        conversation_id: str,
        body: str,
        author: str,
        source: str,
        key: str,
        db: Connection | None = None,
        at: datetime | None = None,
    ) -> bool:
        """An agent's answer for the shopper; False if this key was recorded before."""

        def write(db: Connection) -> bool:
            added = enqueue(
                db, conversation_id=conversation_id, key=key, kind=REPLY, body=body, author=author
            )
            if added is not None:
                record_ticket_event(db, conversation_id=conversation_id, helpdesk=self.helpdesk,
                                    kind="agent_reply", source=source, actor=author, at=at)
            return added is not None

        return self._run(write, db)

    def solved(
        self,
        *,
        conversation_id: str,
        source: str,
        key: str,
        actor: str | None = None,
        db: Connection | None = None,
    ) -> bool:
        """The ticket is solved: tell the shopper and hand the chat back to the bot."""

        def write(db: Connection) -> bool:
            found = self._conversation(db, conversation_id)
            if found is None or found.ticket_status in SOLVED_STATUSES:
                return False  # told already (solved in one place, seen in another)
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(ticket_status="solved")
            )
            return self._tell(db, found, key=key, kind=SOLVED, response=SOLVED_RESPONSE,
                              event="solved", source=source, actor=actor)

        return self._run(write, db)

    def reopened(self, *, conversation_id: str, status: str, db: Connection | None = None) -> None:
        def write(db: Connection) -> bool:
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(ticket_status=status)
            )
            return False

        self._run(write, db)

    def claimed(
        self, *, conversation_id: str, actor: str, source: str, db: Connection | None = None
    ) -> bool:
        """Someone took the ticket: recorded on the timeline and the conversation."""

        def write(db: Connection) -> bool:
            found = self._conversation(db, conversation_id)
            if found is None or found.assignee == actor:
                return False
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(assignee=actor)
            )
            record_ticket_event(db, conversation_id=conversation_id, helpdesk=self.helpdesk,
                                kind="claimed", source=source, actor=actor)
            return True

        return self._run(write, db)

    def parked(self, *, conversation_id: str, key: str, db: Connection | None = None) -> bool:
        """The helpdesk refused the escalation for good: say so and resume the bot."""

        def write(db: Connection) -> bool:
            found = self._conversation(db, conversation_id)
            if found is None:
                return False
            return self._tell(db, found, key=key, kind=PARKED, response=PARKED_RESPONSE,
                              event="parked", source="bot")

        return self._run(write, db)

    def timed_out(
        self, *, conversation_id: str, key: str, db: Connection | None = None
    ) -> bool:
        """The pause ran out (HANDOFF_RESUME_AFTER_MINUTES): the bot answers again."""

        def write(db: Connection) -> bool:
            found = self._conversation(db, conversation_id)
            if found is None:
                return False
            return self._tell(db, found, key=key, kind=TIMEOUT, response=TIMEOUT_RESPONSE,
                              event="resumed", source="bot")

        return self._run(write, db)

    def render_ack(self, conversation: Any) -> str:
        return self._render(ACK_RESPONSE, conversation)

    # -- helpers ----------------------------------------------------------------------

    def _render(self, response: str, conversation: Any) -> str:
        return self.responses.render(
            response,
            language=conversation.language,
            reference=conversation.reference,
            email=conversation.email,
        )

    def _tell(
        self,
        db: Connection,
        conversation: Any,
        *,
        key: str,
        kind: str,
        response: str,
        event: str,
        source: str,
        actor: str | None = None,
    ) -> bool:
        """Queues one of the bot's notices for the shopper's chat, in their language, and
        records it on the ticket's timeline; False when `key` was queued before."""
        added = enqueue(
            db,
            conversation_id=conversation.conversation_id,
            key=key,
            kind=kind,
            body=self._render(response, conversation),
            response=response,
        )
        if added is not None:
            record_ticket_event(db, conversation_id=conversation.conversation_id,
                                helpdesk=self.helpdesk, kind=event, source=source, actor=actor)
        return added is not None

    @staticmethod
    def _conversation(db: Connection, conversation_id: str) -> Any:
        return db.execute(
            sa.select(conversations).where(conversations.c.conversation_id == conversation_id)
        ).first()

    def _run(self, write: Callable[[Connection], bool], db: Connection | None) -> bool:
        """In the caller's transaction (the caller wakes the relay once it committed), or
        in one of its own."""
        if db is not None:
            return write(db)
        with self.engine.begin() as own:
            added = write(own)
        if added:
            self.wake()
        return added
