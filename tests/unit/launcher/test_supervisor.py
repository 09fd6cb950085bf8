"""The launcher's supervision (bot/supervisor.py) over real processes: a crashed process is
restarted after its backoff while the others keep running, a hung one is killed and
restarted, and repeated failures within the window make it give up. Time is a fake clock
the tests move; the processes and their exits are real (the tests wait for those events).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.stack import ServiceSpec, Stack
from bot.supervisor import RestartPolicy, Supervisor, SupervisorGaveUp
from tests.support.stack import free_port

EVENT_TIMEOUT = 30.0  # bounds a wait for a process event; never a measured duration


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _server(name: str) -> ServiceSpec:
    port = free_port()
    return ServiceSpec(
        name=name,
        command=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        health_url=f"http://127.0.0.1:{port}/",
    )


def _crasher(name: str) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        command=[sys.executable, "-c", "raise SystemExit(3)"],
        health_url=f"http://127.0.0.1:{free_port()}/",
    )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with Stack(log_dir=tmp_path / "logs") as running:
        yield running


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {EVENT_TIMEOUT} s: {what}")
        time.sleep(0.02)


def _pid(stack: Stack, name: str) -> int:
    return next(item.process.pid for item in stack.running if item.spec.name == name)


def _exited(stack: Stack, name: str) -> bool:
    return any(i.spec.name == name and i.process.poll() is not None for i in stack.running)


def test_a_crashed_process_is_restarted_after_its_backoff_and_the_rest_keep_running(
    stack: Stack,
) -> None:
    clock, lines = FakeClock(), []
    policy = RestartPolicy(max_restarts=5, window_seconds=60, backoff_initial_seconds=0.5)
    supervisor = Supervisor(stack, policy=policy, clock=clock, log=lines.append)
    stack.start(_server("web"))
    stack.start(_crasher("worker"))
    web_pid = _pid(stack, "web")

    _wait_until(lambda: _exited(stack, "worker"), "the worker exits")
    supervisor.tick()
    assert [i.spec.name for i in stack.running] == ["web"]  # the failed one is out, web stays
    assert "worker exited with code 3; restarting in 0.5 s" in lines[-1]

    clock.now += 0.4
    supervisor.tick()
    assert [i.spec.name for i in stack.running] == ["web"]  # still backing off
    clock.now += 0.1
    supervisor.tick()
    assert sorted(i.spec.name for i in stack.running) == ["web", "worker"]
    assert supervisor.restarts == {"worker": 1}
    assert lines[-1] == "worker restarted (restart 1)"

    _wait_until(lambda: _exited(stack, "worker"), "the restarted worker exits")
    supervisor.tick()
    assert "restarting in 1 s (failure 2 of 6 allowed within 60 s" in lines[-1]  # doubled
    assert _pid(stack, "web") == web_pid


def test_it_gives_up_after_repeated_failures_within_the_window(stack: Stack) -> None:
    clock = FakeClock()
    policy = RestartPolicy(max_restarts=2, window_seconds=60, backoff_initial_seconds=1)
    supervisor = Supervisor(stack, policy=policy, clock=clock, log=lambda line: None)
    stack.start(_crasher("worker"))
    for _restart in range(2):
        _wait_until(lambda: _exited(stack, "worker"), "the worker exits")
        supervisor.tick()
        clock.now += 10
        supervisor.tick()
    assert supervisor.restarts == {"worker": 2}
    _wait_until(lambda: _exited(stack, "worker"), "the worker exits")
    with pytest.raises(SupervisorGaveUp, match="worker exited with code 3; it failed 3 times"):
        supervisor.tick()


def test_failures_outside_the_window_are_forgotten(stack: Stack) -> None:
    clock = FakeClock()
    policy = RestartPolicy(max_restarts=1, window_seconds=60, backoff_initial_seconds=1)
    supervisor = Supervisor(stack, policy=policy, clock=clock, log=lambda line: None)
    stack.start(_crasher("worker"))
    for _restart in range(4):
        _wait_until(lambda: _exited(stack, "worker"), "the worker exits")
        supervisor.tick()
        clock.now += 61  # each failure alone in its window
        supervisor.tick()
    assert supervisor.restarts == {"worker": 4}


def test_a_process_stopped_on_purpose_is_not_restarted(stack: Stack) -> None:
    clock = FakeClock()
    supervisor = Supervisor(stack, policy=RestartPolicy(), clock=clock, log=lambda line: None)
    item = stack.start(_server("web"))
    stack.retire(item)
    stack.kill(item)
    supervisor.tick()
    clock.now += 100
    supervisor.tick()
    assert stack.running == [] and supervisor.restarts == {}


def test_a_hung_process_is_killed_and_restarted(stack: Stack) -> None:
    clock = FakeClock()
    policy = RestartPolicy(
        liveness_interval_seconds=1, liveness_timeout_seconds=0.5, liveness_failures=2,
        backoff_initial_seconds=1,
    )
    supervisor = Supervisor(stack, policy=policy, clock=clock, log=lambda line: None)
    stack.start(_server("web"))
    hung_pid = _pid(stack, "web")

    def tick_until(condition: Callable[[], bool], what: str) -> None:
        def step() -> bool:
            clock.now += 1
            supervisor.tick()
            return condition()

        _wait_until(step, what)

    tick_until(lambda: supervisor._watches["web"].seen_alive, "web answers a liveness check")
    os.kill(hung_pid, signal.SIGSTOP)  # alive as a process, answering nothing
    try:
        tick_until(lambda: supervisor.restarts.get("web") == 1, "web is restarted")
    finally:
        try:
            os.kill(hung_pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert _pid(stack, "web") != hung_pid
    with pytest.raises(ProcessLookupError):
        os.kill(hung_pid, 0)


def test_restart_limits_come_from_the_environment_and_a_bad_one_is_named() -> None:
    policy = RestartPolicy.from_env(
        {"SHOPDESK_MAX_RESTARTS": "7", "SHOPDESK_RESTART_WINDOW_SECONDS": "30"}
    )
    assert (policy.max_restarts, policy.window_seconds) == (7, 30.0)
    assert RestartPolicy.from_env({}) == RestartPolicy()
    with pytest.raises(SystemExit, match="SHOPDESK_MAX_RESTARTS"):
        RestartPolicy.from_env({"SHOPDESK_MAX_RESTARTS": "many"})
    with pytest.raises(SystemExit, match="SHOPDESK_RESTART_WINDOW_SECONDS"):
        RestartPolicy.from_env({"SHOPDESK_RESTART_WINDOW_SECONDS": "0"})
