"""`python -m store.shopify_demo serve`: the demo Shopify on 127.0.0.1.

Settings (read once, here): SHOPIFY_ACCESS_TOKEN (the token it accepts; required),
SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET (optional: the client-credentials grant),
SHOPIFY_FINAL_SALE_TAG (default final-sale), SHOPIFY_DEMO_PORT (default 8300).
"""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import Field

from common.logs import install_log_masking
from common.settings import SECRET, EnvSettings, Port, SettingsError

DEFAULT_PORT = 8300


class DemoSettings(EnvSettings):
    access_token: str = Field(alias="SHOPIFY_ACCESS_TOKEN", json_schema_extra=SECRET)
    client_id: str | None = Field(None, alias="SHOPIFY_CLIENT_ID")
    client_secret: str | None = Field(
        None, alias="SHOPIFY_CLIENT_SECRET", json_schema_extra=SECRET
    )
    final_sale_tag: str = Field("final-sale", alias="SHOPIFY_FINAL_SALE_TAG")
    port: Port = Field(DEFAULT_PORT, alias="SHOPIFY_DEMO_PORT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.shopify_demo",
                                     description="demo Shopify Admin API")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the demo shop's Admin API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None,
                       help=f"default: SHOPIFY_DEMO_PORT or {DEFAULT_PORT}")
    args = parser.parse_args(argv)

    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = DemoSettings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    import uvicorn

    from store.shopify_demo.server import DemoShopify, create_app

    demo = DemoShopify(
        access_tokens=frozenset({settings.access_token}),
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        final_sale_tag=settings.final_sale_tag,
    )
    uvicorn.run(create_app(demo), host=args.host, port=args.port or settings.port,
                log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
