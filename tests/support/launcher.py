"""The launcher users run (`python -m bot run`) as a test drives it: started in a process
group of its own with its output in a file, waited for until it says it is ready, and the
processes under it found from /proc. Every wait is for an event, bounded."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from bot import paths
from tests.support.waiting import eventually

READY_LINE = "Shopdesk is ready"


def wait_for(condition: Callable[[], bool], what: str, *, timeout: float = 300.0) -> None:
    """Returns once `condition()` holds; fails naming `what` after `timeout` seconds."""
    eventually(condition, what=what, timeout=timeout)


def embedded_env(tmp_path: Path, ports: Mapping[str, int]) -> dict[str, str]:
    """The embedded profile on `ports`, with every database in `tmp_path`."""
    return {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
        "RASA_EVENTS_DB": str(tmp_path / "events.db"),
        "PYTHONUNBUFFERED": "1",
    }


def start_launcher(env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m bot run` with `env`, everything it prints in `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=paths.ROOT, env=dict(env),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def wait_until_ready(launcher: subprocess.Popen[bytes], log: Path, *, timeout: float = 300.0,
                     ) -> None:
    """Returns once the launcher has printed that it is ready; fails with the end of its
    output if it exits first or takes longer than `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while READY_LINE not in log.read_text(errors="replace"):
        assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"not ready after {timeout:.0f} s"
        time.sleep(1)


def children_of(pid: int) -> set[int]:
    """Every descendant process of pid (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Whether pid is a running process (not gone, not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def command_line(pid: int) -> list[str]:
    """The process's arguments, or [] once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except OSError:
        return []
