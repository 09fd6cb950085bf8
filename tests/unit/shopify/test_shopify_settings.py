"""The Shopify settings: exactly the documented names, read from a mapping, each malformed or
missing value named in the error."""

from __future__ import annotations

import pytest

from integrations.shopify.settings import ShopifySettingError, ShopifySettings


def test_a_token_and_the_defaults() -> None:
    settings = ShopifySettings.from_env(
        {"SHOPIFY_SHOP": "Acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "shpat_x"}
    )
    assert settings == ShopifySettings(shop="acme.myshopify.com", access_token="shpat_x")
    assert settings.api_version == "2026-07"
    assert settings.final_sale_tag == "final-sale"
    assert settings.return_mode == "request"
    assert settings.admin_origin == "https://acme.myshopify.com"


def test_client_credentials_version_origin_and_tag() -> None:
    settings = ShopifySettings.from_env({
        "SHOPIFY_SHOP": "acme.myshopify.com",
        "SHOPIFY_CLIENT_ID": "id",
        "SHOPIFY_CLIENT_SECRET": "secret",
        "SHOPIFY_API_VERSION": "2026-04",
        "SHOPIFY_ADMIN_URL": "http://127.0.0.1:8300/",
        "SHOPIFY_FINAL_SALE_TAG": "no-returns",
        "SHOPIFY_RETURN_MODE": "create",
    })
    assert (settings.client_id, settings.client_secret) == ("id", "secret")
    assert settings.access_token is None
    assert settings.api_version == "2026-04"
    assert settings.admin_origin == "http://127.0.0.1:8300"
    assert settings.final_sale_tag == "no-returns"
    assert settings.return_mode == "create"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SHOPIFY_SHOP"),
        ({"SHOPIFY_SHOP": "acme.com", "SHOPIFY_ACCESS_TOKEN": "t"}, "SHOPIFY_SHOP"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com"}, "SHOPIFY_ACCESS_TOKEN"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_CLIENT_ID": "i"}, "SHOPIFY_CLIENT_SECRET"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_CLIENT_SECRET": "s"}, "SHOPIFY_CLIENT_ID"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_CLIENT_ID": "i", "SHOPIFY_CLIENT_SECRET": "s"}, "not both"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_API_VERSION": "latest"}, "SHOPIFY_API_VERSION"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_ADMIN_URL": "ftp://proxy"}, "SHOPIFY_ADMIN_URL"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_ADMIN_URL": "https://proxy/admin"}, "SHOPIFY_ADMIN_URL"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_FINAL_SALE_TAG": "a,b"}, "SHOPIFY_FINAL_SALE_TAG"),
        ({"SHOPIFY_SHOP": "acme.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "t",
          "SHOPIFY_RETURN_MODE": "approve"}, "SHOPIFY_RETURN_MODE"),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ShopifySettingError, match=named):
        ShopifySettings.from_env(env)
