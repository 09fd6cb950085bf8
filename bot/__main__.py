"""Shopdesk's launcher: `python -m bot run | train | prepare | forget | purge | wait-migrated`.

`run` migrates the databases (the embedded profile also resets the demo store to its demo
orders; the production profile never loads or resets data: `prepare` does, once, for a
demo), trains the model if its inputs changed, starts every process, waits until all are
healthy, prints where to talk to the assistant, and supervises
them (`bot.supervisor`: a process that dies or hangs is restarted with backoff while the
rest keep serving). On Ctrl-C or SIGTERM, or when one process keeps failing, it stops
everything it started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

from bot import paths
from bot.erasure import log_directory
from bot.profiles import PRODUCTION, Profile, ProfileError, rasa_events_url, secrets_file
from bot.stack import (
    APP_PYTHON,
    ClusterPorts,
    Ports,
    Scale,
    Stack,
    StackError,
    actions_spec,
    handoff_spec,
    rasa_spec,
    shopify_demo_env,
    shopify_demo_spec,
    start_cluster,
    store_spec,
    tail,
)
from bot.supervisor import RestartPolicy, Supervisor, SupervisorGaveUp
from bot.training import ensure_model
from common.logfiles import DailyRotation, LogSettingError, retention_days
from common.secrets import PRIVATE_UMASK, SecretsFileError, make_private, read_secrets_file


def prepare_store(*, demo_data: bool = True) -> None:
    """Migrate the databases and, with `demo_data`, reset the store to the demo orders."""
    steps = [("store", "migrate"), ("store", "seed"), ("handoff", "migrate")]
    if not demo_data:
        steps.remove(("store", "seed"))
    for module, command in steps:
        result = subprocess.run([APP_PYTHON, "-m", module, command], cwd=paths.ROOT)
        if result.returncode != 0:
            raise SystemExit(f"{module} {command} failed (exit {result.returncode})")


def run(ports: Ports, profile: Profile, *, logs: DailyRotation) -> int:
    policy = RestartPolicy.from_env()
    paths.VAR.mkdir(exist_ok=True)
    make_private(paths.VAR)
    logs()
    os.environ.update(profile.env)
    # The production profile's databases are the store's own: never reset them on a start.
    prepare_store(demo_data=profile.name != PRODUCTION)
    model = ensure_model()
    handoff_env = {"RASA_TOKEN": profile.rasa_auth_token}
    if profile.name == PRODUCTION:
        handoff_env["HANDOFF_RASA_EVENTS_URL"] = rasa_events_url(profile.env)

    if profile.name == PRODUCTION:
        return run_cluster(
            ports, profile, model=model, handoff_env=handoff_env, policy=policy, logs=logs
        )

    stack = Stack(log_dir=logs.log_dir)
    stop = _StopOnSignal()
    try:
        stack.start(store_spec(ports))
        actions_env = start_shopify_demo(stack, port=ports.shopify_demo)
        stack.start(actions_spec(ports, env=actions_env))
        stack.start(
            rasa_spec(
                ports,
                model=model,
                endpoints=profile.endpoints,
                auth_token=profile.rasa_auth_token,
            )
        )
        stack.start(handoff_spec(ports, env=handoff_env))
        print("starting store, action server, Rasa and handoff (logs in var/log/) ...", flush=True)
        stack.wait_healthy()
        report_store_backend(actions_env)
        print_ready(ports, profile)
        return _supervise(stack, stop, policy, logs=logs)
    except StackError as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("all Shopdesk processes stopped.")


def start_shopify_demo(stack: Stack, *, port: int) -> dict[str, str]:
    """With SHOPDESK_STORE_BACKEND=shopify and no SHOPIFY_SHOP: starts the demo Shopify and
    returns the settings that point the action server at it (else no settings)."""
    if os.environ.get("SHOPDESK_STORE_BACKEND", "").strip().lower() != "shopify":
        return {}
    if os.environ.get("SHOPIFY_SHOP", "").strip():
        return {}
    token = "shpat_demo_" + secrets.token_hex(16)
    stack.start(shopify_demo_spec(port, token=token))
    print(f"SHOPIFY_SHOP is not set: starting the demo Shopify on port {port} ...", flush=True)
    stack.wait_healthy(timeout=60)  # up before the action server checks it at start-up
    return shopify_demo_env(port, token=token)


def report_store_backend(actions_env: dict[str, str]) -> None:
    """The store backend's own check (token, scopes, API version), printed where the person
    starting Shopdesk sees it; shoppers get the store-down path until it is fixed."""
    result = subprocess.run(
        [APP_PYTHON, "-m", "actions", "--check-store"],
        cwd=paths.ROOT, env={**os.environ, **actions_env}, capture_output=True, text=True,
        timeout=60,
    )
    for line in result.stdout.splitlines():
        print(("  " if result.returncode == 0 else "  PROBLEM: ") + line, flush=True)


def run_cluster(
    ports: Ports,
    profile: Profile,
    *,
    model: Path,
    handoff_env: dict[str, str],
    policy: RestartPolicy,
    logs: DailyRotation,
) -> int:
    """The production profile: N Rasa instances and M action servers behind HAProxy (on
    RASA_PORT and ACTION_SERVER_PORT), K outbox workers (handoff processes)."""
    scale = Scale.from_env()
    layout = ClusterPorts.next_to(ports, scale)
    stop = _StopOnSignal()
    print(
        f"starting store, {scale.action_servers} action server(s), {scale.rasa_instances} Rasa "
        f"instance(s), {scale.outbox_workers} outbox worker(s) and the balancer "
        "(logs in var/log/) ...",
        flush=True,
    )
    try:
        cluster = start_cluster(
            layout,
            model=model,
            endpoints=profile.endpoints,
            auth_token=profile.rasa_auth_token,
            env=dict(profile.env),
            handoff_env=handoff_env,
            log_dir=logs.log_dir,
        )
    except StackError as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    try:
        print_ready(ports, profile)
        return _supervise(cluster.stack, stop, policy, logs=logs)
    finally:
        cluster.stop()
        print("all Shopdesk processes stopped.")


class _StopOnSignal:
    """Ctrl-C or SIGTERM asks the launcher to stop what it started (sets `event`)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.event.set()


