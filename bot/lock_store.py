"""A Redis lock store for several Rasa instances that really serialises a conversation.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with a plain GET, then a
SET: two instances that take a message for the same conversation at the same moment both
read "no lock", both write a lock holding ticket 0, and both process their message at once
(one tracker save then overwrites the other's events). Its cleanup has the same gap: it
can delete a lock another instance has just queued a ticket on, and that instance fails
with a LockError. Here every read-modify-write of a lock is atomic: the new lock is computed
from the stored one with Rasa's own `TicketLock` and written by a compare-and-set (a short Lua
script: write only if the stored value is still the one the change was computed from, else
read again and retry), so ticket numbers are unique and turns of one conversation run one
after another across instances.

Round trips: a turn of an uncontended conversation takes two, against seven with WATCH /
MULTI / EXEC transactions (each a WATCH, a GET and an EXEC; plus Rasa's separate read of
the lock after issuing a ticket). Taking the lock is first tried as "create the lock if
there is none" (a conversation's lock is deleted when its last turn ends), releasing it as
"delete the lock if it is still the one this turn wrote"; either falls back to read, change,
compare-and-set when another turn got there first. Every call blocks the server's event
loop for its round trip, so fewer round trips are also shorter stalls for every other
conversation.

A lock held by an instance that dies mid-turn must not stall its conversation for long:
each ticket is a lease of `TICKET_LOCK_LIFETIME` seconds (5 in the production profile),
which a thread of the instance that holds it extends every third of that while the turn
runs or waits. An instance that dies stops extending, so its tickets expire within one
lifetime and the next turn of the conversation (a resent message, on another instance)
goes ahead; a live instance's turn keeps its lock however long it takes.

Used from `bot/endpoints.production.yml` (`lock_store: type: bot.lock_store.AtomicRedisLockStore`);
runs inside the Rasa engine's environment.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches

logger = logging.getLogger(__name__)

WAIT_SECONDS = 0.05  # between checks while another turn of the conversation runs
RENEWALS_PER_LIFETIME = 3  # a held ticket is extended this often within its lifetime

# A change to a lock: given the stored lock (or None), the lock to store (None deletes it)
# and a value to return.
_Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]

# KEYS[1]: the lock's key. ARGV: whether a value is expected ("1") or none ("0"), the
# expected value, the new value ("" deletes the key). 1 if written, 0 if the stored value
# was not the expected one (nothing written).
_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
    if current ~= ARGV[2] then return 0 end
elseif current then
    return 0
end
if ARGV[3] == '' then
    redis.call('DEL', KEYS[1])
else
    redis.call('SET', KEYS[1], ARGV[3])
end
return 1
"""


