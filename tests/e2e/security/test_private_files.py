"""What the processes write about shoppers (SQLite databases, logs) is readable by its owner
only: the databases in var/ used to be created world-readable (0644)."""

from __future__ import annotations

import stat

import pytest

from tests.support.stack import ShopdeskStack

pytestmark = pytest.mark.e2e


def test_databases_and_logs_the_processes_create_are_private(guarded: ShopdeskStack) -> None:
    guarded.say("private-files", "hi")  # every process has written by now
    written = [guarded.workdir / "tracker.db", guarded.workdir / "rasa-events.db",
               *sorted((guarded.workdir / "logs").glob("*.log"))]
    assert len(written) >= 6
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name
