"""Run inside the Rasa engine's environment by test_lock_store.py: several processes take
the same conversation's lock through a Rasa lock store and, while holding it, do a
deliberately non-atomic read-increment-write of a Redis counter. With a lock that really
excludes, the counter equals the number of rounds completed; every lost update is a turn
that ran while another held the lock. Bounded: each process stops after SECONDS.

    python -m tests.faults.lock_contention TYPE REDIS_DB PROCESSES ROUNDS SECONDS

TYPE is `redis` (Rasa's own lock store) or a class path (bot.lock_store.AtomicRedisLockStore,
or `tests.faults.lock_contention.OpenLockStore`, which excludes no one: with it the first
round of every process meets inside the lock, so the check must see lost updates).
Prints one line: completed=... counter=... lock_errors=... seconds=...
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

# Unique per run, so parallel runs on the same Redis database do not meet.
CONVERSATION = f"contended-{uuid.uuid4().hex}"
COUNTER = f"shopdesk-test:counter:{CONVERSATION}"
INSIDE = f"shopdesk-test:inside:{CONVERSATION}"


class OpenLockStore(InMemoryLockStore):
    """A lock that lets every process in at once: what the check must catch."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **_: object) -> None:
        super().__init__()

    @asynccontextmanager
    async def lock(self, conversation_id: str, *_: object, **__: object) -> AsyncIterator[None]:
        yield None


def _store(class_path: str, db: int) -> LockStore:
    return LockStore.create(
        EndpointConfig(url="127.0.0.1", type=class_path, port="6379", db=str(db))
    )


def _worker(
    class_path: str, db: int, rounds: int, start_at: float, stop_at: float, tally: object
) -> None:
    store = _store(class_path, db)
    counter = redis.StrictRedis(host="127.0.0.1", port=6379, db=db)

    rendezvous = isinstance(store, OpenLockStore)

    async def run() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))  # all start together
        for round_number in range(rounds):
            if time.time() > stop_at:
                return
            try:
                async with store.lock(CONVERSATION, wait_time_in_seconds=0.001):
                    value = int(counter.get(COUNTER) or 0)
                    if rendezvous and round_number == 0:
                        # Wait (inside the "lock") until another process has read too: both
                        # then write the same value, a lost update the check must count.
                        counter.incr(INSIDE)
                        while int(counter.get(INSIDE) or 0) < 2 and time.time() < stop_at:  # noqa: ASYNC110 - other processes
                            await asyncio.sleep(0.001)
                    await asyncio.sleep(0.001)
                    counter.set(COUNTER, value + 1)
                    done = 0
            except LockError:
                done = 1
            with tally.get_lock():  # type: ignore[attr-defined]
                tally[done] += 1  # type: ignore[index]

    asyncio.run(run())


def main() -> int:
    class_path, db = sys.argv[1], int(sys.argv[2])
    processes, rounds, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    counter = redis.StrictRedis(host="127.0.0.1", port=6379, db=db)
    tally = multiprocessing.Array("i", 2)  # [rounds completed, lock errors]
    start_at = time.time() + 1.0
    stop_at = start_at + seconds
    workers = [
        multiprocessing.Process(
            target=_worker, args=(class_path, db, rounds, start_at, stop_at, tally)
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(0.0, stop_at + 5 - time.time()))
        if worker.is_alive():  # stuck waiting on a lock past the deadline
            worker.kill()
            worker.join()
    print(
        f"completed={tally[0]} counter={int(counter.get(COUNTER) or 0)} "
        f"lock_errors={tally[1]} seconds={time.time() - start_at:.1f}"
    )
    counter.delete(COUNTER, INSIDE, f"lock:{CONVERSATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
