"""What the chat channels check before a message reaches the assistant.

Used by `bot.channels` (the REST and socket.io channels the Rasa server opens): a length
limit, a per-conversation rate limit (in memory, or in Redis when several Rasa instances
share the load), masking of card numbers, security codes and passwords,
and the client's IP address for the message metadata. Plain code, no Rasa, so it is unit
tested without a server; only the Redis limiter needs a package (redis, in Rasa's
environment), imported when it is configured.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from common.client_address import CLIENT_PROOF_KEY, client_proof, client_proof_key
from common.env import IPNetwork, RedisLocation, networks, positive_int, text, whole_number
from common.masking import find_secrets

logger = logging.getLogger(__name__)

CLIENT_IP_KEY = "client_ip"

TOO_LONG_REPLY = (
    "Sorry, that message is too long for me (the limit is {limit} characters). "
    "Could you send a shorter version?"
)
RATE_LIMITED_REPLY = (
    "You're sending messages faster than I can answer them. "
    "Please wait a moment, then try again."
)
SECRETS_WARNING = (
    "For your security I've hidden the {what} you sent. Please never share card numbers, "
    "security codes, passwords or bank details in this chat: we will never ask for them here."
)
_WHAT = {"card": "card number", "security_code": "security code", "password": "password",
         "iban": "bank account number"}

# Metadata rides along with every event into the tracker store and the event broker: a
# widget sends a few short fields (identity token, locale), never anything near these.
MAX_METADATA_BYTES = 16 * 1024
MAX_METADATA_DEPTH = 8
MAX_SENDER_ID_CHARS = 255
# Text no database, log or JSON encoder can take as it is: NUL and lone UTF-16 surrogates
# (a JSON body may spell them as "\u0000" and "\ud800").
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
# A sender id is a key, not prose: no control characters either.
_BAD_SENDER_CHARS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class GuardSettingsError(ValueError):
    """A channel setting is malformed; the message names it."""


@dataclass(frozen=True)
class GuardSettings:
    max_message_chars: int = 1000
    rate_limit_messages: int = 30
    rate_limit_window_seconds: float = 60.0
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # Shared by every Rasa instance when set (the production profile's REDIS_*), so the
    # limit holds per conversation however many instances a load balancer spreads it on.
    redis: RedisLocation | None = None
    # Signs the client address for the action server (from ACTION_SERVER_TOKEN).
    client_proof_key: bytes | None = None
    # Signs socket.io session ids for the browsers they are handed to (from RASA_API_TOKEN,
    # which every Rasa instance shares); None: a random key for this process.
    session_key: bytes | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GuardSettings:
        """Read once at start-up; a malformed value raises naming the variable. Standard
        library only (common.env): this runs inside Rasa, whose environment has pydantic 1."""
        env = os.environ if env is None else env
        error = GuardSettingsError
        return cls(
            max_message_chars=positive_int(env, "SHOPDESK_MAX_MESSAGE_CHARS", 1000, error=error),
            rate_limit_messages=positive_int(env, "SHOPDESK_RATE_LIMIT_MESSAGES", 30, error=error),
            rate_limit_window_seconds=float(
                positive_int(env, "SHOPDESK_RATE_LIMIT_WINDOW_SECONDS", 60, error=error)
            ),
            trusted_proxies=networks(env, "SHOPDESK_TRUSTED_PROXIES", error=error),
            redis=_redis(env),
            client_proof_key=client_proof_key(token)
            if (token := env.get("ACTION_SERVER_TOKEN"))
            else None,
            session_key=hmac.new(api_token.encode(), b"shopdesk-socket-session", "sha256").digest()
            if (api_token := env.get("RASA_API_TOKEN"))
            else None,
        )


def _redis(env: Mapping[str, str]) -> RedisLocation | None:
    host = text(env, "REDIS_HOST")
    if host is None:
        return None
    return RedisLocation(
        host=host,
        port=positive_int(env, "REDIS_PORT", 6379, error=GuardSettingsError),
        db=whole_number(env, "REDIS_DB", 0, error=GuardSettingsError),
        password=env.get("REDIS_PASSWORD") or None,
    )


# Both limiters are our own, not the `limits` package: this runs inside Rasa, whose pins
# (packaging 20.9) cannot take limits 5 (it needs packaging >= 21).
@dataclass
class RateLimiter:
    """At most `limit` messages per `window` seconds per key (sliding window, in memory)."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _calls: int = 0

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            self._calls += 1
            if self._calls % 1000 == 0:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]


class Limiter(Protocol):
    def allow(self, key: str) -> bool: ...


# One conversation's recent messages as a sorted set of timestamps: drop those outside the
# window, refuse if `limit` remain, else record this one. Atomic in Redis.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""
REDIS_TIMEOUT_SECONDS = 0.25


