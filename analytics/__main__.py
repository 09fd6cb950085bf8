"""`python -m analytics report --since 7d | --from DATE --to DATE [--out DIR] [--email]`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from analytics.mail import ReportEmailError, send
from analytics.report import PeriodError, parse_range, parse_since, run
from analytics.settings import ReportSettings, ReportSettingsError
from analytics.source import ReportSourceError


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        settings = ReportSettings.from_env()
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
        files = run(settings, period, now=now)
    except (PeriodError, ReportSettingsError, ReportSourceError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main())
