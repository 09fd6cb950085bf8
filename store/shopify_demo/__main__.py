"""`python -m store.shopify_demo serve`: the demo Shopify on 127.0.0.1.

Settings (read once, here): SHOPIFY_ACCESS_TOKEN (the token it accepts; required),
SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET (optional: the client-credentials grant),
SHOPIFY_FINAL_SALE_TAG (default final-sale), SHOPIFY_DEMO_PORT (default 8300).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from common.logs import install_log_masking

DEFAULT_PORT = 8300


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
    env = os.environ
    token = env.get("SHOPIFY_ACCESS_TOKEN", "").strip()
    if not token:
        print("configuration error: SHOPIFY_ACCESS_TOKEN is required (the token the demo "
              "accepts)", file=sys.stderr)
        return 2
    raw_port = env.get("SHOPIFY_DEMO_PORT", "").strip()
    try:
        port = args.port or (int(raw_port) if raw_port else DEFAULT_PORT)
    except ValueError:
        print(f"configuration error: SHOPIFY_DEMO_PORT must be a port number, got {raw_port!r}",
              file=sys.stderr)
        return 2

    import uvicorn

    from store.shopify_demo.server import DemoShopify, create_app

    demo = DemoShopify(
        access_tokens=frozenset({token}),
        client_id=env.get("SHOPIFY_CLIENT_ID", "").strip() or None,
        client_secret=env.get("SHOPIFY_CLIENT_SECRET", "").strip() or None,
        final_sale_tag=env.get("SHOPIFY_FINAL_SALE_TAG", "").strip() or "final-sale",
    )
    uvicorn.run(create_app(demo), host=args.host, port=port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
