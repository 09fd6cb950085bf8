"""StorefrontSettings.from_env: defaults, and errors that name the variable."""

from __future__ import annotations

import pytest

from store.storefront import (
    DEMO_IDENTITY_SECRET,
    StorefrontSettings,
    StorefrontSettingsError,
)


def test_defaults_for_the_local_demo() -> None:
    settings = StorefrontSettings.from_env({})
    assert settings.widget_server_url == "http://127.0.0.1:5005"
    assert settings.widget_origin == "http://127.0.0.1:5005"
    assert settings.identity_secret == DEMO_IDENTITY_SECRET
    assert settings.demo_customer_email == "jo@example.com"
    assert 0 < settings.token_ttl_seconds <= 3600


def test_values_from_the_environment() -> None:
    settings = StorefrontSettings.from_env(
        {
            "SHOPDESK_WIDGET_SERVER_URL": "https://bot.example.com/",
            "SHOPDESK_IDENTITY_SECRET": "x" * 40,
            "SHOPDESK_DEMO_CUSTOMER_EMAIL": "Ada@Example.com",
            "SHOPDESK_IDENTITY_TOKEN_TTL": "600",
        }
    )
    assert settings.widget_server_url == "https://bot.example.com"
    assert settings.identity_secret == "x" * 40
    assert settings.demo_customer_email == "ada@example.com"
    assert settings.token_ttl_seconds == 600


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SHOPDESK_WIDGET_SERVER_URL": "ftp://bot"}, "SHOPDESK_WIDGET_SERVER_URL"),
        ({"SHOPDESK_IDENTITY_SECRET": "short"}, "SHOPDESK_IDENTITY_SECRET"),
        ({"SHOPDESK_IDENTITY_TOKEN_TTL": "soon"}, "SHOPDESK_IDENTITY_TOKEN_TTL"),
        ({"SHOPDESK_IDENTITY_TOKEN_TTL": "7200"}, "SHOPDESK_IDENTITY_TOKEN_TTL"),
        ({"SHOPDESK_DEMO_CUSTOMER_EMAIL": "jo"}, "SHOPDESK_DEMO_CUSTOMER_EMAIL"),
    ],
)
def test_malformed_settings_name_themselves(env: dict[str, str], name: str) -> None:
    with pytest.raises(StorefrontSettingsError, match=name):
        StorefrontSettings.from_env(env)
