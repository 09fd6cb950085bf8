"""The production lock store really serialises a conversation across processes.

Rasa's own Redis lock store reads and writes a lock in two steps, so under contention two
processes can hold the same conversation at once; `bot.lock_store.AtomicRedisLockStore`
(what endpoints.production.yml uses) does each update atomically. It runs the contention
script (tests/faults/lock_contention.py) in the Rasa engine's environment with four
processes against the machine's Redis; a lock that lets processes in together is shown to
fail the same check, so the check can see a broken lock. The figures are printed.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from bot import paths
from tests.conftest import require_service
from tests.support.cluster import redis_up

pytestmark = pytest.mark.e2e

ATOMIC_DB, OPEN_DB = 12, 13  # Redis databases of their own
PROCESSES, ROUNDS = 4, 60


def _contend(store_type: str, *, db: int, seconds: float) -> dict[str, float]:
    result = subprocess.run(
        [str(paths.RASA_PYTHON), "-m", "tests.faults.lock_contention", store_type,
         str(db), str(PROCESSES), str(ROUNDS), str(seconds)],
        cwd=paths.ROOT,
        env={**os.environ, "PYTHONPATH": str(paths.ROOT), "RASA_TELEMETRY_ENABLED": "false",
             "TICKET_LOCK_LIFETIME": "3"},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = result.stdout.strip().splitlines()[-1]
    print(f"{store_type}: {line}")
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}


def test_atomic_lock_store_never_lets_two_processes_in() -> None:
    require_service(redis_up(), "Redis on 127.0.0.1:6379")
    atomic = _contend("bot.lock_store.AtomicRedisLockStore", db=ATOMIC_DB, seconds=30)
    assert atomic["lock_errors"] == 0
    assert atomic["completed"] == PROCESSES * ROUNDS
    assert atomic["counter"] == atomic["completed"], "a turn ran while another held the lock"


def test_the_check_catches_a_lock_that_lets_two_processes_in() -> None:
    """The same check on a lock that excludes no one, whose processes meet inside it on
    their first round: proof the check can see a broken lock (deterministically, not by
    waiting for a race)."""
    require_service(redis_up(), "Redis on 127.0.0.1:6379")
    open_lock = _contend("tests.faults.lock_contention.OpenLockStore", db=OPEN_DB, seconds=30)
    assert open_lock["completed"] == PROCESSES * ROUNDS
    assert open_lock["counter"] < open_lock["completed"], open_lock
