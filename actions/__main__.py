"""Runs the action server: `python -m actions [--port 5055]`.

Settings are read and checked here, once, before anything is served. Sanic serves from
worker processes that rebuild the app, so the checked settings travel to them through the
environment (the embedded default's random verification key included).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
from typing import TYPE_CHECKING

from actions.settings import TOKEN_SETTING, ActionSettings, ConfigError
from common.logs import install_log_masking

if TYPE_CHECKING:
    from rasa_sdk.executor import ActionExecutor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions")
    parser.add_argument("--port", type=int, default=None,
                        help="default: ACTION_SERVER_PORT, else 5055")
    parser.add_argument(
        "--check-store", action="store_true",
        help="check the store backend (token, scopes, API version), print what is wrong, exit",
    )
    args = parser.parse_args(argv)
    install_log_masking()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    if os.environ.get("SHOPDESK_PROFILE", "embedded") != "production":
        os.environ.setdefault("SHOPDESK_VERIFICATION_SECRET", secrets.token_hex(32))
    try:
        settings = ActionSettings.from_env()
    except ConfigError as exc:
        print(f"action server: configuration error: {exc}", file=sys.stderr)
        return 2
    # A platform's problems (token, scopes, API version) are reported at start-up and in the
    # log; shoppers get the store-down path meanwhile. (The reference store starts beside
    # this process, so it is checked only when asked.)
    checked = args.check_store or settings.store_backend != "reference"
    problems = asyncio.run(store_problems(settings)) if checked else []
    for problem in problems:
        logging.getLogger("actions").error("store backend %s: %s", settings.store_backend,
                                           problem)
    if args.check_store:
        for problem in problems:
            print(f"store backend {settings.store_backend}: {problem}")
        if not problems:
            print(f"store backend {settings.store_backend}: ok")
        return 1 if problems else 0
    token = os.environ.get(TOKEN_SETTING, "").strip()
    if not token:
        print(
            f"action server: configuration error: {TOKEN_SETTING} is required (Rasa sends it "
            "with every action call; `python -m bot run` generates one)",
            file=sys.stderr,
        )
        return 2

    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    serve(executor, host=settings.host, port=args.port or settings.port, token=token)
    return 0


async def store_problems(settings: ActionSettings) -> list[str]:
    """What the configured store backend says stops it from working (empty: nothing)."""
    from actions.bootstrap import build_store

    store = build_store(settings)
    try:
        return await store.check()
    finally:
        await store.aclose()


def serve(executor: ActionExecutor, *, host: str, port: int, token: str) -> None:
    """rasa_sdk.endpoint.run, with the app from `actions.webhook` (callers without the
    token get a 401, malformed calls a 400, a failing action an apology, never a 500 that
    echoes the request)."""
    from functools import partial

    from rasa_sdk.utils import number_of_sanic_workers
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from actions.webhook import create_app

    loader = AppLoader(factory=partial(create_app, executor, token=token))
    app = loader.load()
    app.prepare(
        host=host,
        port=port,
        workers=number_of_sanic_workers(),
    )
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    sys.exit(main())
