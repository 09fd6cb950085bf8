"""A Redis lock store for several Rasa instances that really serialises a conversation.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with a plain GET, then a
SET: two instances that take a message for the same conversation at the same moment both
read "no lock", both write a lock holding ticket 0, and both process their message at once
(one tracker save then overwrites the other's events). Its cleanup has the same gap: it
can delete a lock another instance has just queued a ticket on, and that instance fails
with a LockError. Here every read-modify-write of a lock is one optimistic Redis
transaction (WATCH / MULTI / EXEC, retried on conflict), so ticket numbers are unique and
turns of one conversation run one after another across instances.

Used from `bot/endpoints.production.yml` (`lock_store: type: bot.lock_store.AtomicRedisLockStore`);
runs inside the Rasa engine's environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

WAIT_SECONDS = 0.05  # between checks while another turn of the conversation runs

# A change to a lock: given the stored lock (or None), the lock to store (None deletes it)
# and a value to return.
_Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose lock updates are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds custom lock stores with `endpoint_config=`; the settings are the
        # same as for `type: redis` (url, port, db, password, ...).
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_SECONDS,
    ) -> AbstractAsyncContextManager[TicketLock]:
        """Rasa asks with its default of one poll a second; a queued turn of the same
        conversation then waits up to a second after the lock is free. Poll faster."""
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def _change(self, conversation_id: str, change: _Change) -> Any:
        key = self.key_prefix + conversation_id

        def apply(pipe: Any) -> Any:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new, value = change(lock)
            pipe.multi()
            if new is None:
                pipe.delete(key)
            else:
                pipe.set(key, new.dumps())
            return value

        return self.red.transaction(apply, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return int(self._change(conversation_id, change))
        except Exception as exc:  # noqa: BLE001 - Rasa's contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes this ticket, and the lock with it when nobody else is queued on it."""

        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, change)
