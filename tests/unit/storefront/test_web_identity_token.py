"""Identity tokens the storefront issues, checked against the action server's verifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from actions.identity import ShopperIdentity, identity_from_token
from store.storefront import ISSUER, issue_identity_token

SECRET = "unit-test-identity-secret-0123456789abcdef"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _token(**overrides: object) -> str:
    args: dict = {
        "customer_id": 1,
        "email": "jo@example.com",
        "secret": SECRET,
        "now": NOW,
        "ttl": timedelta(minutes=15),
    }
    args.update(overrides)
    return issue_identity_token(**args)


def test_claims_follow_the_contract() -> None:
    claims = jwt.decode(_token(), SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {
        "iss": ISSUER,
        "sub": "1",
        "email": "jo@example.com",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(minutes=15)).timestamp()),
    }
    assert jwt.get_unverified_header(_token())["alg"] == "HS256"


def test_action_server_accepts_a_fresh_token() -> None:
    token = _token(now=datetime.now(UTC))
    assert identity_from_token(token, secret=SECRET.encode()) == ShopperIdentity(
        customer_id="1", email="jo@example.com"
    )


def test_action_server_ignores_expired_or_foreign_tokens() -> None:
    expired = _token(now=datetime.now(UTC) - timedelta(hours=2))
    assert identity_from_token(expired, secret=SECRET.encode()) is None
    forged = _token(now=datetime.now(UTC), secret="another-secret-that-is-long-enough-0123")
    assert identity_from_token(forged, secret=SECRET.encode()) is None


@pytest.mark.parametrize(
    "ttl", [timedelta(0), timedelta(hours=1, seconds=1), timedelta(seconds=-5)]
)
def test_lifetime_is_bounded_to_one_hour(ttl: timedelta) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        _token(ttl=ttl)


def test_naive_clock_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _token(now=datetime(2025, 3, 1, 12, 0))
