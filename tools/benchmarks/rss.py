"""Resident memory of a process and its descendants (psutil)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class ProcessMemory:
    service: str
    pid: int
    command: str
    rss_mb: float
    peak_rss_mb: float


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants that are still running."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def peak_rss_bytes(pid: int) -> int:
    """The process's peak RSS since it started its program, 0 where /proc has none (psutil
    has no peak RSS on Linux: the kernel's VmHWM line, in kB)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def memory(services: dict[str, int]) -> list[ProcessMemory]:
    """RSS (now) and peak RSS of every process of each service (name -> main pid)."""
    rows = []
    for service, pid in services.items():
        for member in process_tree(pid):
            try:
                with member.oneshot():
                    name, rss = member.name(), member.memory_info().rss
            except psutil.Error:
                continue  # ended meanwhile
            rows.append(ProcessMemory(
                service=service,
                pid=member.pid,
                command=name,
                rss_mb=_mb(rss),
                peak_rss_mb=_mb(peak_rss_bytes(member.pid)),
            ))
    return rows
