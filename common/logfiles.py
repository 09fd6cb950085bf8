"""The processes' log files (var/log/<process>.log): daily rotation, retention and erasure.

The launcher opens each log once and hands it to its process as stdout (append mode), so a
log is rotated by copying it to `<name>.log.<YYYY-MM-DD>` and truncating it in place
(logrotate's copytruncate): the process keeps writing at the new end. Rotated files older
than the retention period are deleted (`SHOPDESK_LOG_RETENTION_DAYS`, and
`python -m bot purge --days N`), and `python -m bot forget` removes every line that names
the shopper's conversation, ticket reference or ticket from all of them.

Lines written between the copy and the truncation are lost (a few milliseconds once a day);
erasure rewrites a file the same way.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DEFAULT_RETENTION_DAYS = 14
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
            results.append(Scrubbed(file=path, lines=removed))
    return results


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
