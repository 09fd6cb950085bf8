"""Webhook signatures: Zendesk's (computed as its documentation says) and Slack's (through
slack_sdk), with the five-minute window, checked against a fixed clock."""

from __future__ import annotations

import base64
import hashlib
import hmac

from handoff.signatures import slack_request_valid, zendesk_request_valid

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
BODY = b'{"ticket_id": "1001"}'
SENT = "2026-11-23T10:00:00Z"
NOW = 1795428000.0  # 2026-11-23T10:00:00Z


def zendesk_signed(timestamp: str, body: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_zendesk(**overrides: object) -> bool:
    given = {"timestamp": SENT, "signature": zendesk_signed(SENT, BODY), "body": BODY}
    given.update(overrides)
    return zendesk_request_valid(SECRET, now=lambda: NOW, **given)  # type: ignore[arg-type]


def test_zendesk_signature() -> None:
    assert check_zendesk()
    assert not check_zendesk(body=b'{"ticket_id": "1002"}')
    assert not check_zendesk(signature=zendesk_signed(SENT, BODY, secret="another"))
    assert not check_zendesk(signature=None)
    assert not check_zendesk(timestamp="yesterday")
    # The timestamp is signed too: moving it breaks the signature ...
    assert not check_zendesk(timestamp="2026-11-23T10:01:00Z")
    # ... and a correctly signed old (or future) request is stale.
    stale = "2026-11-23T09:54:00Z"
    assert not check_zendesk(timestamp=stale, signature=zendesk_signed(stale, BODY))
    recent = "2026-11-23T09:56:00Z"
    assert check_zendesk(timestamp=recent, signature=zendesk_signed(recent, BODY))


def slack_signed(timestamp: str, body: bytes, secret: str = "slack-secret") -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def test_slack_signature() -> None:
    body = b"payload=%7B%7D"
    ts = str(int(NOW))

    def check(timestamp: str | None, signature: str | None, sent: bytes = body) -> bool:
        return slack_request_valid(
            "slack-secret", timestamp=timestamp, signature=signature, body=sent, now=lambda: NOW
        )

    assert check(ts, slack_signed(ts, body))
    assert not check(ts, slack_signed(ts, body, secret="other"))
    assert not check(ts, slack_signed(ts, body), sent=b"payload=%7B%22x%22%7D")
    old = str(int(NOW) - 301)
    assert not check(old, slack_signed(old, body))
    assert not check("soon", slack_signed("soon", body))
    assert not check(None, None)
