"""`python -m analytics report | summarize | conversation`.

report        --since 7d | --from DAY --to DAY [--out DIR] [--email] [--reuse]
summarize     --days N: keeps the daily summaries of what `python -m bot purge --days N`
              is about to delete
conversation  --sender ID [--html]: one conversation, masked, with each session's outcome

Exit status: 0 done, 2 a setting, option or database is wrong (the message says which),
3 the report was written but not emailed, 4 no such conversation.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from analytics import conversation_view, render
from analytics.mail import ReportEmailError, send
from analytics.report import (
    PeriodError,
    existing_engine,
    is_current,
    keep_before_purge,
    missing_sqlite,
    parse_range,
    parse_since,
    run,
)
from analytics.settings import ReportSettings, ReportSettingsError
from analytics.source import ReportSourceError

NOT_FOUND = 4
MAX_SENDER = 255


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write the KPI report (HTML, JSON, CSV)")
    report.add_argument("--since", help="the last N days/hours/weeks: 7d, 24h, 2w")
    report.add_argument(
        "--from", dest="start", help="first day (2026-11-20, in BUSINESS_TZ) or date-time"
    )
    report.add_argument("--to", dest="end", help="last day, included, or date-time (excluded)")
    report.add_argument(
        "--out", type=Path, help="output folder (default REPORT_DIR or var/reports)"
    )
    report.add_argument(
        "--email", action="store_true", help="also email the HTML to REPORT_EMAIL_TO (SMTP_*)"
    )
    report.add_argument(
        "--reuse",
        action="store_true",
        help="keep the period's report if nothing it counts can have changed since",
    )
    summarize = commands.add_parser(
        "summarize", help="keep the daily summaries of the days a purge will delete"
    )
    summarize.add_argument("--days", required=True, type=int, help="the purge's retention")
    conversation = commands.add_parser(
        "conversation", help="one conversation, masked, with each session's outcome"
    )
    conversation.add_argument("--sender", required=True, help="the conversation (sender) id")
    conversation.add_argument("--html", action="store_true", help="the inbox page (else JSON)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        settings = ReportSettings.from_env()
        if args.command == "summarize":
            return _summarize(settings, days=args.days, now=now)
        if args.command == "conversation":
            return _conversation(settings, sender=args.sender, html=args.html)
        return _report(settings, args, now=now)
    except (PeriodError, ReportSettingsError, ReportSourceError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2


def _report(settings: ReportSettings, args: argparse.Namespace, *, now: datetime) -> int:
    if args.out is not None:
        settings = settings.model_copy(update={"report_dir": args.out})
    if args.email and settings.email is None:
        raise ReportSettingsError("--email: set REPORT_EMAIL_TO (and SMTP_HOST)")
    if args.since and (args.start or args.end):
        raise PeriodError("give either --since or --from/--to, not both")
    if args.start or args.end:
        if not (args.start and args.end):
            raise PeriodError("--from and --to go together")
        period = parse_range(args.start, args.end, tz=settings.tz)
    else:
        period = parse_since(args.since or "7d", now=now)
    files = render.files_for(settings.report_dir, period.stem)
    if not (args.reuse and is_current(files.html, period, now=now)):
        files = run(settings, period, now=now)
    print(f"report: {files.html}\n        {files.json}\n        {files.csv}")
    if args.email and settings.email is not None:
        subject = f"Shopdesk KPI report {period.label(settings.tz)}"
        try:
            send(files, settings=settings.email, subject=subject)
        except ReportEmailError as exc:
            print(f"report: not emailed: {exc}", file=sys.stderr)
            return 3
        print(f"report: emailed to {', '.join(settings.email.to)}")
    return 0


def _summarize(settings: ReportSettings, *, days: int, now: datetime) -> int:
    if days < 0:
        raise PeriodError("--days must be zero or more")
    kept = keep_before_purge(settings, days=days, now=now)
    span = f" ({kept[0]} to {kept[-1]})" if kept else ""
    print(f"summarize: daily summaries of {len(kept)} day(s) kept{span}")
    return 0


def _conversation(settings: ReportSettings, *, sender: str, html: bool) -> int:
    if not sender or len(sender) > MAX_SENDER:
        print(f"conversation: no such conversation: {sender[:MAX_SENDER]!r}", file=sys.stderr)
        return NOT_FOUND
    if missing_sqlite(settings.tracker_url):
        print("conversation: no conversations here yet (no tracker store)", file=sys.stderr)
        return NOT_FOUND
    engine = existing_engine(settings.tracker_url, what="tracker store")
    try:
        found = conversation_view.sessions(engine, sender, tz=settings.tz)
    finally:
        engine.dispose()
    if not found:
        print(f"conversation: no such conversation (or purged): {sender!r}", file=sys.stderr)
        return NOT_FOUND
    if html:
        print(conversation_view.page(sender, found, timezone=settings.timezone))
    else:
        print(json.dumps([asdict(s) for s in found], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
