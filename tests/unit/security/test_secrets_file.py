"""The embedded profile's secrets: generated once into var/secrets.env (0600, NAME=value, the
settings' own names), the same on every start (a restart used to draw a new verification
key and un-verify every shopper), an environment value wins; and no secret is ever put on a
process's command line, where `ps` shows it to every user of the machine."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.profiles import Profile, ProfileError
from bot.rasa_server import ServerSettingsError, rasa_arguments
from bot.stack import Ports, actions_spec, handoff_spec, rasa_spec, store_spec
from common.secrets import (
    GENERATED_SECRETS,
    SecretsFileError,
    load_or_create_secrets,
    make_private,
    read_secrets_file,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_secrets_are_generated_once_into_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secrets.env"
    first = load_or_create_secrets(path)
    assert set(first) == set(GENERATED_SECRETS)
    assert all(len(value) >= 32 for value in first.values())
    assert len(set(first.values())) == len(first)  # each one its own
    assert mode(path) == 0o600
    lines = path.read_text().splitlines()
    assert sorted(line.split("=", 1)[0] for line in lines) == sorted(GENERATED_SECRETS)
    assert read_secrets_file(path) == first  # what an operator's script reads
    assert load_or_create_secrets(path) == first  # the next start: the same secrets


def test_a_restart_keeps_the_verification_key_and_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    first = Profile.from_env({"SHOPDESK_SECRETS_FILE": str(path)})
    again = Profile.from_env({"SHOPDESK_SECRETS_FILE": str(path)})
    assert first.env == again.env and first.rasa_auth_token == again.rasa_auth_token
    assert set(GENERATED_SECRETS) <= set(first.env)
    mine = "operator-chosen-verification-key-0123456789"
    chosen = Profile.from_env(
        {"SHOPDESK_VERIFICATION_SECRET": mine, "SHOPDESK_SECRETS_FILE": str(path)}
    )
    assert chosen.env["SHOPDESK_VERIFICATION_SECRET"] == mine
    assert chosen.env["RASA_API_TOKEN"] == first.env["RASA_API_TOKEN"]


def test_a_missing_name_is_added_and_a_loose_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("# kept by the operator\nRASA_API_TOKEN=the-operators-own-token-0123456789\n")
    path.chmod(0o644)
    values = load_or_create_secrets(path)
    assert values["RASA_API_TOKEN"] == "the-operators-own-token-0123456789"
    assert set(values) == set(GENERATED_SECRETS)
    assert mode(path) == 0o600
    path.chmod(0o640)
    load_or_create_secrets(path)
    assert mode(path) == 0o600


def test_a_malformed_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "secrets.env"
    path.write_text("RASA_API_TOKEN=x\nnot a secret line\n")
    with pytest.raises(SecretsFileError, match=r"secrets.env:2"):
        read_secrets_file(path)
    with pytest.raises(ProfileError, match="secrets file"):
        Profile.from_env({"SHOPDESK_SECRETS_FILE": str(path)})


def test_no_secret_is_on_any_command_line(tmp_path: Path) -> None:
    profile = Profile.from_env({"SHOPDESK_SECRETS_FILE": str(tmp_path / "secrets.env")})
    ports = Ports(rasa=1, actions=2, store=3, helpdesk=4)
    specs = [
        rasa_spec(ports, model=tmp_path / "m.tar.gz", auth_token=profile.rasa_auth_token,
                  env=profile.env),
        actions_spec(ports, env=profile.env),
        store_spec(ports, env=profile.env),
        handoff_spec(ports, env={**profile.env, "RASA_TOKEN": profile.rasa_auth_token}),
    ]
    for spec in specs:
        command = " ".join(spec.command)
        for name, value in profile.env.items():
            assert value not in command, (spec.name, name)
    rasa = specs[0]
    assert rasa.env["RASA_API_TOKEN"] == profile.rasa_auth_token
    assert "*" not in rasa.env["SHOPDESK_ALLOWED_ORIGINS"]


def test_rasa_gets_its_token_and_origins_inside_the_process() -> None:
    env = {"RASA_API_TOKEN": "t" * 40, "SHOPDESK_ALLOWED_ORIGINS": "https://shop.example.com"}
    assert rasa_arguments(["--enable-api"], env) == [
        "run", "--enable-api", "--auth-token=" + "t" * 40, "--cors", "https://shop.example.com"
    ]
    with pytest.raises(ServerSettingsError, match="RASA_API_TOKEN"):
        rasa_arguments(["--enable-api"], {})
    with pytest.raises(ServerSettingsError, match="SHOPDESK_ALLOWED_ORIGINS"):
        rasa_arguments([], {**env, "SHOPDESK_ALLOWED_ORIGINS": "*"})
    with pytest.raises(ServerSettingsError, match="RASA_API_TOKEN"):
        rasa_arguments(["--auth-token", "x"], env)


def test_state_files_left_readable_are_tightened(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    loose = [tmp_path / "store.db", tmp_path / "tracker.db-journal", tmp_path / "log" / "rasa.log",
             tmp_path / "log" / "rasa.log.2026-12-01", tmp_path / "secrets.env"]
    for path in loose:
        path.write_text("x")
        path.chmod(0o644)
    other = tmp_path / "README.txt"
    other.write_text("x")
    other.chmod(0o644)
    assert sorted(make_private(tmp_path)) == sorted(loose)
    assert all(mode(path) == 0o600 for path in loose)
    assert mode(other) == 0o644
    assert make_private(tmp_path) == []
