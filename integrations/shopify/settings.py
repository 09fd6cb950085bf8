"""The Shopify backend's settings, read once at start-up (never at import).

Exactly these names: SHOPIFY_SHOP, SHOPIFY_ACCESS_TOKEN, SHOPIFY_CLIENT_ID,
SHOPIFY_CLIENT_SECRET, SHOPIFY_API_VERSION, SHOPIFY_ADMIN_URL, SHOPIFY_FINAL_SALE_TAG,
SHOPIFY_RETURN_MODE.
A malformed or missing one raises `ShopifySettingError` naming it.
"""

from __future__ import annotations

import re
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from common.settings import SECRET, EnvSettings, SettingsError

DEFAULT_API_VERSION = "2026-07"
DEFAULT_FINAL_SALE_TAG = "final-sale"

_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")


class ShopifySettingError(SettingsError):
    """A Shopify setting is missing or malformed; the message names it."""


class ShopifySettings(EnvSettings):
    settings_error = ShopifySettingError

    shop: str | None = Field(None, alias="SHOPIFY_SHOP")
    access_token: str | None = Field(None, alias="SHOPIFY_ACCESS_TOKEN", json_schema_extra=SECRET)
    client_id: str | None = Field(None, alias="SHOPIFY_CLIENT_ID")
    client_secret: str | None = Field(
        None, alias="SHOPIFY_CLIENT_SECRET", json_schema_extra=SECRET
    )
    api_version: str = Field(DEFAULT_API_VERSION, alias="SHOPIFY_API_VERSION")
    # Origin replacing https://<shop> (a proxy, or the demo Shopify); no path.
    admin_url: str | None = Field(None, alias="SHOPIFY_ADMIN_URL")
    final_sale_tag: str = Field(DEFAULT_FINAL_SALE_TAG, alias="SHOPIFY_FINAL_SALE_TAG")
    # How a return is made: `request` (returnRequest: it waits for the merchant's approval)
    # or `create` (returnCreate: open at once).
    return_mode: Literal["request", "create"] = Field("request", alias="SHOPIFY_RETURN_MODE")

    @property
    def admin_origin(self) -> str:
        return self.admin_url or f"https://{self.shop}"

    @field_validator("shop")
    @classmethod
    def _myshopify_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        shop = value.lower()
        if not _SHOP.fullmatch(shop):
            raise ValueError(f"SHOPIFY_SHOP must be <shop>.myshopify.com, got {value!r}")
        return shop

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _API_VERSION.fullmatch(value):
            raise ValueError(
                f"SHOPIFY_API_VERSION must look like 2026-07 (or 'unstable'), got {value!r}"
            )
        return value

    @field_validator("admin_url")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"SHOPIFY_ADMIN_URL must be an http(s) origin, got {value!r}")
        if parts.path or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"SHOPIFY_ADMIN_URL must be an origin only (scheme://host[:port]), got {value!r}"
            )
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("final_sale_tag")
    @classmethod
    def _one_tag(cls, value: str) -> str:
        if not value or len(value) > 255 or "," in value:
            raise ValueError(
                f"SHOPIFY_FINAL_SALE_TAG must be one product tag (no comma), got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _shop_and_credentials(self) -> Self:
        if not self.shop:
            raise ValueError(
                "SHOPIFY_SHOP is required with SHOPDESK_STORE_BACKEND=shopify "
                "(<shop>.myshopify.com)"
            )
        token, client_id, secret = self.access_token, self.client_id, self.client_secret
        if token and (client_id or secret):
            raise ValueError(
                "set either SHOPIFY_ACCESS_TOKEN or SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET, "
                "not both"
            )
        if not token:
            if not client_id and not secret:
                raise ValueError(
                    "SHOPIFY_ACCESS_TOKEN (or SHOPIFY_CLIENT_ID + SHOPIFY_CLIENT_SECRET) is "
                    "required with SHOPIFY_SHOP"
                )
            if not client_id:
                raise ValueError("SHOPIFY_CLIENT_ID is required with SHOPIFY_CLIENT_SECRET")
            if not secret:
                raise ValueError("SHOPIFY_CLIENT_SECRET is required with SHOPIFY_CLIENT_ID")
        return self
