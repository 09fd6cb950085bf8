"""The benchmark's CPU snapshots (tools/benchmarks/cpu.py) on real processes: a service's
descendants are counted under it, and the CPU they spend shows up between two snapshots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from tools.benchmarks import cpu, rss

SPIN = "while True: pass\n"
# The service's main process only waits for its child, which spins.
PARENT = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {SPIN!r}])"
DEADLINE_SECONDS = 60.0


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


@pytest.fixture
def busy_service() -> Iterator[int]:
    """A service whose main process waits while its child spins (as Sanic's workers do)."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        start_new_session=True,
    )
    try:
        yield parent.pid
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)


def test_a_child_process_is_counted_under_its_service(busy_service: int) -> None:
    _wait_for(lambda: len(cpu.snapshot({"busy": busy_service})["busy"]) == 2,
              "the spinning child appears under the service")
    before = cpu.snapshot({"busy": busy_service})
    child = next(pid for pid in before["busy"] if pid != busy_service)
    _wait_for(lambda: cpu.snapshot({"busy": busy_service})["busy"][child] > before["busy"][child],
              "the child's CPU time grows")
    spent = cpu.per_turn_ms(before, cpu.snapshot({"busy": busy_service}), turns=1)
    assert spent["busy"] > 0
    assert "load generator" in spent and list(spent)[-1] == "total"


def test_memory_lists_every_process_of_a_service(busy_service: int) -> None:
    _wait_for(lambda: len(rss.process_tree(busy_service)) == 2, "the child started")
    rows = rss.memory({"busy": busy_service})
    assert {row.pid for row in rows} == {p.pid for p in rss.process_tree(busy_service)}
    assert all(row.service == "busy" and 0 < row.rss_mb <= row.peak_rss_mb for row in rows)
