"""The load generator: scripted multi-turn conversations sent over Rasa's REST channel.

Two regimes:

- `open_load`: turns are sent on a fixed arrival schedule (`rate` turns per second, one
  every 1/rate s) whatever the server does, so a slow server sees its queue grow instead of
  the generator politely slowing down (no coordinated omission: a turn's latency counts from
  its scheduled time). Each slot goes to a shopper whose think time since their last reply
  is over, or to a new shopper when none is ready, so conversations stay multi-turn.
- `saturation`: a fixed number of shoppers with no think time (closed loop): the most turns
  per second the server gives.

Nothing here knows about Rasa beyond the REST channel's request and reply shape, so the
harness can be checked against any small HTTP server (tests/unit/benchmarks).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DRAIN_SECONDS = 30.0


@dataclass(frozen=True)
class Turn:
    """One shopper message and, optionally, words the bot's reply must contain."""

    text: str
    expect: str | None = None


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class ThinkTime:
    """Seconds a shopper waits between a reply and their next message (uniform)."""

    low: float = 1.0
    high: float = 4.0

    def draw(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


NO_THINK = ThinkTime(0.0, 0.0)


@dataclass(frozen=True)
class TurnResult:
    conversation: str
    index: int
    latency: float
    finished_at: float
    error: str | None = None


class TurnError(Exception):
    """A turn failed: transport error, HTTP error or a reply without the expected words."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class RestChannel:
    """Sends shopper messages to one or more Rasa servers' REST channel.

    With several servers each conversation always goes to the same one (by a hash of the
    sender id), which is what sticky load balancing does.
    """

    def __init__(self, base_urls: Sequence[str], *, client: httpx.AsyncClient) -> None:
        if not base_urls:
            raise ValueError("at least one server URL is needed")
        self.urls = [f"{u.rstrip('/')}/webhooks/rest/webhook" for u in base_urls]
        self.client = client

    def url_for(self, sender: str) -> str:
        return self.urls[zlib.crc32(sender.encode()) % len(self.urls)]

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        try:
            response = await self.client.post(
                self.url_for(sender), json={"sender": sender, "message": text}
            )
        except httpx.TimeoutException as exc:
            raise TurnError("timeout") from exc
        except httpx.HTTPError as exc:
            raise TurnError(type(exc).__name__) from exc
        if response.status_code != 200:
            raise TurnError(f"http {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise TurnError("bad json") from exc
        if not isinstance(replies, list):
            raise TurnError("bad json")
        return replies


def reply_text(replies: list[dict[str, Any]]) -> str:
    parts = [str(r.get("text") or "") for r in replies]
    parts += [str(b.get("payload") or "") for r in replies for b in r.get("buttons") or []]
    return "\n".join(parts)


async def run_turn(channel: RestChannel, sender: str, turn: Turn) -> None:
    replies = await channel.send(sender, turn.text)
    if turn.expect is not None and turn.expect.lower() not in reply_text(replies).lower():
        raise TurnError("unexpected reply")


# A new shopper: (sender id, their conversation). Called with the run's seeded RNG.
ShopperFactory = Callable[[random.Random, int], tuple[str, Conversation]]


@dataclass
class _Shopper:
    sender: str
    conversation: Conversation
    next_turn: int = 0


@dataclass
class Point:
    """Everything measured at one load point."""

    regime: str
    offered_rate: float | None
    users: int | None
    duration: float
    elapsed: float
    results: list[TurnResult] = field(default_factory=list)
    sent: int = 0

    def summary(self) -> dict[str, Any]:
        ok = sorted(r.latency for r in self.results if r.error is None)
        errors = Counter(r.error for r in self.results if r.error is not None)
        return {
            "regime": self.regime,
            "offered_rate": self.offered_rate,
            "users": self.users,
            "duration_s": round(self.duration, 2),
            "turns_sent": self.sent,
            "turns_ok": len(ok),
            "errors": sum(errors.values()),
            "errors_by_kind": dict(errors),
            # where they happened: "conversation #turn: kind", the most frequent first
            "errors_by_turn": dict(Counter(
                f"{r.conversation} #{r.index}: {r.error}" for r in self.results
                if r.error is not None).most_common(8)),
            "achieved_rate": round(len(ok) / self.elapsed, 2) if self.elapsed > 0 else 0.0,
            "conversations_started": sum(1 for r in self.results if r.index == 0),
            "p50_ms": _ms(percentile(ok, 50)),
            "p95_ms": _ms(percentile(ok, 95)),
            "p99_ms": _ms(percentile(ok, 99)),
            "max_ms": _ms(ok[-1] if ok else None),
            # which turns make the tail: "conversation #turn" -> count, p50, p95 (ms),
            # the 8 with the highest p95
            "slowest_turns": self._slowest_turns(8),
        }

    def _slowest_turns(self, limit: int) -> dict[str, dict[str, float | int | None]]:
        by_turn: dict[str, list[float]] = {}
        for r in self.results:
            if r.error is None:
                by_turn.setdefault(f"{r.conversation} #{r.index}", []).append(r.latency)
        stats = {}
        for turn, values in by_turn.items():
            values.sort()
            stats[turn] = {"count": len(values), "p50_ms": _ms(percentile(values, 50)),
                           "p95_ms": _ms(percentile(values, 95))}
        slowest = sorted(stats, key=lambda t: (-(stats[t]["p95_ms"] or 0.0), t))[:limit]
        return {turn: stats[turn] for turn in slowest}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks (numpy's
    default); `sorted_values` must be sorted. None for no values."""
    if not sorted_values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


async def open_load(
    *,
    channel: RestChannel,
    new_shopper: ShopperFactory,
    rate: float,
    duration: float,
    think: ThinkTime,
    seed: int,
    max_in_flight: int = 1000,
) -> Point:
    """Sends `rate` turns per second for `duration` seconds on a fixed schedule."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    point = Point(regime="open", offered_rate=rate, users=None, duration=duration, elapsed=0.0)
    ready: list[tuple[float, int, _Shopper]] = []
    tie = itertools.count()
    in_flight: set[asyncio.Task[None]] = set()
    shoppers = itertools.count()
    start = loop.time()

    async def one_turn(shopper: _Shopper, scheduled: float) -> None:
        turn = shopper.conversation.turns[shopper.next_turn]
        error: str | None = None
        try:
            await run_turn(channel, shopper.sender, turn)
        except TurnError as exc:
            error = exc.kind
        done = loop.time()
        point.results.append(
            TurnResult(shopper.conversation.name, shopper.next_turn, done - scheduled,
                       done - start, error)
        )
        shopper.next_turn += 1
        # A shopper whose turn failed gives up; the rest think, then carry on.
        if error is None and shopper.next_turn < len(shopper.conversation.turns):
            heapq.heappush(ready, (done + think.draw(rng), next(tie), shopper))

    for slot in itertools.count():
        scheduled = start + slot / rate
        if scheduled - start >= duration:
            break
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= max_in_flight:
            point.results.append(TurnResult("-", -1, 0.0, loop.time() - start, "overload"))
            continue
        if ready and ready[0][0] <= loop.time():
            shopper = heapq.heappop(ready)[2]
        else:
            sender, conversation = new_shopper(rng, next(shoppers))
            shopper = _Shopper(sender, conversation)
        task = asyncio.create_task(one_turn(shopper, scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        point.sent += 1
    await _drain(in_flight, point, start=start, loop=loop)
    point.elapsed = _elapsed(point, fallback=duration)
    return point


async def saturation(
    *,
    channel: RestChannel,
    new_shopper: ShopperFactory,
    users: int,
    duration: float,
    seed: int,
) -> Point:
    """`users` shoppers, each sending their next turn as soon as the last reply arrives."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    point = Point(regime="saturation", offered_rate=None, users=users, duration=duration,
                  elapsed=0.0)
    shoppers = itertools.count()
    start = loop.time()
    deadline = start + duration

    async def user() -> None:
        while loop.time() < deadline:
            sender, conversation = new_shopper(rng, next(shoppers))
            for index, turn in enumerate(conversation.turns):
                if loop.time() >= deadline:
                    return
                sent = loop.time()
                error: str | None = None
                try:
                    await run_turn(channel, sender, turn)
                except TurnError as exc:
                    error = exc.kind
                done = loop.time()
                point.sent += 1
                point.results.append(
                    TurnResult(conversation.name, index, done - sent, done - start, error)
                )
                if error is not None:
                    break

    tasks = {asyncio.create_task(user()) for _ in range(users)}
    await _drain(tasks, point, start=start, loop=loop, drain=duration + DRAIN_SECONDS)
    # Turns per second over the measured window: the turns that finished inside it.
    inside = [r for r in point.results if r.finished_at <= duration]
    point.results = inside
    point.elapsed = duration
    return point


async def _drain(
    tasks: set[asyncio.Task[None]],
    point: Point,
    *,
    start: float,
    loop: asyncio.AbstractEventLoop,
    drain: float = DRAIN_SECONDS,
) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(set(tasks), timeout=drain)
    for task in pending:
        task.cancel()
        point.results.append(TurnResult("-", -1, drain, loop.time() - start, "unfinished"))
    if pending:
        await asyncio.wait(pending)


def _elapsed(point: Point, *, fallback: float) -> float:
    """From the first scheduled turn to the last reply (at least the scheduled duration)."""
    last = max((r.finished_at for r in point.results), default=fallback)
    return max(last, fallback)


def client(*, connections: int) -> httpx.AsyncClient:
    """One keep-alive client for the whole run, sized for the concurrency."""
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
