"""Policy loading and service settings: defaults, YAML, env overrides, loud failures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from integrations.store.configured_policy import PolicyError, StorePolicy, load_policy
from store.settings import REPO_ROOT, SettingsError, StoreSettings


def test_defaults() -> None:
    settings = StoreSettings.from_env({})
    assert settings.port == 8100
    assert settings.api_token is None
    assert settings.database_url.database == str(REPO_ROOT / "var" / "store.db")
    assert settings.policy == StorePolicy()
    assert settings.policy.return_window_days == 30


def test_env_overrides() -> None:
    settings = StoreSettings.from_env(
        {
            "STORE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/shop",
            "STORE_PORT": "9001",
            "STORE_API_TOKEN": "s3cret",
            "STORE_RETURN_WINDOW_DAYS": "14",
            "STORE_FREE_SHIPPING_THRESHOLD": "50",
        }
    )
    assert settings.database_url.get_backend_name() == "postgresql"
    assert settings.port == 9001
    assert settings.api_token == "s3cret"
    assert settings.policy.return_window_days == 14
    assert settings.policy.free_shipping_threshold == Decimal("50.00")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"STORE_PORT": "eighty"}, "STORE_PORT"),
        ({"STORE_PORT": "70000"}, "STORE_PORT"),
        ({"STORE_RETURN_WINDOW_DAYS": "thirty"}, "STORE_RETURN_WINDOW_DAYS"),
        ({"STORE_RETURN_WINDOW_DAYS": "-1"}, "STORE_RETURN_WINDOW_DAYS"),
        ({"STORE_DATABASE_URL": "not a url"}, "STORE_DATABASE_URL"),
        ({"STORE_POLICY_FILE": "/nonexistent/policy.yml"}, "STORE_POLICY_FILE"),
    ],
)
def test_bad_settings_name_themselves(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        StoreSettings.from_env(env)


def test_yaml_file_then_env(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(
        "return_window_days: 60\n"
        "refund_processing_days: 3\n"
        "shipping_methods:\n"
        "  - {code: std, name: Standard, cost: '2.50', min_days: 2, max_days: 4}\n",
        encoding="utf-8",
    )
    policy = load_policy({"STORE_POLICY_FILE": str(path), "STORE_REFUND_PROCESSING_DAYS": "7"})
    assert policy.return_window_days == 60
    assert policy.refund_processing_days == 7
    assert [(m.code, m.cost) for m in policy.shipping_methods] == [("std", Decimal("2.50"))]


def test_yaml_unknown_key_fails(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("return_windw_days: 60\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="return_windw_days"):
        load_policy({"STORE_POLICY_FILE": str(path)})


def test_policy_json_uses_strings_for_money() -> None:
    data = StorePolicy().to_json()
    assert data["free_shipping_threshold"] == "75.00"
    assert all(isinstance(m["cost"], str) for m in data["shipping_methods"])
