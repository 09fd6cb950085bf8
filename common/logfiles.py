"""The processes' log files (var/log/<process>.log): writing, daily rotation, retention and
erasure, taking turns so that no line is lost.

The launcher owns each process's output: it reads the process's stdout/stderr pipe and
writes whole lines into the log (`LogWriter`). Every write, every rotation (copy the log to
`<name>.log.<YYYY-MM-DD>` and empty it) and every erasure (`python -m bot forget` removes
every line that names the shopper's conversation, ticket reference or ticket) holds the log
directory's lock (`flock` on `<dir>/.lock`), so a line is written either before a rotation or
erasure or after it, never in between. Rotated files older than the retention period are
deleted (`SHOPDESK_LOG_RETENTION_DAYS`, and `python -m bot purge --days N`).

A process that writes to a log without the launcher (a file opened by hand) is not covered.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common.secrets import PRIVATE_FILE_MODE

DEFAULT_RETENTION_DAYS = 14
LOCK_NAME = ".lock"
# A line longer than this is written in pieces rather than held back.
MAX_HELD_BYTES = 1 << 20
_ROTATED = re.compile(r"^(?P<name>.+\.log)\.(?P<day>\d{4}-\d{2}-\d{2})$")


class LogSettingError(ValueError):
    """SHOPDESK_LOG_RETENTION_DAYS is malformed; the message names it."""


def retention_days(raw: str | None) -> int:
    """SHOPDESK_LOG_RETENTION_DAYS: whole days (1 or more) that rotated logs are kept."""
    if raw is None or not raw.strip():
        return DEFAULT_RETENTION_DAYS
    if not raw.strip().isdigit() or int(raw) < 1:
        raise LogSettingError(
            f"SHOPDESK_LOG_RETENTION_DAYS must be a whole number of days (1 or more), got {raw!r}"
        )
    return int(raw)


def _open_lock(log_dir: Path) -> int:
    return os.open(log_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)


@contextmanager
def locked(log_dir: Path) -> Iterator[None]:
    """Holds the log directory's lock: writers, rotation and erasure take turns."""
    fd = _open_lock(log_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class LogWriter:
    """Writes one process's output into `path` (appending, owner-only), whole lines at a
    time, each write under the directory's lock. `pump(pipe)` runs in a thread of its own
    until the pipe's last writer closes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
        # An open file description of its own: flock excludes the other writers too.
        self._lock_fd = _open_lock(path.parent)
        self._thread: threading.Thread | None = None

    def start(self, pipe: int) -> None:
        """Pumps `pipe` (a file descriptor this writer now owns) into the log."""
        self._thread = threading.Thread(
            target=self.pump, args=(pipe,), name=f"log:{self.path.name}", daemon=True
        )
        self._thread.start()

    def pump(self, pipe: int) -> None:
        held = b""
        try:
            while chunk := os.read(pipe, 65536):
                held += chunk
                end = held.rfind(b"\n") + 1
                if end == 0 and len(held) < MAX_HELD_BYTES:
                    continue
                end = end or len(held)
                self.write(held[:end])
                held = held[end:]
            if held:
                self.write(held)
        finally:
            os.close(pipe)
            self._close_files()

    def write(self, data: bytes) -> None:
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self, *, timeout: float = 5.0) -> None:
        """Waits (up to `timeout` s) until everything the process wrote is in the log. A
        child that outlives the process and keeps the pipe open keeps its writer."""
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self._close_files()

    def _close_files(self) -> None:
        fds, self._fd, self._lock_fd = (self._fd, self._lock_fd), -1, -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)


def _day_of(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def rotate(log_dir: Path, *, today: date) -> list[Path]:
    """Moves each current log that was last written before `today` aside, named by that
    day; returns the rotated files."""
    rotated = []
    for log in sorted(log_dir.glob("*.log")):
        if not log.is_file() or log.stat().st_size == 0:
            continue
        day = _day_of(log)
        if day >= today:
            continue
        target = log.with_name(f"{log.name}.{day.isoformat()}")
        with locked(log_dir):
            with open(log, "rb") as source, open(target, "ab") as copy:
                shutil.copyfileobj(source, copy)
            target.chmod(log.stat().st_mode & 0o777)
            with open(log, "r+b") as live:
                live.truncate(0)
        rotated.append(target)
    return rotated


def expire(log_dir: Path, *, keep_days: int, today: date) -> list[Path]:
    """Deletes rotated logs of days before the last `keep_days` days (0: all rotated logs)."""
    oldest_kept = today - timedelta(days=keep_days)
    deleted = []
    for path in sorted(log_dir.glob("*.log.*")):
        match = _ROTATED.match(path.name)
        if match is None:
            continue
        if date.fromisoformat(match["day"]) < oldest_kept:
            path.unlink()
            deleted.append(path)
    return deleted


@dataclass(frozen=True)
class Scrubbed:
    file: Path
    lines: int


def scrub(log_dir: Path, needles: Iterable[str]) -> list[Scrubbed]:
    """Removes every line that contains one of `needles` from every log (current and
    rotated); returns how many lines went from which file."""
    wanted = [n for n in dict.fromkeys(needles) if n]
    if not wanted or not log_dir.is_dir():
        return []
    pattern = re.compile("|".join(re.escape(n) for n in wanted).encode())
    results = []
    for path in sorted(log_dir.glob("*.log*")):
        if not path.is_file():
            continue
        with locked(log_dir):
            removed = _scrub_file(path, pattern)
        if removed:
            results.append(Scrubbed(file=path, lines=removed))
    return results


def _scrub_file(path: Path, pattern: re.Pattern[bytes]) -> int:
    kept, removed = [], 0
    with open(path, "rb") as handle:
        for line in handle:
            if pattern.search(line):
                removed += 1
            else:
                kept.append(line)
    if removed:
        with open(path, "r+b") as handle:
            handle.truncate(0)
            handle.seek(0)
            handle.writelines(kept)
    return removed


class DailyRotation:
    """Called from the launcher's supervision loop: on the first call of each day it rotates
    yesterday's logs and deletes those past the retention period."""

    def __init__(
        self, log_dir: Path, *, keep_days: int, today: Callable[[], date] | None = None
    ) -> None:
        self.log_dir = log_dir
        self.keep_days = keep_days
        self._today = today or (lambda: datetime.now(UTC).date())
        self._done_for: date | None = None

    def __call__(self) -> None:
        today = self._today()
        if today == self._done_for or not self.log_dir.is_dir():
            return
        rotate(self.log_dir, today=today)
        expire(self.log_dir, keep_days=self.keep_days, today=today)
        self._done_for = today