class RedisRateLimiter:
    """The same sliding window, kept in Redis and shared by every Rasa instance.

    If Redis cannot be reached within REDIS_TIMEOUT_SECONDS the message is allowed (and a
    warning logged): a rate limit must not take the chat down with it.
    """

    def __init__(self, location: RedisLocation, *, limit: int, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        import redis  # the Rasa engine's environment has it (Rasa's Redis lock store)

        self.limit, self.window = limit, window
        self.clock = clock  # wall-clock seconds: every instance's timestamps in one window
        self._client = redis.Redis(
            host=location.host, port=location.port, db=location.db,
            password=location.password, socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    def allow(self, key: str) -> bool:
        try:
            allowed = self._script(
                keys=[f"shopdesk:ratelimit:{key}"],
                args=[self.clock(), self.window, self.limit, uuid.uuid4().hex],
            )
        except self._errors as exc:
            logger.warning("rate limit: Redis unavailable (%s); message allowed", exc)
            return True
        return bool(allowed)


@dataclass(frozen=True)
class Verdict:
    """What to do with one incoming message.

    `accepted`: pass `text` (masked) on with `metadata`; `replies` are sent first (the
    warning about shared secrets). Not accepted: send `replies` only, process nothing.
    """

    accepted: bool
    text: str
    metadata: dict[str, Any]
    replies: tuple[str, ...] = ()
    # Set when the request itself is unusable (bad sender id, metadata too big or deep):
    # the REST channel answers 400 with it, the socket.io channel a polite reply.
    problem: str | None = None


class ChannelGuard:
    """One per channel; `check()` is called for every shopper message."""

    def __init__(self, settings: GuardSettings, *, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.limiter: Limiter
        if settings.redis is not None:
            self.limiter = RedisRateLimiter(
                settings.redis,
                limit=settings.rate_limit_messages,
                window=settings.rate_limit_window_seconds,
            )
        else:
            self.limiter = RateLimiter(
                limit=settings.rate_limit_messages,
                window=settings.rate_limit_window_seconds,
                clock=clock,
            )

    def check(
        self, *, sender_id: str, text: str, metadata: Mapping[str, Any] | None, client_ip: str
    ) -> Verdict:
        problem = sender_problem(sender_id) or metadata_problem(metadata)
        if problem is not None:
            return Verdict(accepted=False, text="", metadata={}, problem=problem)
        text = storable(text)
        if len(text) > self.settings.max_message_chars:
            reply = TOO_LONG_REPLY.format(limit=self.settings.max_message_chars)
            return Verdict(accepted=False, text="", metadata={}, replies=(reply,))
        if not self.limiter.allow(sender_id):
            return Verdict(accepted=False, text="", metadata={}, replies=(RATE_LIMITED_REPLY,))
        masked = find_secrets(text)
        clean_metadata = mask_metadata(dict(metadata or {}))
        # Set here, never taken from the client: crafted metadata cannot choose its IP.
        clean_metadata[CLIENT_IP_KEY] = client_ip
        clean_metadata.pop(CLIENT_PROOF_KEY, None)
        if self.settings.client_proof_key is not None:
            clean_metadata[CLIENT_PROOF_KEY] = client_proof(
                self.settings.client_proof_key, sender_id=sender_id, client_ip=client_ip
            )
        replies: tuple[str, ...] = ()
        if masked.changed:
            what = " and ".join(_WHAT[k] for k in _WHAT if k in masked.found)
            replies = (SECRETS_WARNING.format(what=what),)
        return Verdict(accepted=True, text=masked.text, metadata=clean_metadata, replies=replies)

    def client_ip(self, *, peer: str | None, forwarded_for: str | None) -> str:
        return client_ip(
            peer=peer, forwarded_for=forwarded_for, trusted=self.settings.trusted_proxies
        )


class SessionTokens:
    """Socket.io sessions bound to the browser they were handed to.

    The server mints every session id and signs it; a browser joins a session only with
    that signature (the widget keeps it in its storage). Knowing a session id, which agents
    and logs see, is not enough to read or write that conversation.
    """

    def __init__(self, key: bytes | None) -> None:
        self._key = key or secrets.token_bytes(32)

    def token(self, session_id: str) -> str:
        message = b"socket-session\x00" + session_id.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, "sha256").hexdigest()

    def joinable(self, session_id: object, token: object) -> bool:
        if not isinstance(session_id, str) or not isinstance(token, str):
            return False
        if sender_problem(session_id) is not None:
            return False
        expected = self.token(session_id).encode()
        return hmac.compare_digest(expected, token.encode("utf-8", "replace"))

    def new_session(self) -> tuple[str, str]:
        session_id = uuid.uuid4().hex
        return session_id, self.token(session_id)


def storable(text: str) -> str:
    """`text` without NUL, and with lone surrogates as U+FFFD (what a decoder shows for
    them): it can then be stored, logged and encoded as UTF-8 anywhere."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", text)


def sender_problem(sender_id: str) -> str | None:
    """Why a sender id (the conversation's key everywhere) is refused, or None."""
    if not sender_id or len(sender_id) > MAX_SENDER_ID_CHARS:
        return f"the sender id must be 1-{MAX_SENDER_ID_CHARS} characters"
    if _BAD_SENDER_CHARS.search(sender_id):
        return "the sender id must not contain control characters or lone surrogates"
    return None


def metadata_problem(metadata: Any) -> str | None:
    """Why message metadata is refused (nested too deep, too big as JSON), or None.

    Depth is measured without recursion, so no nesting can raise RecursionError here.
    """
    if metadata is None:
        return None
    stack: list[tuple[Any, int]] = [(metadata, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_METADATA_DEPTH:
                return f"metadata is nested too deeply ({MAX_METADATA_DEPTH} levels at most)"
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError):
        return "metadata must be plain JSON"
    if size > MAX_METADATA_BYTES:
        return f"metadata is too large ({MAX_METADATA_BYTES} bytes of JSON at most)"
    return None


def mask_metadata(value: Any) -> Any:
    """Secrets masked in every string inside message metadata (and made storable)."""
    if isinstance(value, str):
        return find_secrets(storable(value)).text
    if isinstance(value, dict):
        return {storable(str(k)): mask_metadata(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_metadata(v) for v in value]
    return value


def client_ip(
    *, peer: str | None, forwarded_for: str | None, trusted: tuple[IPNetwork, ...]
) -> str:
    """The client's address: the peer's, or from X-Forwarded-For when the peer is a trusted
    proxy (the right-most address that is not itself a trusted proxy)."""
    address = (peer or "").strip() or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed header from behind the proxy: trust the proxy only
        if not _is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def _is_trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
