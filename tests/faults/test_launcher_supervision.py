"""The launcher users run (`python -m bot run`, embedded profile) keeps serving when one of
its processes crashes: a SIGKILLed handoff process (the agent inbox and deliveries) is
restarted while the chat keeps answering, the restart is logged and counted, and a process
that keeps crashing makes the launcher stop everything and exit 1. Each wait is for an
event, bounded; nothing is timed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import paths
from bot.stack import is_healthy
from bot.training import ensure_model
from tests.e2e.test_launcher import _alive, _children_of
from tests.support.stack import free_port, texts

pytestmark = pytest.mark.e2e

EVENT_TIMEOUT = 300.0


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"not within {EVENT_TIMEOUT:.0f} s: {what}"
        time.sleep(0.5)


def _handoff_pid(launcher_pid: int) -> int:
    for pid in _children_of(launcher_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"handoff" in command and b"serve" in command:
            return pid
    raise AssertionError("no handoff process under the launcher")


def test_a_crashed_process_is_restarted_and_repeated_crashes_stop_everything(
    tmp_path: Path,
) -> None:
    ensure_model(quiet=True)
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "STORE_PORT",
                                            "HELPDESK_PORT")}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
        "RASA_EVENTS_DB": str(tmp_path / "events.db"),
        "PYTHONUNBUFFERED": "1",
        # one restart allowed per ten minutes: the second crash is one too many
        "SHOPDESK_MAX_RESTARTS": "1",
        "SHOPDESK_RESTART_WINDOW_SECONDS": "600",
    }
    log = tmp_path / "launcher.log"

    def printed() -> str:
        return log.read_text(errors="replace")

    inbox = f"http://127.0.0.1:{ports['HELPDESK_PORT']}/health"

    def chat(sender: str) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
            data=b'{"sender": "%s", "message": "what is your return policy?"}' % sender.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return texts(json.loads(response.read()))

    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=paths.ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(lambda: "Shopdesk is ready" in printed(), "the launcher is ready")
        children = _children_of(launcher.pid)

        first = _handoff_pid(launcher.pid)
        os.kill(first, signal.SIGKILL)
        assert chat("supervised-1")  # the chat keeps answering while handoff is down
        _wait_for(lambda: "handoff restarted (restart 1)" in printed(),
                  "the launcher restarts handoff")
        _wait_for(lambda: is_healthy(inbox), "the restarted handoff answers")
        assert launcher.poll() is None
        assert "handoff exited with code -9; restarting in 0.5 s" in printed()
        assert chat("supervised-2")

        os.kill(_handoff_pid(launcher.pid), signal.SIGKILL)  # the second crash
        _wait_for(lambda: launcher.poll() is not None, "the launcher gives up")
        assert launcher.returncode == 1
        assert "handoff exited with code -9; it failed 2 times within 600 s, giving up" \
            in printed()
        assert "all Shopdesk processes stopped" in printed()
        time.sleep(1)  # let the kernel reap the last of them
        assert [pid for pid in children | _children_of(launcher.pid) if _alive(pid)] == []
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    print(f"\nlauncher: handoff SIGKILLed, chat answered meanwhile, restarted once; "
          f"second crash within the window: everything stopped, exit {launcher.returncode}")
