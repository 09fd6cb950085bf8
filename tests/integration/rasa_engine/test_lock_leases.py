"""bot.lock_store.AtomicRedisLockStore's leases on the machine's Redis: a live instance keeps
its lock for as long as its turn runs, however much longer than the ticket lifetime; an
instance that dies holding a lock (SIGKILL) stops extending it, and the next turn of the
conversation gets the lock once the lease runs out, not after Rasa's 60 s. The wait is
printed; the tests bound it, they do not time it.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
import uuid

import pytest
import redis

from tests.conftest import require_service

DB = 15  # a Redis database of its own
LIFETIME = 1.0
EVENT_TIMEOUT = 30.0  # bounds every wait for an event


def _redis_up() -> bool:
    try:
        return bool(redis.Redis(db=DB, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _store():  # noqa: ANN202 - Rasa types
    from bot.lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(host="127.0.0.1", port=6379, db=DB)


def _hold(conversation: str, flag: str, release: str | None) -> None:
    """Another instance: takes the lock, raises `flag` while it holds it and lowers it just
    before letting go, which happens once `release` is set in Redis (never if None)."""

    async def run() -> None:
        client = redis.Redis(db=DB)
        async with _store().lock(conversation, lock_lifetime=LIFETIME):
            client.set(flag, "held")
            while release is None or not client.exists(release):  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # set by another process: polled
            client.set(flag, "released")

    asyncio.run(run())


def _wait_for(check, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not check():
        assert time.monotonic() < deadline, f"not within {EVENT_TIMEOUT} s: {what}"
        time.sleep(0.02)


@pytest.fixture
def client() -> redis.Redis:
    require_service(_redis_up(), "Redis on 127.0.0.1:6379")
    return redis.Redis(db=DB)


def test_a_live_instance_keeps_its_lock_past_the_ticket_lifetime(client: redis.Redis) -> None:
    conversation, tag = f"lease-{uuid.uuid4().hex}", uuid.uuid4().hex
    flag, release = f"flag:{tag}", f"release:{tag}"
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold, args=(conversation, flag, release)
    )
    holder.start()
    try:
        _wait_for(lambda: client.get(flag) == b"held", "the other instance holds the lock")

        async def next_turn() -> bytes | None:
            async def let_go_later() -> None:
                # the holder's turn outlasts three lifetimes of its ticket, then ends
                await asyncio.sleep(3 * LIFETIME)
                client.set(release, "1")

            letting_go = asyncio.create_task(let_go_later())
            async with _store().lock(conversation, lock_lifetime=LIFETIME):
                seen = client.get(flag)
            await letting_go
            return seen

        seen = asyncio.run(asyncio.wait_for(next_turn(), EVENT_TIMEOUT))
        assert seen == b"released", "the lock was taken while its holder's turn still ran"
    finally:
        client.set(release, "1")
        holder.join(timeout=EVENT_TIMEOUT)
        client.delete(flag, release)


def test_a_dead_instances_lock_is_taken_over_once_its_lease_runs_out(
    client: redis.Redis,
) -> None:
    conversation, flag = f"lease-{uuid.uuid4().hex}", f"flag:{uuid.uuid4().hex}"
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold, args=(conversation, flag, None)
    )
    holder.start()
    try:
        _wait_for(lambda: client.get(flag) == b"held", "the other instance holds the lock")
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=EVENT_TIMEOUT)
        killed_at = time.monotonic()

        async def next_turn() -> None:
            async with _store().lock(conversation, lock_lifetime=LIFETIME):
                pass

        asyncio.run(asyncio.wait_for(next_turn(), EVENT_TIMEOUT))
        print(f"\nlock of a killed instance taken over after {time.monotonic() - killed_at:.2f} s "
              f"(ticket lifetime {LIFETIME:g} s)")
        assert client.get(flag) == b"held"  # it really died holding the lock
    finally:
        if holder.is_alive():
            holder.kill()
        client.delete(flag)
