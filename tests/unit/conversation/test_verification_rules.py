"""Verification building blocks as plain functions: parsing, proofs, scopes, identity tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from actions.identity import identity_from_metadata, identity_from_token
from actions.verification import (
    VerifiedIdentity,
    make_proof,
    parse_email,
    parse_order_number,
)

SECRET = b"unit-test-identity-secret-0123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10023", "10023"),
        ("#10023", "10023"),
        ("order no. 10023 please", "10023"),
        ("it's # 10023", "10023"),
        ("where is 10023? it's jo@example.com", "10023"),
    ],
)
def test_order_number_is_found_in_a_reply(text: str, expected: str) -> None:
    assert parse_order_number(text) == expected


@pytest.mark.parametrize(
    "text", ["12a45", "1234", "123456", "10023 or 10024", "10023-7", "", "no idea", None, 10023]
)
def test_malformed_or_ambiguous_order_numbers_are_rejected(text: object) -> None:
    assert parse_order_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jo@example.com", "jo@example.com"),
        ("It's Jo.Rivera+shop@Example.co.uk.", "jo.rivera+shop@example.co.uk"),
        ("my email is jo@example.com thanks", "jo@example.com"),
    ],
)
def test_email_is_found_and_normalised(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize("text", ["not-an-email", "jo@", "jo@example", "a@b.com and c@d.com", None])
def test_bad_emails_are_rejected(text: object) -> None:
    assert parse_email(text) is None


def test_proof_binds_conversation_order_and_email() -> None:
    proof = make_proof(secret=b"k", sender_id="s1", order_number="10023", email="jo@example.com")
    assert proof == make_proof(
        secret=b"k", sender_id="s1", order_number="10023", email="jo@example.com"
    )
    others = [
        make_proof(secret=b"k2", sender_id="s1", order_number="10023", email="jo@example.com"),
        make_proof(secret=b"k", sender_id="s2", order_number="10023", email="jo@example.com"),
        make_proof(secret=b"k", sender_id="s1", order_number="10024", email="jo@example.com"),
        make_proof(secret=b"k", sender_id="s1", order_number="10023", email="x@example.com"),
    ]
    assert proof not in others


def test_order_scope_covers_only_its_order_and_customer_scope_covers_any() -> None:
    order_scope = VerifiedIdentity(email="jo@example.com", order_number="10023")
    customer_scope = VerifiedIdentity(email="jo@example.com", order_number=None)
    assert order_scope.covers("10023")
    assert not order_scope.covers("10001")
    assert not order_scope.covers(None)
    assert customer_scope.covers("10001")
    assert not customer_scope.covers(None)


def _token(**overrides: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "shopdesk-store",
        "sub": "cust-1",
        "email": "Jo@Example.com",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_valid_identity_token_gives_the_customer() -> None:
    identity = identity_from_token(_token(), secret=SECRET)
    assert identity is not None
    assert (identity.customer_id, identity.email) == ("cust-1", "jo@example.com")
    assert identity_from_metadata({"identity_token": _token()}, secret=SECRET) == identity


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: _token(exp=int(time.time()) - 5), id="expired"),
        pytest.param(lambda: _token(iss="someone-else"), id="wrong-issuer"),
        pytest.param(lambda: _token(email=None), id="no-email"),
        pytest.param(lambda: _token(exp=int(time.time()) + 86400), id="lifetime-too-long"),
        pytest.param(
            lambda: jwt.encode({"email": "jo@example.com"}, b"another-secret-0123456789abcdef",
                               algorithm="HS256"),
            id="wrong-secret",
        ),
        pytest.param(lambda: "garbage", id="garbage"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: None, id="missing"),
    ],
)
def test_bad_identity_tokens_are_ignored(token) -> None:  # type: ignore[no-untyped-def]
    assert identity_from_token(token(), secret=SECRET) is None


def test_unsigned_token_is_not_trusted() -> None:
    unsigned = jwt.encode(
        {"iss": "shopdesk-store", "sub": "x", "email": "jo@example.com",
         "iat": int(time.time()), "exp": int(time.time()) + 60},
        key=None,
        algorithm="none",
    )
    assert identity_from_token(unsigned, secret=SECRET) is None


def test_no_secret_configured_means_no_identity() -> None:
    assert identity_from_token(_token(), secret=None) is None