def _rotate_logs_daily(logs: DailyRotation, stop: threading.Event) -> None:
    """Checks once a minute whether a new day has begun (then rotates and expires)."""
    while not stop.wait(60):
        logs()


def _supervise(
    stack: Stack, stop: _StopOnSignal, policy: RestartPolicy, *, logs: DailyRotation
) -> int:
    """Keeps the processes serving until asked to stop (0) or until one of them keeps
    failing (1); the caller then stops everything. Rotates the logs once a day meanwhile."""
    supervisor = Supervisor(stack, policy=policy, log=_log)
    threading.Thread(
        target=_rotate_logs_daily, args=(logs, stop.event), name="log-rotation", daemon=True
    ).start()
    try:
        supervisor.run(stop.event)
    except SupervisorGaveUp as exc:
        print(f"\n{exc}", flush=True)
        print(tail(exc.log_path), flush=True)
        return 1
    print("\nstopping ...", flush=True)
    return 0


def _log(line: str) -> None:
    print(f"supervisor: {line}", flush=True)


def print_ready(ports: Ports, profile: Profile) -> None:
    print(
        f"""
Shopdesk is ready ({profile.name} profile).
  Demo store with the chat widget:  http://127.0.0.1:{ports.store}/
  Talk over REST:   curl -s localhost:{ports.rasa}/webhooks/rest/webhook \\
                      -d '{{"sender": "me", "message": "where is order 10023? jo@example.com"}}'
  Agent inbox:      http://127.0.0.1:{ports.helpdesk}/inbox   (escalated conversations)
                    {_inbox_login(profile)}
  Store API docs:   http://127.0.0.1:{ports.store}/docs
  {_where_the_tokens_are(profile)}
Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def _inbox_login(profile: Profile) -> str:
    """Where the agents' login is: the secrets file when the password came from there."""
    user = os.environ.get("HELPDESK_AGENT_USER") or "agent"
    password = os.environ.get("HELPDESK_AGENT_PASSWORD")
    if profile.name != PRODUCTION:
        path = secrets_file(os.environ)
        try:
            generated = read_secrets_file(path).get("HELPDESK_AGENT_PASSWORD")
        except (SecretsFileError, OSError):
            generated = None
        if generated is not None and generated == password:
            return f"login: user {user}, password: HELPDESK_AGENT_PASSWORD in {_shown(path)}"
    return f"login: user {user}, the password set in HELPDESK_AGENT_PASSWORD"


def _where_the_tokens_are(profile: Profile) -> str:
    if profile.name == PRODUCTION:
        return "API tokens:       as set in the environment (RASA_API_TOKEN, STORE_API_TOKEN, ...)"
    return (
        f"API tokens:       {_shown(secrets_file(os.environ))}   "
        "(Rasa's HTTP API, the store API, the action server)"
    )


def _shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it (var/secrets.env)."""
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def erase(args: argparse.Namespace) -> int:
    """`forget --sender ID | --email ADDRESS` / `purge --days N`: prints what was deleted,
    per table; a purge exits 3 when the KPI report's daily summaries of what it deleted
    could not be kept."""
    from bot.erasure import DataStores, forget, forget_email, purge

    try:
        stores = DataStores.from_env()
    except ProfileError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "forget" and args.email is not None:
        if "@" not in args.email or not args.email.strip():
            print("--email must be an email address", file=sys.stderr)
            return 2
        senders, report = forget_email(args.email, stores)
        print(
            f"forgot {len(senders)} conversation(s) of {args.email!r}: "
            f"{report.total} row(s) and log line(s) deleted"
        )
        print("\n".join(f"  conversation {sender}" for sender in senders))
    elif args.command == "forget":
        if not args.sender.strip():
            print("--sender must not be empty", file=sys.stderr)
            return 2
        report = forget(args.sender, stores)
        print(f"forgot conversation {args.sender!r}: {report.total} row(s) deleted")
    else:
        if args.days < 0:
            print("--days must be zero or more", file=sys.stderr)
            return 2
        kept = keep_daily_summaries(args.days)
        report = purge(args.days, stores)
        print(f"purged data older than {args.days} day(s): {report.total} row(s) deleted")
        print("\n".join(report.lines()))
        return 0 if kept else 3
    print("\n".join(report.lines()))
    return 0


# Seconds `analytics summarize` may take; past them the purge goes ahead without it.
SUMMARIZE_TIMEOUT = 1800.0


def keep_daily_summaries(days: int) -> bool:
    """Before a purge: `python -m analytics summarize` writes the KPI report's daily
    summaries of the days about to be deleted, so their trend outlives them. False (and
    said on stderr) when it could not; retention goes ahead all the same."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "summarize", "--days", str(days)],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            timeout=SUMMARIZE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"purge: daily summaries not kept: {exc}", file=sys.stderr)
        return False
    if done.returncode != 0:
        print(f"purge: daily summaries not kept: {done.stderr.strip()}", file=sys.stderr)
        return False
    print(done.stdout.strip())
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="prepare, train if needed, start everything")
    train = commands.add_parser("train", help="train the model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if up to date")
    commands.add_parser(
        "prepare", help="migrate, and reset the store to the demo orders (empties it first)"
    )
    forget = commands.add_parser("forget", help="erase one shopper's conversations everywhere")
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--sender", help="the conversation (sender) id")
    who.add_argument("--email", help="the shopper's email: every conversation that names it")
    purge = commands.add_parser("purge", help="delete conversation data older than N days")
    purge.add_argument("--days", required=True, type=int, help="retention period in days")
    wait_migrated = commands.add_parser(
        "wait-migrated", help="wait until every database is migrated (an init container)"
    )
    wait_migrated.add_argument("--timeout", type=float, default=600.0, help="seconds")
    args = parser.parse_args(argv)

    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    # Databases, logs and secrets this command and its processes create: owner only.
    os.umask(PRIVATE_UMASK)
    if args.command == "train":
        ensure_model(force=args.force)
        return 0
    if args.command == "prepare":
        prepare_store()
        return 0
    if args.command in ("forget", "purge"):
        return erase(args)
    if args.command == "wait-migrated":
        from bot import migrations_check

        try:
            named_checks = migrations_check.checks(os.environ)
        except KeyError as exc:
            print(f"configuration error: {exc.args[0]} is not set", file=sys.stderr)
            return 2
        return 0 if migrations_check.wait(named_checks, timeout=args.timeout) else 1
    try:
        profile = Profile.from_env()
        keep_days = retention_days(os.environ.get("SHOPDESK_LOG_RETENTION_DAYS"))
    except (ProfileError, LogSettingError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logs = DailyRotation(log_directory(os.environ), keep_days=keep_days)
    return run(Ports.from_env(), profile, logs=logs)


if __name__ == "__main__":
    sys.exit(main())
