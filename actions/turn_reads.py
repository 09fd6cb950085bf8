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
  are kept, the oldest dropped first.

With several action servers a turn's actions may land on different ones; a miss simply reads
from the store.

A read can also be started ahead (`prefetch`) by an action that knows which one the next
action of the turn will make: when the verification form verifies a shopper who asked for a
return, `action_start_return` comes next and needs the order's return eligibility, so the
form starts that read and the request runs while Rasa handles the form's answer. The next
`get` for it takes the read in flight (or done), and its result or its failure, as if it had
made the read itself; a prefetch nobody takes is dropped after `ttl` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from rasa_sdk import Tracker

if TYPE_CHECKING:
    from integrations.store.client import StoreClient
    from integrations.store.models import Order, ReturnEligibility

T = TypeVar("T")

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 10.0
DEFAULT_MAX_ENTRIES = 2048


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
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        # reads started ahead by `prefetch`, until a `get` takes them or they expire
        self._ahead: OrderedDict[tuple[Any, ...], tuple[float, asyncio.Task[Any]]] = (
            OrderedDict()
        )
        self.store_reads = 0  # reads that went to the store, for tests and diagnostics

    async def get(
        self, tracker: Tracker, what: Hashable, read: Callable[[], Awaitable[T]]
    ) -> T:
        """`read()`'s result, from earlier in this turn when there is one."""
        key = (*turn_of(tracker), what)
        now = self._clock()
        kept = self._entries.get(key)
        if kept is not None and now - kept[0] <= self._ttl:
            return kept[1]  # type: ignore[no-any-return]
        self._drop_expired_prefetches(now)
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            # shielded: a caller that gives up does not cancel the read for the others
            value = await asyncio.shield(ahead[1])  # its failure is this caller's failure
        else:
            self.store_reads += 1
            value = await read()  # an exception is raised to the caller, and nothing kept
        self._keep(key, value)
        return value

    def prefetch(
        self, tracker: Tracker, what: Hashable, read: Callable[[], Awaitable[Any]]
    ) -> None:
        """Starts `read()` now for a `get` later in this turn (see the module docstring)."""
        key = (*turn_of(tracker), what)
        now = self._clock()
        kept = self._entries.get(key)
        if (kept is not None and now - kept[0] <= self._ttl) or key in self._ahead:
            return
        self._drop_expired_prefetches(now)
        self.store_reads += 1
        task = asyncio.ensure_future(read())
        task.add_done_callback(_note_failure)
        self._ahead[key] = (now, task)
        while len(self._ahead) > self._max:
            self._ahead.popitem(last=False)[1][1].cancel()

    def _keep(self, key: tuple[Any, ...], value: Any) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def _drop_expired_prefetches(self, now: float) -> None:
        while self._ahead:
            started, task = next(iter(self._ahead.values()))
            if now - started <= self._ttl:
                return
            self._ahead.popitem(last=False)
            task.cancel()

    async def lookup_order(
        self, tracker: Tracker, store: StoreClient, *, order_number: str, email: str,
        client: str | None,
    ) -> Order:
        """The store's `lookup_order`, once per turn for the same details."""
        return await self.get(
            tracker,
            ("lookup", order_number, email, client),
            lambda: store.lookup_order(order_number=order_number, email=email, client=client),
        )

    async def return_eligibility(
        self, tracker: Tracker, store: StoreClient, *, order_number: str, email: str
    ) -> ReturnEligibility:
        """The store's `return_eligibility`, once per turn for the same details."""
        return await self.get(tracker, *_eligibility_read(store, order_number, email))

    def prefetch_return_eligibility(
        self, tracker: Tracker, store: StoreClient, *, order_number: str, email: str
    ) -> None:
        """Starts the read `return_eligibility` will make with these details."""
        self.prefetch(tracker, *_eligibility_read(store, order_number, email))

    def forget(self, tracker: Tracker) -> None:
        """Drops this conversation's reads (before a write to the store)."""
        sender = tracker.sender_id
        for key in [k for k in self._entries if k[0] == sender]:
            del self._entries[key]
        for key in [k for k in self._ahead if k[0] == sender]:
            self._ahead.pop(key)[1].cancel()


def _eligibility_read(
    store: StoreClient, order_number: str, email: str
) -> tuple[Hashable, Callable[[], Awaitable[ReturnEligibility]]]:
    """The key and the read of one eligibility request: one place, so that a prefetch and
    the read it stands for cannot drift apart and silently miss."""
    return (
        ("eligibility", order_number, email),
        lambda: store.return_eligibility(order_number=order_number, email=email),
    )


def _note_failure(task: asyncio.Task[Any]) -> None:
    """Reads the outcome of a finished prefetch, so a failed one nobody takes is logged
    here instead of as "Task exception was never retrieved"."""
    if not task.cancelled() and task.exception() is not None:
        logger.info("a prefetched store read failed: %r", task.exception())
