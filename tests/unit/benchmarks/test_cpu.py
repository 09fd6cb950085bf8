"""The benchmark's CPU accounting (tools/benchmarks/cpu.py) on real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tools.benchmarks import cpu

SPIN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def test_a_busy_child_process_is_counted_under_its_service_and_an_idle_one_is_not() -> None:
    # the busy service's own process sleeps; the work is in its child, as in Sanic's workers
    spin = SPIN.format(seconds=3.0)
    busy = subprocess.Popen([sys.executable, "-c", "import subprocess, sys\n"
                             f"subprocess.run([sys.executable, '-c', {spin!r}])"],
                            start_new_session=True)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        time.sleep(0.3)  # both running, the spinner's child started
        services = {"busy": busy.pid, "idle": idle.pid}
        before = cpu.snapshot(services)
        time.sleep(1.0)
        after = cpu.snapshot(services)
    finally:
        os.killpg(busy.pid, signal.SIGKILL)  # the spinner and its child
        busy.wait(timeout=10)
        idle.kill()
        idle.wait()
    spent = cpu.per_turn_ms(before, after, turns=2)
    # up to 1 s of one core over 2 turns (less when the machine is busy)
    assert 200 <= spent["busy"] <= 550, spent
    assert spent["idle"] < 20, spent
    assert "load generator" in spent
    assert list(spent)[-1] == "total"
    assert spent["total"] >= spent["busy"] + spent["idle"]


def test_per_turn_ms_counts_new_processes_from_zero_and_orders_the_largest_first() -> None:
    before = {"rasa": {1: 10.0}, "store": {2: 1.0}}
    after = {"rasa": {1: 10.5}, "store": {2: 1.1, 3: 0.3}}
    assert cpu.per_turn_ms(before, after, turns=10) == {"rasa": 50.0, "store": 40.0,
                                                        "total": 90.0}
    assert cpu.per_turn_ms(before, after, turns=0) == {}
