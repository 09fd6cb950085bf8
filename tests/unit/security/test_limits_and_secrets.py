"""Failed-attempt limiters, the client key and the production secret check: plain functions."""

from __future__ import annotations

import pytest

from actions.attempts import BudgetShape, DecayingBudget, client_network
from actions.settings import ActionSettings, ConfigError
from actions.verification import make_proof
from bot.profiles import Profile, ProfileError, check_production_secrets, forwarding_secret
from common.client_address import client_proof, client_proof_key
from common.forwarded_client import client_signature, signed_client_headers
from common.limits import FailureWindow
from store.ratelimit import forwarded_or_peer_key
from store.settings import SettingsError, StoreSettings
from store.storefront.settings import DEMO_IDENTITY_SECRET


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- store: failed lookups per client ---------------------------------------------------


def test_store_limiter_blocks_after_the_limit_until_the_oldest_failure_expires() -> None:
    clock = Clock()
    limiter = FailureWindow(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("peer:a") is None
        limiter.record_failure("peer:a")
        clock.now += 10
    # 3 failures at t=1000, 1010, 1020; now t=1030: blocked until 1000 + 60.
    assert limiter.retry_after("peer:a") == 30
    assert limiter.retry_after("peer:b") is None  # other clients are not affected
    clock.now = 1060.5
    assert limiter.retry_after("peer:a") is None


def test_store_limiter_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        FailureWindow(max_failures=0, window_seconds=60)


def test_forwarded_client_is_trusted_only_with_a_valid_signature() -> None:
    secret = b"s" * 16 + b"0123456789abcdef"
    signed = {"Shopdesk-Client": "ip:203.0.113.7"}
    signed["Shopdesk-Client-Signature"] = client_signature(secret, "ip:203.0.113.7")
    assert (
        forwarded_or_peer_key(peer="127.0.0.1", headers=signed, forwarding_secret=secret)
        == "forwarded:ip:203.0.113.7"
    )
    forged = {**signed, "Shopdesk-Client": "ip:198.51.100.1"}
    assert (
        forwarded_or_peer_key(peer="127.0.0.1", headers=forged, forwarding_secret=secret)
        == "peer:127.0.0.1"
    )
    # A store without the secret trusts no forwarded key at all.
    assert (
        forwarded_or_peer_key(peer="127.0.0.1", headers=signed, forwarding_secret=None)
        == "peer:127.0.0.1"
    )


@pytest.mark.parametrize(
    ("client", "counted_as"),
    [
        ("ip:::1", "forwarded:ip:::1"),
        # Not header-safe (non-ASCII, too long): forwarded as its hash, still trusted.
        ("ip:\u00e9" + "x" * 300, "forwarded:sha256:"),
    ],
)
def test_headers_the_action_server_signs_are_trusted_by_the_store(
    client: str, counted_as: str
) -> None:
    secret = b"k" * 32
    headers = signed_client_headers(secret, client)
    key = forwarded_or_peer_key(peer="127.0.0.1", headers=headers, forwarding_secret=secret)
    assert key.startswith(counted_as)
    assert all(value.isascii() and len(value) <= 200 for value in headers.values())
    other = forwarded_or_peer_key(peer="127.0.0.1", headers=headers, forwarding_secret=b"o" * 32)
    assert other == "peer:127.0.0.1"


def test_store_settings_read_the_limits_and_refuse_bad_values() -> None:
    settings = StoreSettings.from_env(
        {
            "STORE_MAX_FAILED_LOOKUPS": "7",
            "STORE_FAILED_LOOKUP_WINDOW_SECONDS": "30",
            "SHOPDESK_FORWARDING_SECRET": "f" * 20 + "0123456789ab",
        }
    )
    assert (settings.max_failed_lookups, settings.failed_lookup_window_seconds) == (7, 30.0)
    assert settings.forwarding_secret == ("f" * 20 + "0123456789ab").encode()
    for name, value in (
        ("STORE_MAX_FAILED_LOOKUPS", "0"),
        ("STORE_MAX_FAILED_LOOKUPS", "many"),
        ("STORE_FAILED_LOOKUP_WINDOW_SECONDS", "-1"),
        ("SHOPDESK_FORWARDING_SECRET", "short"),
    ):
        with pytest.raises(SettingsError, match=name):
            StoreSettings.from_env({name: value})


# --- action server: failed verifications per client -------------------------------------


def test_the_client_is_the_network_a_channel_signed_for_else_the_api() -> None:
    key = client_proof_key("action-server-token-0123456789abcdef")

    def signed(address: str, sender: str = "s1") -> dict[str, str]:
        return {"client_ip": address,
                "client_ip_proof": client_proof(key, sender_id=sender, client_ip=address)}

    assert client_network(metadata=signed("203.0.113.7"), sender_id="s1", proof_key=key) == (
        "net:203.0.113.7"
    )
    # One IPv6 subscriber holds a whole /64: it is one client.
    assert client_network(
        metadata=signed("2001:db8:1:2:aaaa::1"), sender_id="s1", proof_key=key
    ) == "net:2001:db8:1:2::/64"
    assert client_network(metadata=signed("::ffff:192.0.2.9"), sender_id="s1", proof_key=key) == (
        "net:192.0.2.9"
    )
    # Unsigned, signed for another conversation or address, or signed with another key:
    # the metadata was not written by a channel, so it chooses nothing.
    forged = [
        None, {}, {"client_ip": "203.0.113.7"}, signed("203.0.113.7", sender="other"),
        {**signed("203.0.113.7"), "client_ip": "203.0.113.8"},
        {"client_ip": "203.0.113.7", "client_ip_proof": client_proof(
            b"k" * 32, sender_id="s1", client_ip="203.0.113.7")},
        signed("'; DROP TABLE orders;--"), [],
    ]
    for metadata in forged:
        assert client_network(metadata=metadata, sender_id="s1", proof_key=key) == "api"


def test_a_networks_budget_drains_instead_of_locking_for_the_whole_window() -> None:
    clock = Clock()
    budget = DecayingBudget(BudgetShape(limit=30, window_seconds=900), clock=clock)
    for _ in range(29):
        assert budget.record_failure("net:203.0.113.7") is None
    assert budget.record_failure("net:203.0.113.7") == 30  # at the limit: one drains in 30 s
    assert budget.retry_after("net:203.0.113.7") == 30
    assert budget.retry_after("net:203.0.113.8") is None  # other networks are not affected
    clock.now += 29
    assert budget.retry_after("net:203.0.113.7") == 1
    clock.now += 1
    assert budget.retry_after("net:203.0.113.7") is None  # free 30 s after the last guess
    assert budget.record_failure("net:203.0.113.7") == 30  # one guess, then 30 s again
    # Guessing on while refused adds nothing: the budget is capped at the limit.
    clock.now += 900
    assert budget.retry_after("net:203.0.113.7") is None
    for _ in range(29):
        assert budget.record_failure("net:203.0.113.7") is None


def test_action_settings_read_the_per_client_limits() -> None:
    settings = ActionSettings.from_env(
        {
            "SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT": "5",
            "SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS": "120",
        }
    )
    assert settings.max_failed_verifications_per_client == 5
    assert settings.failed_verification_window_seconds == 120
    with pytest.raises(ConfigError, match="SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS"):
        ActionSettings.from_env({"SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS": "inf"})
    with pytest.raises(ConfigError, match="SHOPDESK_FORWARDING_SECRET"):
        ActionSettings.from_env({"SHOPDESK_FORWARDING_SECRET": "short"})


def test_action_settings_read_how_long_the_store_policy_is_kept() -> None:
    assert ActionSettings.from_env({}).store_policy_ttl == 60.0
    assert ActionSettings.from_env({"STORE_POLICY_TTL_SECONDS": "0"}).store_policy_ttl == 0.0
    assert ActionSettings.from_env({"STORE_POLICY_TTL_SECONDS": "2.5"}).store_policy_ttl == 2.5
    for bad in ("-1", "soon", "inf"):
        with pytest.raises(ConfigError, match="STORE_POLICY_TTL_SECONDS"):
            ActionSettings.from_env({"STORE_POLICY_TTL_SECONDS": bad})


def test_proofs_cannot_be_shifted_between_fields() -> None:
    secret = b"x" * 32
    one = make_proof(secret=secret, sender_id="a", order_number="10023", email="jo@example.com")
    shifted = make_proof(
        secret=secret, sender_id="a\x1f10023", order_number="", email="jo@example.com"
    )
    assert one != shifted


# --- production profile: no demo or short secrets --------------------------------------

GOOD = {
    "SHOPDESK_PROFILE": "production",
    "RASA_API_TOKEN": "rasa-token-3c9e1f7a5b2d8064e1a7c3f9b5d2",
    "ACTION_SERVER_TOKEN": "action-token-9b1d4f7a2c8e5063b9d1f4a7c2e8",
    "STORE_API_TOKEN": "store-token-4a7c1e9b3d5f8062c4a7e1b9d3f5",
    "SHOPDESK_VERIFICATION_SECRET": "verification-7d2a9c4e1b8f6035a2c7e9d4",
    "SHOPDESK_IDENTITY_SECRET": "identity-5e8b2d7f1a9c4036b8e2d5f7a1c9",
    "HELPDESK_AGENT_PASSWORD": "agent-login-3f9a2c7e1b8d4065a2c9e7f1",
    "STORE_DATABASE_URL": "postgresql+psycopg://postgres@db/store",
    "HELPDESK_DATABASE_URL": "postgresql+psycopg://postgres@db/handoff",
    "RASA_DB_HOST": "db",
    "RASA_DB_NAME": "rasa",
    "RASA_EVENTS_DB_NAME": "events",
    "RASA_DB_USER": "rasa",
    "REDIS_HOST": "cache",
}


def test_production_profile_accepts_strong_secrets_and_derives_the_forwarding_key() -> None:
    profile = Profile.from_env(GOOD)
    derived = profile.env["SHOPDESK_FORWARDING_SECRET"]
    assert len(derived) == 64
    assert derived not in GOOD.values()
    assert derived == forwarding_secret(GOOD)  # stable, so several processes agree


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("SHOPDESK_IDENTITY_SECRET", DEMO_IDENTITY_SECRET, "demo value"),
        ("SHOPDESK_VERIFICATION_SECRET", "too-short-secret", "at least 32"),
        ("RASA_API_TOKEN", "x" * 31, "at least 32"),
        ("RASA_API_TOKEN", "ab" * 20, "repetitive"),
        ("SHOPDESK_FORWARDING_SECRET", "short", "at least 32"),
        ("STORE_API_TOKEN", "store-token", "at least 32"),
        ("ACTION_SERVER_TOKEN", "action-token", "at least 32"),
        ("HELPDESK_AGENT_PASSWORD", "agent", "at least 32"),
    ],
)
def test_production_profile_refuses_demo_or_weak_secrets(
    name: str, value: str, complaint: str
) -> None:
    with pytest.raises(ProfileError, match=name) as refused:
        Profile.from_env({**GOOD, name: value})
    assert complaint in str(refused.value)
    assert value not in str(refused.value)  # the message never echoes the secret


def test_embedded_profile_needs_no_secrets_and_checks_none() -> None:
    check_production_secrets({})  # nothing set: nothing to refuse here


def test_processes_started_one_by_one_derive_the_same_forwarding_key() -> None:
    # Containers get the shared environment, not the launcher's derived value: the store
    # and the action server must still agree, and agree with the launcher.
    env = {"SHOPDESK_VERIFICATION_SECRET": GOOD["SHOPDESK_VERIFICATION_SECRET"]}
    store_key = StoreSettings.from_env(env).forwarding_secret
    action_key = ActionSettings.from_env(env).forwarding_secret
    assert store_key is not None
    assert store_key == action_key == forwarding_secret(GOOD).encode()
    assert store_key != GOOD["SHOPDESK_VERIFICATION_SECRET"].encode()
    # An explicit key wins on both sides.
    explicit = {**env, "SHOPDESK_FORWARDING_SECRET": "e" * 16 + "0123456789abcdef"}
    assert (
        StoreSettings.from_env(explicit).forwarding_secret
        == ActionSettings.from_env(explicit).forwarding_secret
        == explicit["SHOPDESK_FORWARDING_SECRET"].encode()
    )
