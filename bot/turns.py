"""One shopper message, handled once, and a loud failure when the backing stores are down.

`handle_turn()` is what Rasa's `Agent.handle_message` does (take the conversation's lock,
then let the processor run the turn), plus one thing: a message that carries a client
message id (`metadata.message_id`, sent by the widget and by REST clients that retry) is
looked up in the conversation first, under the same lock. If a message with that id was
already handled, the bot's replies to it are sent again from the stored events and nothing
runs twice: a retry after a lost reply or a dead instance never double-applies, and it gets
the same answer. A message without an id is handled as before.

`is_outage()` tells a backing-store outage (the tracker store's database or the lock store's
Redis unreachable) from other failures; the channels answer it with 503, `Retry-After` and
`"retryable": true` (`OUTAGE_BODY`), so clients retry the same message id instead of
reading an empty reply as an answer. A turn whose save was refused because another instance
handled the conversation meanwhile (`ConversationChanged`, bot/tracker_store.py) is answered
the same way: nothing of it was kept, and a resend gets the replies the conversation has.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from rasa.shared.core.events import BotUttered, Event, UserUttered

logger = logging.getLogger(__name__)

MESSAGE_ID_KEY = "message_id"
MAX_MESSAGE_ID_CHARS = 128
RETRY_AFTER_SECONDS = 1
OUTAGE_BODY = {
    "error": "the assistant cannot reach its conversation store; please try again",
    "retryable": True,
}


class ConversationChanged(RuntimeError):
    """A turn's save found the conversation changed since its read (another instance took
    it over): nothing of the turn was stored."""

    def __init__(self, sender_id: str, *, read: int, stored: int) -> None:
        super().__init__(
            f"conversation {sender_id!r} changed during the turn: read with {read} stored "
            f"event(s), {stored} at the save; the turn was not stored"
        )


def message_id(metadata: Mapping[str, Any] | None) -> str | None:
    """The client's id for this message, if it sent a usable one."""
    value = (metadata or {}).get(MESSAGE_ID_KEY)
    if isinstance(value, str) and 0 < len(value) <= MAX_MESSAGE_ID_CHARS:
        return value
    return None


def replies_to(events: Iterable[Event], client_message_id: str) -> list[dict[str, Any]] | None:
    """The bot's replies to the message with this id, as Rasa sends them to an output
    channel (`BotUttered.message()`), or None if no such message is in `events`."""
    replies: list[dict[str, Any]] | None = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break  # the next message: the answer is complete
            if message_id(event.metadata) == client_message_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies


async def handle_turn(agent: Any, message: UserMessage) -> None:
    """Handles `message` as `agent.handle_message` does, once per client message id."""
    client_message_id = message_id(message.metadata)
    if client_message_id is None or not agent.is_ready():
        await agent.handle_message(message)
        return
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        earlier = replies_to(tracker.events, client_message_id) if tracker else None
        if earlier is not None:
            logger.info("message %s was handled already: its replies sent again",
                        client_message_id)
            for reply in earlier:
                await message.output_channel.send_response(message.sender_id, reply)
            return
        await agent.processor.handle_message(message)


def is_outage(error: BaseException) -> bool:
    """True when `error` (or what caused it) is a backing store being unreachable, or the
    conversation having changed under the turn: either way nothing was kept, so retry."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, LockError | ConversationChanged) or _is_connection_error(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _connection_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "the database or Redis cannot be reached" (not "it refused
    this request"), from the client libraries the Rasa server uses."""
    import redis.exceptions
    import sqlalchemy.exc

    kinds: list[type[BaseException]] = [
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        sqlalchemy.exc.OperationalError,
        sqlalchemy.exc.InterfaceError,
        sqlalchemy.exc.DisconnectionError,
        sqlalchemy.exc.TimeoutError,
    ]
    try:
        import psycopg2

        kinds += [psycopg2.OperationalError, psycopg2.InterfaceError]
    except ImportError:  # no PostgreSQL driver: the embedded profile's SQLite only
        pass
    return tuple(kinds)


_CONNECTION_ERRORS = _connection_errors()


def _is_connection_error(error: BaseException) -> bool:
    return isinstance(error, _CONNECTION_ERRORS)
