"""`python -m bot.lb`: print the HAProxy configuration for the given servers."""

from __future__ import annotations

import argparse
import sys

from bot.lb import ERRORS_DIR, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.lb", description=__doc__)
    parser.add_argument("--rasa-bind", default="127.0.0.1:5005")
    parser.add_argument("--actions-bind", default="127.0.0.1:5055")
    parser.add_argument("--rasa", action="append", required=True, help="host:port (repeat)")
    parser.add_argument("--actions", action="append", required=True, help="host:port (repeat)")
    parser.add_argument("--errors-dir", default=str(ERRORS_DIR))
    parser.add_argument("--public-bind", help="the internet-facing front end (deploy/)")
    parser.add_argument("--store", help="the store's host:port (widget script), with --public-bind")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render(
            rasa_bind=args.rasa_bind,
            actions_bind=args.actions_bind,
            rasa_servers=args.rasa,
            action_servers=args.actions,
            errors_dir=args.errors_dir,
            public_bind=args.public_bind,
            store_server=args.store,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
