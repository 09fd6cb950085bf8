"""Failed verifications per client, across conversations.

The per-conversation limit (`verification_failures`) ends with the conversation: a new
sender id or a restart starts from zero. This limit follows the client instead: the
shopper's IP as the channel recorded it in the message metadata (`client_ip`), or the
conversation id when the channel did not. Kept in memory by the action server process
(the store keeps its own, authoritative count per client and answers 429 beyond it).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

CLIENT_IP_KEY = "client_ip"
_PRUNE_ABOVE = 10_000


def client_key(*, metadata: Any, sender_id: str) -> str:
    """Who is guessing: `ip:<address>` when the channel recorded a valid one, else the
    conversation (`conversation:<sender id>`)."""
    if isinstance(metadata, Mapping):
        raw = metadata.get(CLIENT_IP_KEY)
        if isinstance(raw, str):
            try:
                return f"ip:{ipaddress.ip_address(raw.strip())}"
            except ValueError:
                pass
    return f"conversation:{sender_id}"


class FailureLimiter:
    """Sliding-window count of failures per key; thread-safe, bounded memory."""

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

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self._clock())) >= self._max

    def record_failure(self, key: str) -> bool:
        """Counts one failure; True when the key is now blocked."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            if len(self._failures) > _PRUNE_ABOVE:
                for other in list(self._failures):
                    if not self._recent(other, now):
                        del self._failures[other]
            return len(times) >= self._max

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key) or deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        while len(times) > self._max:
            times.popleft()
        return times
