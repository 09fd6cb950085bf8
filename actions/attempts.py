"""Failed verifications per client network, across conversations: the enumeration limit.

Who is guessing: the network the chat channel saw the message come from, an IPv4 address or
an IPv6 /64 (one subscriber's whole range). The channel writes `client_ip` into the
message metadata together with `client_ip_proof` (common/client_address.py): tracker-supplied
metadata cannot choose the key failures are counted under. A message without a valid proof did not
come through a channel (Rasa's HTTP API, whose callers hold its token): all of those share
one budget, `api`.

The budget decays instead of expiring in one block: each failure adds 1, and the level
drains at `limit / window` per second (30 per 900 s: one every 30 s). A network is refused
while its level is at the limit. An abuser gets the same number of guesses per window as
with a fixed window, but the network is free again about 30 s after the guessing stops,
not 15 minutes after it started. Shoppers verified by the storefront's identity token are
never counted and never refused (actions/verification.py).

In memory per action server, or in Redis when `REDIS_HOST` is set (the production profile's
several action servers share it); if Redis does not answer within REDIS_TIMEOUT_SECONDS the
process's own counter is used instead, so an outage neither stops verification nor lifts
the limit.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from common.client_address import CLIENT_IP_KEY, CLIENT_PROOF_KEY, client_proof

logger = logging.getLogger(__name__)

API_CLIENT = "api"
REDIS_TIMEOUT_SECONDS = 0.25
_IPV6_SUBSCRIBER_PREFIX = 64
_PRUNE_ABOVE = 10_000


def network_of(address: str) -> str | None:
    """An IPv4 address as it is; an IPv6 address as its /64; None if not an address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{_IPV6_SUBSCRIBER_PREFIX}", strict=False))
    return str(ip)


def client_network(*, metadata: Any, sender_id: str, proof_key: bytes | None) -> str:
    """Whose failures these are: `net:<network>` when a chat channel vouched for the
    address, else `api`."""
    if not isinstance(metadata, Mapping) or proof_key is None:
        return API_CLIENT
    address, proof = metadata.get(CLIENT_IP_KEY), metadata.get(CLIENT_PROOF_KEY)
    if not isinstance(address, str) or not isinstance(proof, str):
        return API_CLIENT
    expected = client_proof(proof_key, sender_id=sender_id, client_ip=address)
    if not hmac.compare_digest(expected.encode(), proof.encode()):
        logger.warning("client address without a valid proof in conversation %s", sender_id)
        return API_CLIENT
    network = network_of(address)
    return f"net:{network}" if network else API_CLIENT


class FailureBudget(Protocol):
    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it may now."""

    def record_failure(self, key: str) -> int | None:
        """Counts one failure; the wait that follows it (None: none)."""


@dataclass(frozen=True)
class BudgetShape:
    limit: int
    window_seconds: float

    @property
    def drain_per_second(self) -> float:
        return self.limit / self.window_seconds


class DecayingBudget:
    """The decaying failure level per key, in this process's memory."""

    def __init__(self, shape: BudgetShape, *, clock: Callable[[], float] = time.monotonic):
        if shape.limit < 1 or shape.window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        self.shape = shape
        self._clock = clock
        self._levels: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        level, at = self._levels.get(key, (0.0, now))
        return max(0.0, level - (now - at) * self.shape.drain_per_second)

    def _wait(self, level: float) -> int | None:
        over = level - self.shape.limit + 1
        if over <= 0:
            return None
        # The rounding guard keeps 29.0000001 s from reading as 30 s.
        return max(1, math.ceil(over / self.shape.drain_per_second - 1e-6))

    def retry_after(self, key: str) -> int | None:
        with self._lock:
            return self._wait(self._level(key, self._clock()))

    def record_failure(self, key: str) -> int | None:
        with self._lock:
            now = self._clock()
            level = min(self._level(key, now) + 1, float(self.shape.limit))
            self._levels[key] = (level, now)
            if len(self._levels) > _PRUNE_ABOVE:
                for other in [k for k in self._levels if self._level(k, now) == 0]:
                    del self._levels[other]
            return self._wait(level)


# KEYS[1]: the hash of one key's level; ARGV: now, drain per second, limit, add (0 or 1).
# Returns the level after draining (and adding), as a string (Lua numbers lose fractions).
_DECAY = """
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or ARGV[1])
local now, drain, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
level = math.max(0, level - (now - at) * drain)
if tonumber(ARGV[4]) > 0 then
  level = math.min(level + 1, limit)
  redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', ARGV[1])
  redis.call('EXPIRE', KEYS[1], math.ceil(limit / drain) + 1)
end
return tostring(level)
"""


class RedisBudget:
    """The same budget kept in Redis (one per key, shared by every action server), with
    this process's own budget standing in while Redis does not answer."""

    def __init__(self, shape: BudgetShape, *, client: Any, fallback: DecayingBudget) -> None:
        import redis

        self.shape = shape
        self._client = client
        self._script = client.register_script(_DECAY)
        self._fallback = fallback
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    @classmethod
    def connect(cls, shape: BudgetShape, *, host: str, port: int, db: int,
                password: str | None) -> RedisBudget:
        import redis

        client = redis.Redis(
            host=host, port=port, db=db, password=password,
            socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return cls(shape, client=client, fallback=DecayingBudget(shape))

    def _run(self, key: str, *, add: bool) -> float | None:
        try:
            level = self._script(
                keys=[f"shopdesk:verification-failures:{key}"],
                args=[time.time(), self.shape.drain_per_second, self.shape.limit, int(add)],
            )
        except self._errors as exc:
            logger.warning("verification limit: Redis unavailable (%s); counting locally", exc)
            return None
        return float(level)

    def retry_after(self, key: str) -> int | None:
        level = self._run(key, add=False)
        if level is None:
            return self._fallback.retry_after(key)
        return self._fallback._wait(level)

    def record_failure(self, key: str) -> int | None:
        level = self._run(key, add=True)
        if level is None:
            return self._fallback.record_failure(key)
        return self._fallback._wait(level)
