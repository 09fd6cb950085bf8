"""Failed-lookup limits: a client that keeps guessing order details gets 429, not answers.

Every request that names an order and fails the ownership check (`order_not_found`) counts
as one failure for its client. Beyond `max_failures` within `window_seconds` the client is
refused (429, `Retry-After`) until its oldest failure in the window expires, even for
details that would match: a guesser must not learn which guess was right.

Who "the client" is: the TCP peer, unless the request carries the shopper's key forwarded
by the bot's action server, signed with the forwarding secret both sides share
(`Shopdesk-Client` + `Shopdesk-Client-Signature`). Without a valid signature the headers
are ignored, so a shopper calling the API directly cannot mint fresh keys to dodge the
limit; with one, the shoppers behind one action server are limited one by one instead of
all together.

State is in memory, per store process (a restart forgets it; several store processes
each count on their own).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

CLIENT_HEADER = "Shopdesk-Client"
SIGNATURE_HEADER = "Shopdesk-Client-Signature"
MAX_CLIENT_KEY_LENGTH = 200
# Above this many tracked clients, the ones with no failure in the window are dropped.
_PRUNE_ABOVE = 10_000


def client_signature(secret: bytes, client: str) -> str:
    """HMAC-SHA256 of the forwarded client key (hex); the action server computes the same."""
    return hmac.new(secret, b"shopdesk-client\x00" + client.encode(), hashlib.sha256).hexdigest()


def forwarded_or_peer_key(
    *, peer: str | None, headers: Mapping[str, str], forwarding_secret: bytes | None
) -> str:
    """The key failures are counted under: the signed forwarded client, else the peer."""
    forwarded = headers.get(CLIENT_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if (
        forwarding_secret
        and forwarded
        and signature
        and len(forwarded) <= MAX_CLIENT_KEY_LENGTH
        and hmac.compare_digest(
            client_signature(forwarding_secret, forwarded).encode(), signature.encode()
        )
    ):
        return f"forwarded:{forwarded}"
    return f"peer:{peer or 'unknown'}"


class FailedLookupLimiter:
    """Sliding-window count of failures per client key. Thread-safe."""

    def __init__(
        self,
        *,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window_seconds <= 0:
            raise ValueError("max_failures must be >= 1 and window_seconds > 0")
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it is not blocked."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if len(times) < self._max:
                return None
            # Blocked until enough failures age out to bring it under the limit.
            release = times[len(times) - self._max] + self._window
            return max(1, math.ceil(release - now))

    def record_failure(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            if len(self._failures) > _PRUNE_ABOVE:
                self._prune(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key) or deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        # Never keep more than the limit needs: memory stays bounded per client.
        while len(times) > self._max:
            times.popleft()
        return times

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
