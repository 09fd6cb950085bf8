"""bot.lock_store.AtomicRedisLockStore on the machine's Redis: a turn's lock in two round
trips when nobody else holds the conversation, Rasa's queueing when someone does, and a lock
left behind by a dead instance (expired ticket) taken over. What Redis executed is read from
its own command statistics. (Mutual exclusion across processes under contention:
tests/faults/test_lock_store.py.)

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import redis

from tests.conftest import require_service

DB = 14  # a Redis database of its own


def _redis_up() -> bool:
    try:
        return bool(redis.Redis(db=DB, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def store():
    require_service(_redis_up(), "Redis on 127.0.0.1:6379")
    from bot.lock_store import AtomicRedisLockStore

    client = redis.Redis(db=DB)
    client.flushdb()
    yield AtomicRedisLockStore(host="127.0.0.1", port=6379, db=DB)
    client.flushdb()


def _calls() -> dict[str, int]:
    stats = redis.Redis(db=DB).info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_an_uncontended_turn_takes_two_round_trips(store) -> None:
    async def turn() -> list[int]:
        async with store.lock("shopper-1") as lock:
            return [t.number for t in lock.tickets]

    asyncio.run(turn())  # loads the script
    before = _calls()
    assert asyncio.run(turn()) == [0]
    used = _delta(before, _calls())
    for ours in ("info", "select"):  # this test's own reading of the statistics
        used.pop(ours, None)
    # two script calls from the client (Redis also counts what the scripts ran inside:
    # one read each, the lock's creation and its deletion); no WATCH / MULTI / EXEC
    assert used == {"evalsha": 2, "get": 2, "set": 1, "del": 1}, used
    assert not redis.Redis(db=DB).exists(store.key_prefix + "shopper-1")


def test_a_second_turn_of_the_conversation_waits_for_the_first(store) -> None:
    order: list[str] = []

    async def turn(name: str, hold: float) -> None:
        async with store.lock("shopper-2"):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def main() -> None:
        first = asyncio.create_task(turn("first", 0.3))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, turn("second", 0.0))

    asyncio.run(main())
    assert order == ["first in", "first out", "second in", "second out"]
    assert not redis.Redis(db=DB).exists(store.key_prefix + "shopper-2")


def test_a_lock_left_by_a_dead_instance_is_taken_over_when_its_ticket_expires(store) -> None:
    from rasa.core.lock import Ticket, TicketLock

    stale = TicketLock("shopper-3")
    stale.tickets.append(Ticket(7, time.time() - 1))  # expired
    redis.Redis(db=DB).set(store.key_prefix + "shopper-3", stale.dumps())

    async def turn() -> int:
        async with store.lock("shopper-3") as lock:
            return lock.now_serving

    assert asyncio.run(turn()) == 0  # numbering restarts once no live ticket is left
    assert not redis.Redis(db=DB).exists(store.key_prefix + "shopper-3")


def test_the_lock_written_is_the_one_rasa_reads(store) -> None:
    from rasa.core.lock import TicketLock

    async def turn() -> dict:
        async with store.lock("shopper-4"):
            raw = redis.Redis(db=DB).get(store.key_prefix + "shopper-4")
            return json.loads(raw)

    stored = asyncio.run(turn())
    lock = TicketLock.from_dict(stored)
    assert lock.conversation_id == "shopper-4"
    assert [t.number for t in lock.tickets] == [0]
    assert lock.tickets[0].expires > time.time()
