"""Resident memory of a process and its descendants, from /proc (Linux)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessMemory:
    service: str
    pid: int
    command: str
    rss_mb: float
    peak_rss_mb: float


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        pass
    return fields


def _kb_to_mb(value: str | None) -> float:
    if not value:
        return 0.0
    return round(int(value.split()[0]) / 1024, 1)


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        ppid = _status(int(entry.name)).get("PPid")
        if ppid and ppid.isdigit():
            tree.setdefault(int(ppid), []).append(int(entry.name))
    return tree


def process_tree(pid: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    tree = children_of() if tree is None else tree
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def memory(services: dict[str, int]) -> list[ProcessMemory]:
    """VmRSS (now) and VmHWM (peak) of every process of each service (name -> main pid)."""
    tree = children_of()
    rows = []
    for service, pid in services.items():
        for member in process_tree(pid, tree):
            status = _status(member)
            if not status:
                continue
            rows.append(ProcessMemory(
                service=service,
                pid=member,
                command=status.get("Name", "?"),
                rss_mb=_kb_to_mb(status.get("VmRSS")),
                peak_rss_mb=_kb_to_mb(status.get("VmHWM")),
            ))
    return rows