def _redis_settings(endpoint_config: EndpointConfig | None, kwargs: dict[str, Any]) -> dict:
    # Rasa builds custom lock stores with `endpoint_config=`; the settings are the same as
    # for `type: redis` (url, port, db, password, ...).
    if endpoint_config is None:
        return kwargs
    return {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose lock updates are atomic across processes.

    It calls Rasa's private `_acquire_lock`, so it is one of bot/rasa_patches.py's switches
    (`atomic_lock_store`): switched off, or on a Rasa it was not written for, Rasa gets its
    own RedisLockStore with the same settings."""

    def __new__(
        cls, endpoint_config: EndpointConfig | None = None, **kwargs: Any
    ) -> RedisLockStore:
        if cls is AtomicRedisLockStore and not rasa_patches.enabled("atomic_lock_store"):
            return RedisLockStore(**_redis_settings(endpoint_config, kwargs))
        return super().__new__(cls)

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        super().__init__(**_redis_settings(endpoint_config, kwargs))
        # the compare-and-set script (sent to Redis on first use, then called by its hash)
        self._cas = self.red.register_script(_COMPARE_AND_SET)
        # this instance's tickets, issued and not yet cleaned up: (conversation, number) ->
        # lifetime; a thread extends them while they last (started on first use)
        self._leases: dict[tuple[str, int], float] = {}
        self._leases_lock = threading.Lock()
        self._renewer: threading.Thread | None = None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        """Rasa's `lock` (issue a ticket, wait until it is served, clean up) in fewer round
        trips. A ticket served at once gets the lock as this call wrote it (Rasa reads it
        back first); its clean-up is first tried as "delete the lock if it is still the one
        written" (it then holds only this ticket, so Rasa's clean-up would delete it too).
        A queued ticket waits as in Rasa, polling every `WAIT_SECONDS` (Rasa's default is a
        second, so a queued turn of the same conversation waited up to a second after the
        lock was free), and is cleaned up as in Rasa."""
        ticket, lock, written = self._issue_ticket(conversation_id, lock_lifetime)
        served_at_once = not lock.is_locked(ticket)
        self._hold(conversation_id, ticket, lock_lifetime)
        try:
            if not served_at_once:
                lock = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            yield lock
        finally:
            self._release(conversation_id, ticket)
            key = self.key_prefix + conversation_id
            if not (served_at_once and self._compare_and_set(key, written, None)):
                self.cleanup(conversation_id, ticket)

    # --- leases: a live instance's tickets do not expire ------------------------------

    def _hold(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        with self._leases_lock:
            self._leases[(conversation_id, ticket)] = lifetime
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew_forever, name="lock-lease-renewal", daemon=True
                )
                self._renewer.start()

    def _release(self, conversation_id: str, ticket: int) -> None:
        with self._leases_lock:
            self._leases.pop((conversation_id, ticket), None)

    def _renew_forever(self) -> None:
        while True:
            with self._leases_lock:
                leases = dict(self._leases)
            shortest = min(leases.values(), default=LOCK_LIFETIME)
            time.sleep(max(0.05, shortest / RENEWALS_PER_LIFETIME))
            self.renew_leases()

    def renew_leases(self) -> int:
        """Extends every ticket this instance holds to a full lifetime from now; how many
        it extended (a Redis failure is logged and tried again on the next round)."""
        with self._leases_lock:
            leases = dict(self._leases)
        extended = 0
        for (conversation_id, number), lifetime in leases.items():
            with self._leases_lock:
                if (conversation_id, number) not in self._leases:
                    continue  # released meanwhile

            def change(
                lock: TicketLock | None, number: int = number, lifetime: float = lifetime
            ) -> tuple[TicketLock | None, bool]:
                ticket = next((t for t in lock.tickets if t.number == number), None) if lock \
                    else None
                if ticket is None or ticket.has_expired():
                    return lock, False  # gone: reviving it could let two turns run at once
                ticket.expires = time.time() + lifetime
                return lock, True

            try:
                extended += bool(self._change(conversation_id, change))
            except Exception as exc:  # noqa: BLE001 - Redis away: the next round tries again
                logger.warning("could not extend the lock of a conversation: %s", exc)
        return extended

    def _compare_and_set(self, key: str, expected: str | None, new: str | None) -> bool:
        """Writes `new` (None: deletes the key) only if the stored value is `expected`
        (None: no value). True if it wrote."""
        flag = "0" if expected is None else "1"
        return bool(self._cas(keys=[key], args=[flag, expected or "", new or ""]))

    def _change(self, conversation_id: str, change: _Change) -> Any:
        """Applies `change` to the stored lock atomically: read, change, compare-and-set,
        again from the read if another process wrote the lock meanwhile."""
        key = self.key_prefix + conversation_id
        while True:
            raw = self.red.get(key)
            stored = raw.decode() if isinstance(raw, bytes) else raw
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            new, value = change(lock)
            if self._compare_and_set(key, stored, None if new is None else new.dumps()):
                return value

    def _issue_ticket(
        self, conversation_id: str, lock_lifetime: float
    ) -> tuple[int, TicketLock, str]:
        """A new ticket, the lock holding it and the lock's value as written."""
        try:
            # first as: there is no lock, this turn creates it (and is served at once)
            lock = TicketLock(conversation_id)
            ticket = lock.issue_ticket(lock_lifetime)
            written = lock.dumps()
            if self._compare_and_set(self.key_prefix + conversation_id, None, written):
                return ticket, lock, written

            def change(
                stored: TicketLock | None,
            ) -> tuple[TicketLock, tuple[int, TicketLock, str]]:
                stored = stored or TicketLock(conversation_id)
                number = stored.issue_ticket(lock_lifetime)
                return stored, (number, stored, stored.dumps())

            return self._change(conversation_id, change)
        except Exception as exc:  # noqa: BLE001 - Rasa's contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue_ticket(conversation_id, lock_lifetime)[0]

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
