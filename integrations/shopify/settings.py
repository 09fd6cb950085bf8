"""The Shopify backend's settings, read once at start-up (never at import).

Exactly these names: SHOPIFY_SHOP, SHOPIFY_ACCESS_TOKEN, SHOPIFY_CLIENT_ID,
SHOPIFY_CLIENT_SECRET, SHOPIFY_API_VERSION, SHOPIFY_ADMIN_URL, SHOPIFY_FINAL_SALE_TAG.
A malformed or missing one raises `ShopifySettingError` naming it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_API_VERSION = "2026-07"
DEFAULT_FINAL_SALE_TAG = "final-sale"

_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")


class ShopifySettingError(ValueError):
    """A Shopify setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ShopifySettings:
    shop: str
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    api_version: str = DEFAULT_API_VERSION
    # Origin replacing https://<shop> (a proxy, or the demo Shopify); no path.
    admin_url: str | None = None
    final_sale_tag: str = DEFAULT_FINAL_SALE_TAG

    @property
    def admin_origin(self) -> str:
        return self.admin_url or f"https://{self.shop}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ShopifySettings:
        env = os.environ if env is None else env

        def value(name: str) -> str | None:
            return env.get(name, "").strip() or None

        shop = (value("SHOPIFY_SHOP") or "").lower()
        if not shop:
            raise ShopifySettingError(
                "SHOPIFY_SHOP is required with SHOPDESK_STORE_BACKEND=shopify "
                "(<shop>.myshopify.com)"
            )
        if not _SHOP.fullmatch(shop):
            raise ShopifySettingError(
                f"SHOPIFY_SHOP must be <shop>.myshopify.com, got {shop!r}"
            )
        token = value("SHOPIFY_ACCESS_TOKEN")
        client_id = value("SHOPIFY_CLIENT_ID")
        client_secret = value("SHOPIFY_CLIENT_SECRET")
        if token and (client_id or client_secret):
            raise ShopifySettingError(
                "set either SHOPIFY_ACCESS_TOKEN or SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET, "
                "not both"
            )
        if not token:
            if not client_id and not client_secret:
                raise ShopifySettingError(
                    "SHOPIFY_ACCESS_TOKEN (or SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET) is "
                    "required with SHOPIFY_SHOP"
                )
            if not client_id:
                raise ShopifySettingError(
                    "SHOPIFY_CLIENT_ID is required with SHOPIFY_CLIENT_SECRET"
                )
            if not client_secret:
                raise ShopifySettingError(
                    "SHOPIFY_CLIENT_SECRET is required with SHOPIFY_CLIENT_ID"
                )
        version = value("SHOPIFY_API_VERSION") or DEFAULT_API_VERSION
        if not _API_VERSION.fullmatch(version):
            raise ShopifySettingError(
                f"SHOPIFY_API_VERSION must look like 2026-07 (or 'unstable'), got {version!r}"
            )
        admin_url = value("SHOPIFY_ADMIN_URL")
        if admin_url is not None:
            admin_url = _origin(admin_url)
        tag = value("SHOPIFY_FINAL_SALE_TAG") or DEFAULT_FINAL_SALE_TAG
        if len(tag) > 255 or "," in tag:
            raise ShopifySettingError(
                f"SHOPIFY_FINAL_SALE_TAG must be one product tag (no comma), got {tag!r}"
            )
        return cls(
            shop=shop,
            access_token=token,
            client_id=client_id,
            client_secret=client_secret,
            api_version=version,
            admin_url=admin_url,
            final_sale_tag=tag,
        )


def _origin(raw: str) -> str:
    parts = urlsplit(raw.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ShopifySettingError(f"SHOPIFY_ADMIN_URL must be an http(s) origin, got {raw!r}")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ShopifySettingError(
            f"SHOPIFY_ADMIN_URL must be an origin only (scheme://host[:port]), got {raw!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"
