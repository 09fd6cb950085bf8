"""Starts, health-checks and stops Shopdesk's processes.

Used by `python -m bot run` (what `make run` calls) and by the end-to-end tests, so the
tests exercise exactly the processes a store runs. Each process gets its own process group
so that stopping the stack stops everything it started, children included.

The production profile scaled out (what `SHOPDESK_PROFILE=production python -m bot run`
starts; also the API of the load benchmark and the fault tests): N Rasa instances and M
action servers behind HAProxy, K handoff processes (outbox workers), one store.

    from bot.profiles import Profile
    from bot.stack import ClusterPorts, Scale, start_cluster

    profile = Profile.from_env(env)             # SHOPDESK_PROFILE=production and its settings
    scale = Scale(rasa_instances=2, action_servers=2, outbox_workers=2)  # or Scale.from_env()
    ports = ClusterPorts.allocate(scale, free_port)   # or ClusterPorts.next_to(Ports(), scale)
    # databases migrated and seeded first: `python -m store migrate|seed`, `handoff migrate`
    with start_cluster(ports, model=ensure_model(), endpoints=profile.endpoints,
                       auth_token=profile.rasa_auth_token, env={**env, **profile.env},
                       handoff_env={"HANDOFF_RASA_EVENTS_URL": rasa_events_url(profile.env)},
                       log_dir=tmp / "logs") as cluster:
        cluster.url                    # the balancer: REST, socket.io and HTTP API
        cluster.rasa_instance_urls     # each instance directly
        cluster.pids()                 # {"store": pid, "actions-1": pid, "rasa-1": pid,
                                       #  "handoff-1": pid, "balancer": pid, ...}
        cluster.kill("rasa-2")         # SIGKILL one process; cluster.restart("rasa-2")

`tests/support/cluster.py:production_cluster()` does all of it on fresh PostgreSQL
databases. start_cluster() also creates Rasa's tables before the instances start (two
racing on CREATE TABLE kill one) and waits until the balancer sees every server
(`/lb-ready`), so the first requests neither fail nor all land on one instance.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

from pydantic import Field

from bot import paths
from bot.training import rasa_env
from common.logfiles import LogWriter
from common.secrets import PRIVATE_UMASK
from common.settings import EnvSettings, Port

APP_PYTHON = sys.executable
HEALTH_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 10.0
DEFAULT_TICKET_LOCK_LIFETIME = "5"


class LaunchSettingsError(SystemExit):
    """A launcher setting is malformed: the launcher stops, naming it."""


class Ports(EnvSettings):
    settings_error = LaunchSettingsError

    rasa: Port = Field(5005, alias="RASA_PORT")
    actions: Port = Field(5055, alias="ACTION_SERVER_PORT")
    store: Port = Field(8100, alias="STORE_PORT")
    helpdesk: Port = Field(8200, alias="HELPDESK_PORT")
    # The demo Shopify (SHOPDESK_STORE_BACKEND=shopify without SHOPIFY_SHOP).
    shopify_demo: Port = Field(8300, alias="SHOPIFY_DEMO_PORT")


@dataclass
class ServiceSpec:
    name: str
    command: list[str]
    health_url: str  # ready to serve (the launcher waits for it at start)
    env: dict[str, str] = field(default_factory=dict)
    live_url: str | None = None  # alive (the supervisor's liveness check); else health_url

    @property
    def liveness_url(self) -> str:
        return self.live_url or self.health_url


@dataclass
class Running:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: LogWriter  # the launcher writes the process's output (common/logfiles.py)


class StackError(RuntimeError):
    """A process failed to start or became unhealthy; the message says which and why."""


class Stack:
    """A set of processes started together and stopped together."""

    def __init__(self, *, log_dir: Path = paths.LOGS) -> None:
        self.log_dir = log_dir
        self.running: list[Running] = []
        self.specs: dict[str, ServiceSpec] = {}  # every process ever started, by name
        self._lock = threading.Lock()  # the supervisor and the caller change `running`

    def start(self, spec: ServiceSpec) -> Running:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        # Owner-only, like every database file the process creates (its umask below).
        log_file = LogWriter(log_path)
        read_end, write_end = os.pipe()
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **spec.env}
        try:
            process = subprocess.Popen(
                spec.command,
                cwd=paths.ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                umask=PRIVATE_UMASK,
            )
        except BaseException:
            os.close(read_end)
            log_file.close()
            raise
        finally:
            os.close(write_end)  # the child holds it now: the pipe ends when the child does
        log_file.start(read_end)
        running = Running(spec=spec, process=process, log_path=log_path, log_file=log_file)
        with self._lock:
            self.running.append(running)
            self.specs[spec.name] = spec
        return running

    def retire(self, item: Running) -> bool:
        """Forgets a process that has exited or is being stopped on purpose (its log is
        closed). False if it was retired already (someone else took care of it)."""
        with self._lock:
            if item not in self.running:
                return False
            self.running.remove(item)
        # Bounded: a child the process left behind may hold its output open (it goes on
        # being logged); the supervisor must not wait for it.
        item.log_file.close(timeout=1.0)
        return True

    def kill(self, item: Running, sig: signal.Signals = signal.SIGKILL) -> None:
        """Sends `sig` to the process and its children and waits until it has exited."""
        _signal_group(item.process, sig)
        try:
            item.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(item.process, signal.SIGKILL)
            item.process.wait(timeout=5)

    def restart(self, name: str) -> Running | None:
        """Starts the process called `name` again from its spec, unless one is running."""
        with self._lock:
            if any(item.spec.name == name for item in self.running):
                return None
        return self.start(self.specs[name])

    def wait_healthy(self, *, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.running)
        while pending:
            for item in list(pending):
                code = item.process.poll()
                if code is not None:
                    item.log_file.close()  # its last words are in the log
                    raise StackError(
                        f"{item.spec.name} exited with code {code} while starting; "
                        f"see {item.log_path}\n{tail(item.log_path)}"
                    )
                if is_healthy(item.spec.health_url):
                    pending.remove(item)
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(i.spec.name for i in pending)
                raise StackError(f"not healthy after {timeout:.0f} s: {names}")
            time.sleep(0.5)

    def first_exited(self) -> Running | None:
        return next((r for r in self.running if r.process.poll() is not None), None)

    def stop(self) -> None:
        """Stops every process: SIGTERM to the process itself, so that it stops its own
        children in order (Sanic's worker manager, whose workers die with a traceback when
        the whole group is signalled at once), then SIGKILL to the group after a grace
        period."""
        for item in reversed(self.running):
            _signal_process(item.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for item in reversed(self.running):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                item.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                _signal_group(item.process, signal.SIGKILL)
                item.process.wait(timeout=5)
            # Children the service may have spawned (e.g. Sanic workers) share its group.
            _signal_group(item.process, signal.SIGKILL)
            item.log_file.close()
        with self._lock:
            self.running.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the launcher dies without cleaning up (e.g. SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _signal_process(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        process.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def is_healthy(url: str, *, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the services ------------------------------------------------------------------------


def store_spec(ports: Ports, *, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="store",
        command=[APP_PYTHON, "-m", "store", "serve", "--port", str(ports.store)],
        health_url=f"http://127.0.0.1:{ports.store}/health",
        env={
            "STORE_PORT": str(ports.store),
            # Where shoppers' browsers reach Rasa's socket.io channel (the widget).
            "SHOPDESK_WIDGET_SERVER_URL": f"http://127.0.0.1:{ports.rasa}",
            **(env or {}),
        },
    )


# The demo Shopify's shop domain (it answers for this one shop).
SHOPIFY_DEMO_SHOP = "shopdesk-demo.myshopify.com"


def shopify_demo_spec(port: int, *, token: str) -> ServiceSpec:
    """The demo Shopify (store/shopify_demo): what the Shopify backend talks to when no shop
    is configured. Returns the spec; `shopify_demo_env` is what the action server needs."""
    return ServiceSpec(
        name="shopify-demo",
        command=[APP_PYTHON, "-m", "store.shopify_demo", "serve", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        env={"SHOPIFY_ACCESS_TOKEN": token},
    )


def shopify_demo_env(port: int, *, token: str) -> dict[str, str]:
    """The Shopify settings that point the action server at the demo Shopify."""
    return {
        "SHOPIFY_SHOP": SHOPIFY_DEMO_SHOP,
        "SHOPIFY_ADMIN_URL": f"http://127.0.0.1:{port}",
        "SHOPIFY_ACCESS_TOKEN": token,
    }


def actions_spec(ports: Ports, *, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="actions",
        command=[APP_PYTHON, "-m", "actions", "--port", str(ports.actions)],
        health_url=f"http://127.0.0.1:{ports.actions}/health",
        env={
            "STORE_URL": f"http://127.0.0.1:{ports.store}",
            "HELPDESK_PORT": str(ports.helpdesk),
            "SANIC_HOST": "127.0.0.1",
            **(env or {}),
        },
    )


def handoff_spec(
    ports: Ports,
    *,
    events_db: Path | None = None,
    env: dict[str, str] | None = None,
) -> ServiceSpec:
    """Delivery workers (tickets, alerts), follow-ups after handoff, and the agent inbox."""
    events_db = events_db or _var_file("RASA_EVENTS_DB", "rasa-events.db")
    return ServiceSpec(
        name="handoff",
        command=[APP_PYTHON, "-m", "handoff", "serve"],
        health_url=f"http://127.0.0.1:{ports.helpdesk}/health",
        env={
            "HELPDESK_PORT": str(ports.helpdesk),
            "RASA_URL": f"http://127.0.0.1:{ports.rasa}",
            "HANDOFF_RASA_EVENTS_URL": f"sqlite:///{events_db}",
            **(env or {}),
        },
    )


def rasa_spec(
    ports: Ports,
    *,
    model: Path,
    endpoints: Path = paths.ROOT / "bot" / "endpoints.yml",
    tracker_db: Path | None = None,
    events_db: Path | None = None,
    auth_token: str,
    env: dict[str, str] | None = None,
) -> ServiceSpec:
    # bot.rasa_server passes the token and the allowed origins (from the environment below)
    # to `rasa run`: never on the command line.
    command = [
        str(paths.RASA_PYTHON), "-m", "bot.rasa_server",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(ports.rasa),
        "--model", str(model),
        "--credentials", str(paths.ROOT / "bot" / "credentials.yml"),
        "--endpoints", str(endpoints),
    ]
    store_origins = f"http://127.0.0.1:{ports.store},http://localhost:{ports.store}"
    return ServiceSpec(
        name="rasa",
        command=command,
        health_url=f"http://127.0.0.1:{ports.rasa}/status?token={auth_token}",
        env={
            **rasa_env(),
            "RASA_API_TOKEN": auth_token,
            # CORS: only the store's pages may call Rasa from a browser (the widget).
            "SHOPDESK_ALLOWED_ORIGINS": os.environ.get("SHOPDESK_ALLOWED_ORIGINS")
            or store_origins,
            "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}/webhook",
            "RASA_TRACKER_DB": str(tracker_db or _var_file("RASA_TRACKER_DB", "tracker.db")),
            "RASA_EVENTS_DB": str(events_db or _var_file("RASA_EVENTS_DB", "rasa-events.db")),
            **(env or {}),
        },
    )


def _var_file(variable: str, default_name: str) -> Path:
    """A local state file: where the environment says, else in var/."""
    return Path(os.environ.get(variable) or paths.VAR / default_name)


# --- the production profile scaled out: N Rasa, M action servers, K outbox workers ---------


# Processes of one kind the production profile may run.
InstanceCount = Annotated[int, Field(ge=1, le=32)]


class Scale(EnvSettings):
    """How many of each process the production profile runs (`RASA_INSTANCES`,
    `ACTION_SERVERS`, `OUTBOX_WORKERS`)."""

    settings_error = LaunchSettingsError

    rasa_instances: InstanceCount = Field(2, alias="RASA_INSTANCES")
    action_servers: InstanceCount = Field(2, alias="ACTION_SERVERS")
    outbox_workers: InstanceCount = Field(2, alias="OUTBOX_WORKERS")


@dataclass(frozen=True)
class ClusterPorts:
    """Where everything listens. `rasa` and `actions` are the balancer's two front ends
    (what shoppers and Rasa use); the instances listen on their own ports behind it."""

    rasa: int
    actions: int
    store: int
    rasa_instances: tuple[int, ...]
    action_servers: tuple[int, ...]
    outbox_workers: tuple[int, ...]  # each handoff process's inbox port; the first is public

    @property
    def helpdesk(self) -> int:
        return self.outbox_workers[0]

    @classmethod
    def next_to(cls, ports: Ports, scale: Scale) -> ClusterPorts:
        """The launcher's layout: balancer on RASA_PORT / ACTION_SERVER_PORT, instances on
        the ports after them, handoff processes from HELPDESK_PORT up."""
        return cls(
            rasa=ports.rasa,
            actions=ports.actions,
            store=ports.store,
            rasa_instances=tuple(ports.rasa + 1 + i for i in range(scale.rasa_instances)),
            action_servers=tuple(ports.actions + 1 + i for i in range(scale.action_servers)),
            outbox_workers=tuple(ports.helpdesk + i for i in range(scale.outbox_workers)),
        )

    @classmethod
    def allocate(cls, scale: Scale, free_port: Callable[[], int]) -> ClusterPorts:
        """Every port from `free_port()` (tests and benchmarks: never collides)."""
        return cls(
            rasa=free_port(),
            actions=free_port(),
            store=free_port(),
            rasa_instances=tuple(free_port() for _ in range(scale.rasa_instances)),
            action_servers=tuple(free_port() for _ in range(scale.action_servers)),
            outbox_workers=tuple(free_port() for _ in range(scale.outbox_workers)),
        )


@dataclass
class Cluster:
    """A running scaled-out stack. `url` is the balancer: talk to Rasa only through it."""

    stack: Stack
    ports: ClusterPorts
    specs: dict[str, ServiceSpec]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def store_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.store}"

    @property
    def helpdesk_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.helpdesk}"

    @property
    def rasa_instance_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.rasa_instances]

    def process(self, name: str) -> Running:
        """The running process called `name` (`balancer`, `store`, `rasa-1`, `actions-2`,
        `handoff-1`, ...)."""
        for item in self.stack.running:
            if item.spec.name == name:
                return item
        raise KeyError(f"no running process {name!r}")

    def pids(self) -> dict[str, int]:
        return {item.spec.name: item.process.pid for item in self.stack.running}

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Stops one process (and its children) on purpose, without stopping the rest: the
        supervisor does not restart it (`restart()` does)."""
        item = self.process(name)
        self.stack.retire(item)
        self.stack.kill(item, sig)

    def crash(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Kills one process as a crash would (OOM, segfault) and returns once it is gone:
        the supervisor notices and restarts it. The killed process id."""
        item = self.process(name)
        _signal_group(item.process, sig)
        item.process.wait(timeout=STOP_GRACE_SECONDS)  # gone (the supervisor may reap it)
        return item.process.pid

    def restart(self, name: str, *, timeout: float = HEALTH_TIMEOUT_SECONDS) -> Running:
        """Starts a killed process again from its spec and waits until it is healthy."""
        running = self.stack.start(self.specs[name])
        self.stack.wait_healthy(timeout=timeout)
        return running

    def stop(self) -> None:
        self.stack.stop()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def balancer_spec(ports: ClusterPorts, *, config_dir: Path) -> ServiceSpec:
    """HAProxy in front of the Rasa instances and of the action servers."""
    from bot import lb

    config_dir.mkdir(parents=True, exist_ok=True)
    config = config_dir / "haproxy.cfg"
    config.write_text(
        lb.render(
            rasa_bind=f"127.0.0.1:{ports.rasa}",
            actions_bind=f"127.0.0.1:{ports.actions}",
            rasa_servers=[f"127.0.0.1:{p}" for p in ports.rasa_instances],
            action_servers=[f"127.0.0.1:{p}" for p in ports.action_servers],
        )
    )
    try:
        binary = lb.haproxy_binary()
    except lb.BalancerMissing as exc:
        raise StackError(str(exc)) from None
    return ServiceSpec(
        name="balancer",
        # -db: stay in the foreground (the launcher supervises it); -W would fork a master.
        command=[str(binary), "-db", "-f", str(config)],
        # Healthy once it sees every instance and action server pass its health checks.
        health_url=f"http://127.0.0.1:{ports.rasa}/lb-ready",
        # Alive while HAProxy answers, whatever the state of the servers behind it.
        live_url=f"http://127.0.0.1:{ports.rasa}/lb-live",
    )


def cluster_specs(
    ports: ClusterPorts,
    *,
    model: Path,
    endpoints: Path,
    auth_token: str,
    env: dict[str, str],
    handoff_env: dict[str, str] | None = None,
    config_dir: Path,
) -> list[ServiceSpec]:
    """Every process of the scaled-out profile, in start order.

    `env` goes to every process (the profile's database URLs, secrets, Rasa DB and Redis
    settings); `handoff_env` additionally to the outbox workers (e.g. Zendesk settings,
    `HANDOFF_RASA_EVENTS_URL`).
    """
    behind = Ports(rasa=ports.rasa, actions=ports.actions, store=ports.store,
                   helpdesk=ports.helpdesk)
    specs = [store_spec(behind, env=env)]
    for number, port in enumerate(ports.action_servers, start=1):
        spec = actions_spec(behind.model_copy(update={"actions": port}), env=env)
        specs.append(replace(spec, name=f"actions-{number}"))
    for number, port in enumerate(ports.rasa_instances, start=1):
        spec = rasa_spec(
            behind.model_copy(update={"rasa": port}),
            model=model,
            endpoints=endpoints,
            auth_token=auth_token,
            env=env,
        )
        # Every instance calls its actions through the balancer.
        spec.env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{ports.actions}/webhook"
        # How long a conversation stays locked by an instance that died mid-turn (Rasa's
        # default is 60 s); a live instance extends its tickets while a turn runs.
        spec.env.setdefault("TICKET_LOCK_LIFETIME", DEFAULT_TICKET_LOCK_LIFETIME)
        # The balancer (on this machine) tells the instances each shopper's address.
        spec.env.setdefault("SHOPDESK_TRUSTED_PROXIES", "127.0.0.1")
        specs.append(replace(spec, name=f"rasa-{number}"))
    for number, port in enumerate(ports.outbox_workers, start=1):
        spec = handoff_spec(
            behind.model_copy(update={"helpdesk": port}),
            env={
                **env,
                "RASA_TOKEN": auth_token,
                "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{ports.helpdesk}",
                **(handoff_env or {}),
            },
        )
        specs.append(replace(spec, name=f"handoff-{number}"))
    specs.append(balancer_spec(ports, config_dir=config_dir))
    return specs


def create_rasa_tables(endpoints: Path, *, env: dict[str, str]) -> None:
    """Rasa's tracker store and event broker tables, made once before the instances start
    (several Rasa servers creating them at once on a fresh database race, and one dies)."""
    result = subprocess.run(
        [str(paths.RASA_PYTHON), "-m", "bot.rasa_schema", str(endpoints)],
        cwd=paths.ROOT,
        env={**rasa_env(), **env},
        capture_output=True,
        text=True,
        timeout=HEALTH_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise StackError(f"could not create Rasa's tables:\n{result.stdout}{result.stderr}")


def start_cluster(
    ports: ClusterPorts,
    *,
    model: Path,
    endpoints: Path,
    auth_token: str,
    env: dict[str, str],
    handoff_env: dict[str, str] | None = None,
    log_dir: Path = paths.LOGS,
    timeout: float = HEALTH_TIMEOUT_SECONDS,
) -> Cluster:
    """Starts every process of `cluster_specs()` and waits until all are healthy.

    The databases must exist and be migrated (`python -m store migrate`, `... seed`,
    `python -m handoff migrate` with the same `env`); Rasa's tables are created here. On
    failure everything started is stopped again and `StackError` says which process failed.
    """
    create_rasa_tables(
        endpoints,
        env={**env, "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}/webhook"},
    )
    stack = Stack(log_dir=log_dir)
    specs = cluster_specs(
        ports,
        model=model,
        endpoints=endpoints,
        auth_token=auth_token,
        env=env,
        handoff_env=handoff_env,
        config_dir=log_dir / "balancer",
    )
    try:
        for spec in specs:
            stack.start(spec)
        stack.wait_healthy(timeout=timeout)
    except BaseException:
        stack.stop()
        raise
    return Cluster(stack=stack, ports=ports, specs={spec.name: spec for spec in specs})
