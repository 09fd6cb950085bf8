"""CPU time of each service's processes over a load point, from /proc (Linux): where a
turn's CPU goes, per process, so the benchmark says what to optimise next.

A service is a process and its descendants (Sanic's workers included). PostgreSQL and Redis
are the machine's shared servers, not the system's children: they are counted by process
name, machine-wide, so anything else using them at the same time is counted too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from tools.benchmarks.rss import PROC, children_of, process_tree

TICKS = os.sysconf("SC_CLK_TCK")
# the machine's shared servers, by the name /proc/<pid>/stat gives them
SHARED = {"postgres": "PostgreSQL (machine)", "redis-server": "Redis (machine)"}


def _stat(pid: int) -> tuple[str, float] | None:
    """Name and user+system CPU seconds of one process (threads included)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    name = raw[raw.find("(") + 1 : raw.rfind(")")]
    fields = raw[raw.rfind(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / TICKS


def snapshot(services: Mapping[str, int]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of every process, grouped by service (name -> main pid), plus the
    shared servers and this process (the load generator)."""
    tree = children_of()
    found: dict[str, dict[int, float]] = {}
    for service, pid in services.items():
        for member in process_tree(pid, tree):
            stat = _stat(member)
            if stat is not None:
                found.setdefault(service, {})[member] = stat[1]
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] in SHARED:
                found.setdefault(SHARED[stat[0]], {})[int(entry.name)] = stat[1]
    own = _stat(os.getpid())
    if own is not None:
        found["load generator"] = {os.getpid(): own[1]}
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
