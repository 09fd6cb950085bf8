"""Launcher decisions as plain functions: when to retrain, which profile, which ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import paths
from bot.profiles import PRODUCTION, Profile, ProfileError, rasa_events_url
from bot.stack import Ports
from bot.training import fingerprint, model_path

PRODUCTION_ENV = {
    "SHOPDESK_PROFILE": "production",
    # Secrets pass the production check: at least 32 characters, not demo values.
    "RASA_API_TOKEN": "unit-rasa-token-4f1c9a7e2b8d6053a1e4c7f9",
    "ACTION_SERVER_TOKEN": "unit-action-token-6b2e9d4f1a7c3058b2e9",
    "STORE_API_TOKEN": "unit-store-token-3d8f1b6e9a2c4075d8f1b6",
    "SHOPDESK_VERIFICATION_SECRET": "unit-verification-secret-8e3b1d0c9f7a6254",
    "SHOPDESK_IDENTITY_SECRET": "unit-identity-secret-2c7e9b4a1f8d3065e7",
    "HELPDESK_AGENT_PASSWORD": "unit-agent-password-7d1e4b9c2a8f5036e1",
    "STORE_DATABASE_URL": "postgresql+psycopg://postgres@db/store",
    "HELPDESK_DATABASE_URL": "postgresql+psycopg://postgres@db/handoff",
    "RASA_DB_HOST": "db",
    "RASA_DB_NAME": "rasa",
    "RASA_EVENTS_DB_NAME": "events",
    "RASA_DB_USER": "rasa",
    "REDIS_HOST": "cache",
}


def _tree(root: Path, files: dict[str, str]) -> tuple[Path, ...]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return (root / "config.yml", root / "data")


def test_fingerprint_changes_with_any_model_input(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    inputs = _tree(tmp_path, {"config.yml": "a", "data/nlu/x.yml": "b"})
    before = fingerprint(inputs)
    assert fingerprint(inputs) == before  # stable
    (tmp_path / "data/nlu/x.yml").write_text("b2")
    assert fingerprint(inputs) != before
    (tmp_path / "data/nlu/x.yml").write_text("b")
    assert fingerprint(inputs) == before
    (tmp_path / "data/nlu/new.yml").write_text("c")
    assert fingerprint(inputs) != before


def test_fingerprint_ignores_bytecode_caches(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    inputs = _tree(tmp_path, {"config.yml": "a", "data/mod.py": "x = 1"})
    before = fingerprint(inputs)
    _tree(tmp_path, {"data/__pycache__/mod.cpython-311.pyc": "junk"})
    assert fingerprint(inputs) == before


def test_model_name_carries_the_fingerprint() -> None:
    assert model_path("abc123").name == "shopdesk-abc123.tar.gz"


def test_embedded_profile_needs_nothing_and_trusts_the_demo_storefront(tmp_path: Path) -> None:
    profile = Profile.from_env({"SHOPDESK_SECRETS_FILE": str(tmp_path / "secrets.env")})
    assert profile.name == "embedded"
    assert profile.endpoints.name == "endpoints.yml"
    assert len(profile.rasa_auth_token) >= 32
    assert len(profile.env["SHOPDESK_IDENTITY_SECRET"]) >= 32


def test_production_profile_names_every_missing_setting() -> None:
    with pytest.raises(ProfileError) as error:
        Profile.from_env({"SHOPDESK_PROFILE": "production", "RASA_API_TOKEN": "t"})
    message = str(error.value)
    assert "RASA_API_TOKEN" not in message
    for name in ("SHOPDESK_VERIFICATION_SECRET", "RASA_DB_HOST", "REDIS_HOST"):
        assert name in message


def test_production_profile_protects_the_api_and_uses_the_production_endpoints() -> None:
    profile = Profile.from_env(PRODUCTION_ENV)
    assert profile.name == PRODUCTION
    assert profile.rasa_auth_token == PRODUCTION_ENV["RASA_API_TOKEN"]
    assert profile.endpoints.name == "endpoints.production.yml"
    assert profile.env["REDIS_PORT"] == "6379"
    assert rasa_events_url(profile.env) == "postgresql+psycopg://rasa@db:5432/events"


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ProfileError, match="SHOPDESK_PROFILE"):
        Profile.from_env({"SHOPDESK_PROFILE": "staging"})


def test_ports_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("RASA_PORT", "6005")
    monkeypatch.delenv("STORE_PORT", raising=False)
    ports = Ports.from_env()
    assert (ports.rasa, ports.store) == (6005, 8100)
    monkeypatch.setenv("STORE_PORT", "eighty")
    with pytest.raises(SystemExit, match="STORE_PORT"):
        Ports.from_env()
