"""``python -m store migrate | seed | serve``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from common.logs import install_log_masking
from common.proxies import ProxySettingError, uvicorn_proxy_options
from store.settings import SettingsError, StoreSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store", description="Shopdesk reference store")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations (Alembic) up to the latest")
    commands.add_parser("seed", help="reset the store to the deterministic demo data")
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default=None, help="default: STORE_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: STORE_PORT or 8100")
    args = parser.parse_args(argv)

    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = StoreSettings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    # Imports kept here so `--help` and config errors stay fast.
    from store.db import make_engine

    engine = make_engine(settings.database_url)
    if args.command == "migrate":
        from store.migrate import upgrade

        upgrade(engine)
        print(f"migrated {settings.database_url.render_as_string(hide_password=True)}")
    elif args.command == "seed":
        from store.seed import DEMO_ORDERS, seed

        public = settings.public_base_url or f"http://{settings.host}:{settings.port}"
        seed(engine, today=datetime.now(UTC).date(), public_base_url=public)
        print(f"seeded {len(DEMO_ORDERS)} demo orders")
    else:
        import uvicorn

        from store.api import create_app

        if settings.api_token is None:
            print(
                "configuration error: STORE_API_TOKEN is required (every caller of the store "
                "API must authenticate; `python -m bot run` generates one)",
                file=sys.stderr,
            )
            return 2
        try:
            proxy_options = uvicorn_proxy_options(os.environ)
        except ProxySettingError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        settings = settings.model_copy(
            update={"host": args.host or settings.host, "port": args.port or settings.port}
        )
        # The demo storefront (with the chat widget) is served beside the API so that one
        # URL shows the whole experience; a real store embeds the widget in its own pages.
        from store.storefront.router import create_storefront_router
        from store.storefront.settings import StorefrontSettings, StorefrontSettingsError

        try:
            storefront = StorefrontSettings.from_env()
        except StorefrontSettingsError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        app = create_app(settings, engine=engine, identity_secret=storefront.identity_secret)
        app.include_router(create_storefront_router(settings=storefront, engine=engine))
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="info", **proxy_options
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
