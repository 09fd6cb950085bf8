"""`python -m handoff migrate | serve | deliver-once | parked | retry ID`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from datetime import timedelta

from common import paths
from common.logs import install_log_masking
from common.proxies import uvicorn_proxy_options
from handoff import migrations
from handoff.bootstrap import HandoffServices, services
from handoff.db import create_db_engine
from handoff.followups import (
    BrokerEventSource,
    FollowUpPoller,
    Resumer,
    run_after_handoff,
)
from handoff.outbox import PARKED
from handoff.report_pages import ReportPages, ReportPagesError
from handoff.report_schedule import DailyReport, ReportScheduleError, run_daily
from handoff.settings import SettingsError
from handoff.worker import DeliveryWorker, RetryPolicy
from handoff.zendesk_sync import ZendeskSync

logger = logging.getLogger("handoff")


def _worker(s: HandoffServices) -> DeliveryWorker:
    st = s.settings
    return DeliveryWorker(
        store=s.store,
        helpdesk=s.helpdesk,
        notifier=s.notifier,
        policy=RetryPolicy(max_attempts=st.max_attempts, max_delay_seconds=st.max_backoff_seconds),
        lease=timedelta(seconds=st.lease_seconds),
        activity=s.activity,
    )


def run_zendesk_sync(sync: ZendeskSync, stop: threading.Event, *, every: float) -> None:
    holder = f"{socket.gethostname()}:{os.getpid()}"
    while not stop.is_set():
        try:
            sync.poll_if_leader(holder=holder, lease=timedelta(seconds=max(3 * every, 60)))
        except Exception:
            logger.exception("Zendesk sync failed; retrying")
        stop.wait(every)


def serve(
    s: HandoffServices,
    *,
    web: bool = True,
    report_pages: ReportPages | None = None,
    daily: DailyReport | None = None,
) -> None:
    import uvicorn

    from handoff.web import create_app

    st = s.settings
    if not migrations.is_current(s.engine):
        raise SystemExit("handoff tables are missing or old: run `python -m handoff migrate` first")
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_worker(s).run_forever,
            args=(stop,),
            kwargs={"idle_seconds": st.poll_seconds},
            name=f"delivery-{i}",
            daemon=True,
        )
        for i in range(st.workers)
    ]
    poller = None
    if st.rasa_events_url:
        poller = FollowUpPoller(
            store=s.store,
            source=BrokerEventSource(create_db_engine(st.rasa_events_url)),
            activity=s.activity,
            ack_quiet=timedelta(seconds=st.ack_quiet_seconds),
        )
    else:
        logger.warning(
            "HANDOFF_RASA_EVENTS_URL not set: later shopper messages are not added to tickets"
        )
    resumer = Resumer(store=s.store, activity=s.activity, resume_after=st.resume_after)
    threads.append(
        threading.Thread(
            target=s.relay.run_forever,
            args=(stop,),
            kwargs={"idle_seconds": st.poll_seconds},
            name="chat-relay",
            daemon=True,
        )
    )
    if s.zendesk_sync is not None and st.zendesk is not None:
        # With the webhook, polling only catches what a missed call left behind.
        every = st.zendesk.poll_seconds if st.zendesk.webhook_secret is None else 600.0
        threads.append(
            threading.Thread(
                target=run_zendesk_sync,
                args=(s.zendesk_sync, stop),
                kwargs={"every": every},
                name="zendesk-sync",
                daemon=True,
            )
        )
    threads.append(
        threading.Thread(
            target=run_after_handoff,
            kwargs={
                "stop": stop,
                "poller": poller,
                "resumer": resumer,
                "poll_seconds": st.poll_seconds,
                "resume_check_seconds": max(st.poll_seconds, 5.0),
            },
            name="after-handoff",
            daemon=True,
        )
    )
    if daily is not None:
        threads.append(
            threading.Thread(
                target=run_daily,
                args=(daily,),
                kwargs={"stop": stop},
                name="daily-report",
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    logger.info(
        "handoff: %d worker(s), helpdesk=%s, inbox on http://%s:%d/inbox (%s)",
        st.workers,
        s.helpdesk.name,
        st.host,
        st.port,
        "password required" if st.agent_password else "loopback only, no password",
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(
                s,
                report_dir=paths.report_dir(os.environ),
                agent_login=(st.agent_user, st.agent_password) if st.agent_password else None,
                report_pages=report_pages,
            ),
            host=st.host,
            port=st.port,
            log_level="warning",
            # X-Forwarded-For only from SHOPDESK_TRUSTED_PROXIES (uvicorn trusts 127.0.0.1).
            **uvicorn_proxy_options(os.environ),
        )
    )

    def _shutdown(signum: int, frame: object) -> None:
        stop.set()
        server.should_exit = True

    # Our own handlers (uvicorn's re-raise the signal after shutdown, skipping the cleanup
    # below): stop taking work, let in-flight deliveries finish, exit 0.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    try:
        server.run()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the handoff tables")
    commands.add_parser("serve", help="run the delivery workers and the agent inbox page")
    commands.add_parser("deliver-once", help="deliver what is due once, then exit")
    commands.add_parser("parked", help="list deliveries parked for an operator")
    retry = commands.add_parser("retry", help="send a parked delivery back to the queue")
    retry.add_argument("row_id", type=int)
    args = parser.parse_args(argv)

    install_log_masking()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        s = services()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        try:  # the KPI pages' and the daily report's settings
            report_pages = ReportPages.from_env()
            daily = DailyReport.from_env()
        except (ReportPagesError, ReportScheduleError) as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
    if args.command == "migrate":
        migrations.upgrade(s.engine)
        print(f"handoff tables are current ({s.engine.url.render_as_string(hide_password=True)})")
    elif args.command == "serve":
        serve(s, report_pages=report_pages, daily=daily)
    elif args.command == "deliver-once":
        while _worker(s).run_once():
            pass
    elif args.command == "parked":
        for row in s.store.rows(status=PARKED):
            print(f"{row.id}\t{row.kind}\t{row.conversation_id}\t{row.stage}\t{row.last_error}")
    elif args.command == "retry" and not s.store.requeue(args.row_id):
        print(f"no parked delivery {args.row_id}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
