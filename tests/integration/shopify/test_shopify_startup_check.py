"""`python -m actions --check-store` (what the launcher runs at start-up, and what the action
server logs): a bad token, a missing scope or an API version Shopify does not serve is named
in one line each, against the demo Shopify over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

from bot import paths
from store.shopify_demo.server import ALL_SCOPES, DemoShopify
from tests.support.shopify_demo import TOKEN, serve_demo


def check(origin: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SHOPDESK_STORE_BACKEND": "shopify",
        "SHOPIFY_SHOP": "shopdesk-demo.myshopify.com",
        "SHOPIFY_ADMIN_URL": origin,
        "SHOPIFY_ACCESS_TOKEN": TOKEN,
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "actions", "--check-store"], cwd=paths.ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )


def test_a_working_shop(origin: str) -> None:
    result = check(origin)
    assert (result.returncode, result.stdout) == (0, "store backend shopify: ok\n")


def test_a_bad_token(origin: str) -> None:
    result = check(origin, SHOPIFY_ACCESS_TOKEN="shpat_wrong")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "store backend shopify: Shopify refused the app's credentials (bad or revoked token)"
    )
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_scope(demo: DemoShopify) -> None:
    demo.scopes = ALL_SCOPES - {"write_orders"}
    with serve_demo(demo) as origin:
        result = check(origin)
    assert result.returncode == 1
    assert result.stdout == (
        "store backend shopify: the app is not granted the write_orders access scope (add it "
        "to the custom app and reinstall it)\n"
    )


def test_an_api_version_no_longer_served(origin: str) -> None:
    result = check(origin, SHOPIFY_API_VERSION="2025-01")
    assert result.returncode == 1
    assert "does not serve SHOPIFY_API_VERSION" in result.stdout
    assert "served 2026-07" in result.stdout


def test_a_missing_setting_is_named(origin: str) -> None:
    result = check(origin, SHOPIFY_ACCESS_TOKEN="")
    assert result.returncode == 2
    assert "SHOPIFY_ACCESS_TOKEN" in result.stderr
