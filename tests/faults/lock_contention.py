"""Run inside the Rasa engine's environment by test_lock_store.py: several processes take
the same conversation's lock through a Rasa lock store and, while holding it, do a
deliberately non-atomic read-increment-write of a Redis counter. With a lock that really
excludes, the counter equals the number of rounds completed; every lost update is a turn
that ran while another held the lock. Bounded: each process stops after SECONDS.

    python -m tests.faults.lock_contention TYPE REDIS_DB PROCESSES ROUNDS SECONDS

TYPE is `redis` (Rasa's own lock store) or a class path (bot.lock_store.AtomicRedisLockStore).
Prints one line: completed=... counter=... lock_errors=... seconds=...
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
import uuid

import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

# Unique per run, so parallel runs on the same Redis database do not meet.
CONVERSATION = f"contended-{uuid.uuid4().hex}"
COUNTER = f"shopdesk-test:counter:{CONVERSATION}"


def _store(class_path: str, db: int) -> LockStore:
    return LockStore.create(
        EndpointConfig(url="127.0.0.1", type=class_path, port="6379", db=str(db))
    )


def _worker(
    class_path: str, db: int, rounds: int, start_at: float, stop_at: float, tally: object
) -> None:
    store = _store(class_path, db)
    counter = redis.StrictRedis(host="127.0.0.1", port=6379, db=db)

    async def run() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))  # all start together
        for _ in range(rounds):
            if time.time() > stop_at:
                return
            try:
                async with store.lock(CONVERSATION, wait_time_in_seconds=0.001):
                    value = int(counter.get(COUNTER) or 0)
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
    counter.delete(COUNTER, f"lock:{CONVERSATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
