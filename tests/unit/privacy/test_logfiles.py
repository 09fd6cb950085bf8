"""Logs are rotated daily without the writing process noticing, kept no longer than the
retention period, and scrubbed of a shopper on request (common/logfiles.py)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from common.logfiles import (
    DEFAULT_RETENTION_DAYS,
    DailyRotation,
    LogSettingError,
    LogWriter,
    expire,
    retention_days,
    rotate,
    scrub,
)

TODAY = date(2026, 12, 7)


def written_on(path: Path, day: date) -> None:
    stamp = (day - date(1970, 1, 1)).days * 86400 + 12 * 3600
    os.utime(path, (stamp, stamp))


def test_yesterdays_log_is_moved_aside_and_the_process_writes_on(tmp_path: Path) -> None:
    log = tmp_path / "handoff.log"
    writer = LogWriter(log)  # as the launcher writes a process's output
    try:
        writer.write(b"yesterday's line\n")
        written_on(log, TODAY - timedelta(days=1))
        (rotated,) = rotate(tmp_path, today=TODAY)
        assert rotated.name == "handoff.log.2026-12-06"
        assert rotated.read_bytes() == b"yesterday's line\n"
        writer.write(b"today's line\n")
        assert log.read_bytes() == b"today's line\n"  # appended at the new start, no hole
        assert rotate(tmp_path, today=TODAY) == []  # written today: stays
        assert oct(log.stat().st_mode & 0o777) == oct(0o600)
    finally:
        writer.close()


def test_the_writer_writes_whole_lines_from_the_pipe(tmp_path: Path) -> None:
    log = tmp_path / "store.log"
    read_end, write_end = os.pipe()
    writer = LogWriter(log)
    writer.start(read_end)
    os.write(write_end, b"first line\nsecond ")
    os.write(write_end, b"line\nno newline at the end")
    os.close(write_end)
    writer.close()
    assert log.read_bytes() == b"first line\nsecond line\nno newline at the end"


def test_rotated_logs_past_the_retention_period_are_deleted(tmp_path: Path) -> None:
    names = ["rasa.log.2026-11-22", "rasa.log.2026-11-23", "rasa.log.2026-12-06", "rasa.log",
             "notes.txt"]
    for name in names:
        (tmp_path / name).write_text("x\n")
    deleted = expire(tmp_path, keep_days=14, today=TODAY)
    assert [p.name for p in deleted] == ["rasa.log.2026-11-22"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def test_daily_rotation_runs_once_a_day(tmp_path: Path) -> None:
    day = [TODAY]
    housekeeping = DailyRotation(tmp_path, keep_days=2, today=lambda: day[0])
    log = tmp_path / "store.log"
    log.write_text("a\n")
    written_on(log, TODAY - timedelta(days=1))
    (tmp_path / "store.log.2026-12-01").write_text("old\n")
    housekeeping()
    logs = sorted(p.name for p in tmp_path.glob("store.log*"))
    assert logs == ["store.log", "store.log.2026-12-06"]
    log.write_text("b\n")
    written_on(log, TODAY - timedelta(days=1))
    housekeeping()  # the same day: nothing more
    assert log.read_text() == "b\n"
    day[0] = TODAY + timedelta(days=1)
    housekeeping()
    assert log.read_text() == "" and (tmp_path / "store.log.2026-12-06").read_text() == "a\nb\n"


def test_scrub_removes_only_the_lines_that_name_the_shopper(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("ref SD-000001 x\nother\nsender web-9 said\n")
    (tmp_path / "b.log.2026-12-01").write_text("nothing here\n")
    found = scrub(tmp_path, ["SD-000001", "web-9", ""])
    assert [(s.file.name, s.lines) for s in found] == [("a.log", 2)]
    assert (tmp_path / "a.log").read_text() == "other\n"
    assert (tmp_path / "b.log.2026-12-01").read_text() == "nothing here\n"
    assert scrub(tmp_path, []) == []


def test_the_retention_setting_names_itself() -> None:
    assert retention_days(None) == DEFAULT_RETENTION_DAYS
    assert retention_days("30") == 30
    for bad in ("0", "-1", "two weeks", "1.5"):
        with pytest.raises(LogSettingError, match="SHOPDESK_LOG_RETENTION_DAYS"):
            retention_days(bad)
