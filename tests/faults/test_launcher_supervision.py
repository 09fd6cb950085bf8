"""The launcher users run (`python -m bot run`, embedded profile) keeps serving when one of
its processes crashes: a SIGKILLed handoff process (the agent inbox and deliveries) is
restarted while the chat keeps answering, the restart is logged and counted, and a process
that keeps crashing makes the launcher stop everything and exit 1. Each wait is for an
event, bounded; nothing is timed. (The production profile's launcher restarting a killed
Rasa instance: tests/e2e/test_production_profile.py.)"""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest

from bot.stack import is_healthy
from bot.training import ensure_model
from tests.support.launcher import (
    alive,
    children_of,
    command_line,
    embedded_env,
    start_launcher,
    wait_for,
    wait_until_ready,
)
from tests.support.stack import free_port, texts

pytestmark = pytest.mark.e2e


def _handoff_pid(launcher_pid: int) -> int:
    for pid in children_of(launcher_pid):
        command = command_line(pid)
        if "handoff" in command and "serve" in command:
            return pid
    raise AssertionError("no handoff process under the launcher")


def test_a_crashed_process_is_restarted_and_repeated_crashes_stop_everything(
    tmp_path: Path,
) -> None:
    ensure_model(quiet=True)
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "STORE_PORT",
                                            "HELPDESK_PORT")}
    env = {
        **embedded_env(tmp_path, ports),
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

    launcher = start_launcher(env, log)
    try:
        wait_until_ready(launcher, log)
        children = children_of(launcher.pid)

        first = _handoff_pid(launcher.pid)
        os.kill(first, signal.SIGKILL)
        assert chat("supervised-1")  # the chat keeps answering while handoff is down
        wait_for(lambda: "handoff restarted (restart 1)" in printed(),
                 "the launcher restarts handoff")
        wait_for(lambda: is_healthy(inbox), "the restarted handoff answers")
        assert launcher.poll() is None
        assert "handoff exited with code -9; restarting in 0.5 s" in printed()
        assert chat("supervised-2")

        children |= children_of(launcher.pid)  # the restarted handoff too
        os.kill(_handoff_pid(launcher.pid), signal.SIGKILL)  # the second crash
        wait_for(lambda: launcher.poll() is not None, "the launcher gives up")
        assert launcher.returncode == 1
        assert "handoff exited with code -9; it failed 2 times within 600 s, giving up" \
            in printed()
        assert "all Shopdesk processes stopped" in printed()
        wait_for(lambda: not any(alive(pid) for pid in children), "every child has exited",
                 timeout=15)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    print(f"\nlauncher: handoff SIGKILLed, chat answered meanwhile, restarted once; "
          f"second crash within the window: everything stopped, exit {launcher.returncode}")
