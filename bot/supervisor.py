"""Keeps a started stack serving: one crashed or hung process is restarted, not fatal.

The launcher (`python -m bot run`, both profiles) and the fault tests run the same loop,
`Supervisor.run()`, over the processes `bot.stack` started:

- a process that exits on its own (crash, OOM kill, SIGKILL) is started again from its spec
  after a backoff (`backoff_initial_seconds`, doubling up to `backoff_max_seconds`) while
  every other process keeps serving; each restart is logged and counted (`restarts`);
- a process whose liveness URL fails `liveness_failures` probes in a row is killed and
  restarted the same way (a hung process is as good as a dead one);
- a process that fails more than `max_restarts` times within `window_seconds` is not
  restarted again: the supervisor gives up (`SupervisorGaveUp`), and the launcher then stops
  everything and exits non-zero, so an orchestrator or an operator sees a real failure.

Settings (read once by `RestartPolicy.from_env()` at start-up): `SHOPDESK_MAX_RESTARTS` (5)
and `SHOPDESK_RESTART_WINDOW_SECONDS` (60).
"""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field

from bot.stack import LaunchSettingsError, Running, Stack, is_healthy
from common.settings import EnvSettings, PositiveFloat

Clock = Callable[[], float]
Log = Callable[[str], None]


class SupervisorGaveUp(RuntimeError):
    """A process failed too often in too short a time; the message says which."""

    def __init__(self, message: str, *, log_path: Path) -> None:
        super().__init__(message)
        self.log_path = log_path


class RestartPolicy(EnvSettings):
    """When to restart and when to give up; only the first two are settings."""

    settings_error = LaunchSettingsError

    max_restarts: Annotated[int, Field(ge=0)] = Field(5, alias="SHOPDESK_MAX_RESTARTS")
    window_seconds: PositiveFloat = Field(60.0, alias="SHOPDESK_RESTART_WINDOW_SECONDS")
    backoff_initial_seconds: PositiveFloat = 0.5
    backoff_max_seconds: PositiveFloat = 10.0
    liveness_interval_seconds: PositiveFloat = 10.0
    liveness_timeout_seconds: PositiveFloat = 5.0
    liveness_failures: Annotated[int, Field(ge=1)] = 3
    start_timeout_seconds: PositiveFloat = 180.0  # a (re)started process must answer within


@dataclass
class _Watch:
    """What the supervisor knows of one process name."""

    failures: deque[float] = field(default_factory=deque)  # when it failed, in the window
    restart_at: float | None = None  # pending restart (after its backoff)
    pid: int = 0  # the process the liveness state below is about
    started: float = 0.0
    seen_alive: bool = False  # failed probes count only once it has answered one
    probe: Future[bool] | None = None
    probe_started: float = 0.0
    failed_probes: int = 0


class Supervisor:
    """Restarts failed processes of `stack` with backoff; gives up on repeated failures."""

    def __init__(
        self,
        stack: Stack,
        *,
        policy: RestartPolicy | None = None,
        clock: Clock = time.monotonic,
        log: Log = print,
    ) -> None:
        self.stack = stack
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.log = log
        self.restarts: dict[str, int] = {}
        self._watches: dict[str, _Watch] = {}
        self._probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="liveness")

    def run(self, stop: threading.Event, *, tick_seconds: float = 0.25) -> None:
        """Supervises until `stop` is set (returns) or it gives up (SupervisorGaveUp)."""
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(tick_seconds)
        finally:
            self._probes.shutdown(wait=False, cancel_futures=True)

    def tick(self) -> None:
        """One round: notice exits, probe liveness, start what is due."""
        now = self.clock()
        for item in list(self.stack.running):
            code = item.process.poll()
            if code is not None:
                self._failed(item, f"exited with code {code}", now)
            else:
                self._check_liveness(item, now)
        for name, watch in self._watches.items():
            if watch.restart_at is not None and now >= watch.restart_at:
                watch.restart_at = None
                if self.stack.restart(name) is not None:
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.log(f"{name} restarted (restart {self.restarts[name]})")

    def _failed(self, item: Running, why: str, now: float) -> None:
        name = item.spec.name
        if not self.stack.retire(item):
            return  # stopped on purpose meanwhile
        watch = self._watches.setdefault(name, _Watch())
        watch.probe, watch.failed_probes = None, 0
        watch.failures.append(now)
        while watch.failures and now - watch.failures[0] > self.policy.window_seconds:
            watch.failures.popleft()
        if len(watch.failures) > self.policy.max_restarts:
            raise SupervisorGaveUp(
                f"{name} {why}; it failed {len(watch.failures)} times within "
                f"{self.policy.window_seconds:g} s, giving up (see {item.log_path})",
                log_path=item.log_path,
            )
        backoff = min(
            self.policy.backoff_max_seconds,
            self.policy.backoff_initial_seconds * 2 ** (len(watch.failures) - 1),
        )
        watch.restart_at = now + backoff
        self.log(
            f"{name} {why}; restarting in {backoff:g} s (failure {len(watch.failures)} of "
            f"{self.policy.max_restarts + 1} allowed within {self.policy.window_seconds:g} s; "
            f"log: {item.log_path})"
        )

    def _check_liveness(self, item: Running, now: float) -> None:
        watch = self._watches.setdefault(item.spec.name, _Watch())
        if watch.pid != item.process.pid:  # first seen, or restarted
            watch.pid, watch.started, watch.seen_alive = item.process.pid, now, False
            watch.probe, watch.probe_started, watch.failed_probes = None, 0.0, 0
        if not watch.seen_alive and now - watch.started > self.policy.start_timeout_seconds:
            self.log(f"{item.spec.name} did not become healthy within "
                     f"{self.policy.start_timeout_seconds:g} s")
            self.stack.kill(item, signal.SIGKILL)
            self._failed(item, "never became healthy (killed)", now)
            return
        if watch.probe is None:
            if now - watch.probe_started >= self.policy.liveness_interval_seconds:
                watch.probe_started = now
                watch.probe = self._probes.submit(
                    is_healthy, item.spec.liveness_url, timeout=self.policy.liveness_timeout_seconds
                )
            return
        if not watch.probe.done():
            return
        alive = watch.probe.result()
        watch.probe = None
        if alive:
            watch.seen_alive, watch.failed_probes = True, 0
            return
        if not watch.seen_alive:
            return  # still starting (loading a model takes a while)
        watch.failed_probes += 1
        if watch.failed_probes >= self.policy.liveness_failures:
            self.log(f"{item.spec.name} failed {watch.failed_probes} liveness checks in a row")
            self.stack.kill(item, signal.SIGKILL)
            self._failed(item, "was not alive (killed)", now)
