"""CPU time of each service's processes over a load point (psutil): where a turn's CPU
goes, per process, so the benchmark says what to optimise next.

Also the share of the machine's CPU time the hypervisor gave to others during a point
(`stolen_percent`, Linux's steal time): on a virtual machine whose host is busy, every
process runs slower for it, so a point taken while it was high is not comparable with one
taken while it was low.

A service is a process and its descendants (Sanic's workers included). PostgreSQL and Redis
are the machine's shared servers, not the system's children: they are counted by process
name, machine-wide, so anything else using them at the same time is counted too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import psutil

from tools.benchmarks.rss import process_tree

# the machine's shared servers, by process name
SHARED = {"postgres": "PostgreSQL (machine)", "redis-server": "Redis (machine)"}


def _cpu_seconds(process: psutil.Process) -> float | None:
    """User + system CPU seconds of one process (threads included); None once it ended."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def snapshot(services: Mapping[str, int]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of every process, grouped by service (name -> main pid), plus the
    shared servers and this process (the load generator)."""
    found: dict[str, dict[int, float]] = {}
    for service, pid in services.items():
        for member in process_tree(pid):
            seconds = _cpu_seconds(member)
            if seconds is not None:
                found.setdefault(service, {})[member.pid] = seconds
    for process in psutil.process_iter(["name"]):
        shared = SHARED.get(process.info["name"] or "")
        if shared is not None:
            seconds = _cpu_seconds(process)
            if seconds is not None:
                found.setdefault(shared, {})[process.pid] = seconds
    own = _cpu_seconds(psutil.Process(os.getpid()))
    if own is not None:
        found["load generator"] = {os.getpid(): own}
    return found


def per_turn_ms(
    before: Mapping[str, Mapping[int, float]],
    after: Mapping[str, Mapping[int, float]],
    turns: int,
) -> dict[str, float]:
    """Milliseconds of CPU per turn by service between two snapshots, largest first. A
    process that started in between counts from zero; one that ended is not counted."""
    if turns <= 0:
        return {}
    used: dict[str, float] = {}
    for service, processes in after.items():
        earlier = before.get(service, {})
        spent = sum(max(0.0, cpu - earlier.get(pid, 0.0)) for pid, cpu in processes.items())
        used[service] = round(1000 * spent / turns, 2)
    ordered = dict(sorted(used.items(), key=lambda item: -item[1]))
    ordered["total"] = round(sum(used.values()), 2)
    return ordered


def machine_times() -> Any:
    """The machine's CPU times so far, all cores (psutil; `steal` only on Linux)."""
    return psutil.cpu_times()


def stolen_percent(before: Any, after: Any) -> float | None:
    """Percent of the machine's CPU time between two `machine_times()` that the hypervisor
    ran something else on our virtual cores (None where the platform does not report it)."""
    if not hasattr(after, "steal"):
        return None
    spent = [max(0.0, b - a) for a, b in zip(before, after, strict=True)]
    total = sum(spent) - _guest(before, after)
    if total <= 0:
        return None
    return round(100 * max(0.0, after.steal - before.steal) / total, 1)


def _guest(before: Any, after: Any) -> float:
    """guest and guest_nice are already counted in user and nice (/proc/stat)."""
    return sum(max(0.0, getattr(after, f, 0.0) - getattr(before, f, 0.0))
               for f in ("guest", "guest_nice"))
