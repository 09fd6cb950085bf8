"""Store reads shared by the actions of one turn of one conversation.

A turn often runs several actions that each need the same verified order: the verification
form's check, then `action_start_return`, then `action_ask_return_line` each asked the store
for the order (and the return eligibility) again, within the same few milliseconds. Here a
successful read is kept for the rest of that turn of that conversation, and only that turn:

- the key is the conversation, its latest user message (id and time) and the read's
  arguments (order number, email, the shopper's client key), so the next message, another
  conversation or other details always go to the store;
- a failed read (not found, rate limited, store down) is not kept: each one reaches the
  store, which counts failed lookups as before;
- before a write (create a return, cancel, change the address) the conversation's reads are
  dropped, so what the turn reads after it is the store's new state;
- entries live at most `ttl` seconds (a turn takes milliseconds) and at most `max_entries`
  are kept, the least recently used dropped first (a cachetools TTLCache).

With several action servers a turn's actions may land on different ones; a miss simply reads
from the store.

When the verification form verifies a shopper who asked for a return, `action_start_return`
comes next in the turn and needs the order's return eligibility as well: the form reads both
in one store request (`lookup_order_with_eligibility`) and keeps each under the key the
later reads use, so the turn makes one store request where it made two, one after the other.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from cachetools import TTLCache
from rasa_sdk import Tracker

if TYPE_CHECKING:
    from integrations.store.models import Order, ReturnEligibility
    from integrations.store.port import StorePort

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 10.0
DEFAULT_MAX_ENTRIES = 2048
_MISSING = object()


def turn_of(tracker: Tracker) -> tuple[str, Any, Any]:
    """The conversation and its latest user message: what one turn shares."""
    latest = tracker.latest_message or {}
    timestamp = None
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            timestamp = event.get("timestamp")
            break
    return tracker.sender_id, latest.get("message_id"), timestamp


class TurnReads:
    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Expired entries are never returned; beyond max_entries the least recently used go.
        self._entries: TTLCache[tuple[Any, ...], Any] = TTLCache(
            maxsize=max_entries, ttl=ttl, timer=clock
        )
        self.store_reads = 0  # reads that went to the store, for tests and diagnostics

    async def get(
        self, tracker: Tracker, what: Hashable, read: Callable[[], Awaitable[T]]
    ) -> T:
        """`read()`'s result, from earlier in this turn when there is one."""
        key = (*turn_of(tracker), what)
        kept = self._entries.get(key, _MISSING)
        if kept is not _MISSING:
            return kept  # type: ignore[no-any-return]
        self.store_reads += 1
        value = await read()  # an exception is raised to the caller, and nothing kept
        self._keep(key, value)
        return value

    def _keep(self, key: tuple[Any, ...], value: Any) -> None:
        self._entries[key] = value

    async def lookup_order(
        self, tracker: Tracker, store: StorePort, *, order_number: str, email: str,
        client: str | None,
    ) -> Order:
        """The store's `lookup_order`, once per turn for the same details."""
        return await self.get(
            tracker,
            _lookup_key(order_number, email, client),
            lambda: store.lookup_order(order_number=order_number, email=email, client=client),
        )

    async def return_eligibility(
        self, tracker: Tracker, store: StorePort, *, order_number: str, email: str
    ) -> ReturnEligibility:
        """The store's `return_eligibility`, once per turn for the same details."""
        return await self.get(
            tracker,
            _eligibility_key(order_number, email),
            lambda: store.return_eligibility(order_number=order_number, email=email),
        )

    async def lookup_order_with_eligibility(
        self, tracker: Tracker, store: StorePort, *, order_number: str, email: str,
        client: str | None,
    ) -> Order:
        """`lookup_order`, with the order's return eligibility read in the same store
        request and kept for this turn's `return_eligibility` with the order's number."""

        async def read() -> Order:
            order, eligibility = await store.lookup_order_with_eligibility(
                order_number=order_number, email=email, client=client
            )
            kept_for = _eligibility_key(order.order_number, email)
            self._keep((*turn_of(tracker), kept_for), eligibility)
            return order

        return await self.get(tracker, _lookup_key(order_number, email, client), read)

    def forget(self, tracker: Tracker) -> None:
        """Drops this conversation's reads (before a write to the store)."""
        sender = tracker.sender_id
        for key in [k for k in self._entries if k[0] == sender]:
            self._entries.pop(key, None)


# The keys of the two reads, one place each: `lookup_order_with_eligibility` keeps its
# answers under them for the `lookup_order` and `return_eligibility` calls later in the turn.
def _lookup_key(order_number: str, email: str, client: str | None) -> Hashable:
    return ("lookup", order_number, email, client)


def _eligibility_key(order_number: str, email: str) -> Hashable:
    return ("eligibility", order_number, email)
