"""Who may call the handoff service's webhooks: requests signed by Zendesk or Slack, recent,
and each acted on once.

- Zendesk: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp + body))
  with the timestamp from `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601).
- Slack: `X-Slack-Signature` / `X-Slack-Request-Timestamp`, checked by slack_sdk's
  `SignatureVerifier`.

Both are refused when older (or newer) than `MAX_AGE_SECONDS`; a request seen before (same
signature) is recognised by its digest in `handoff_webhook_receipts` and not acted on again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy.engine import Engine

from handoff.db import now_utc, receipts

MAX_AGE_SECONDS = 300


def zendesk_signature(secret: str, *, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def zendesk_request_valid(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: Callable[[], float] = time.time,
) -> bool:
    if not timestamp or not signature:
        return False
    try:
        sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    if abs(now() - sent) > MAX_AGE_SECONDS:
        return False
    expected = zendesk_signature(secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode(), signature.encode())


def slack_request_valid(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: Callable[[], float] = time.time,
) -> bool:
    if not timestamp or not signature:
        return False
    verifier = SignatureVerifier(secret, clock=_Clock(now))
    try:
        return bool(verifier.is_valid(body=body, timestamp=timestamp, signature=signature))
    except ValueError:  # a timestamp that is not a number
        return False


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class Receipts:
    """Signed requests already acted on (recorded after acting, so a request that failed
    half-way is acted on when it comes again; acting twice changes nothing anyway)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _digest(source: str, signature: str) -> str:
        return hashlib.sha256(f"{source}\x00{signature}".encode()).hexdigest()

    def seen(self, *, source: str, signature: str) -> bool:
        with self.engine.connect() as db:
            found = db.execute(
                sa.select(receipts.c.digest).where(
                    receipts.c.digest == self._digest(source, signature)
                )
            ).first()
        return found is not None

    def record(self, *, source: str, signature: str) -> None:
        now = now_utc()
        try:
            with self.engine.begin() as db:
                db.execute(
                    receipts.delete().where(
                        receipts.c.received_at < now - timedelta(seconds=2 * MAX_AGE_SECONDS)
                    )
                )
                db.execute(
                    sa.insert(receipts).values(
                        digest=self._digest(source, signature), received_at=now
                    )
                )
        except sa.exc.IntegrityError:
            pass  # recorded meanwhile by a concurrent delivery of the same request
