"""The load generator against a tiny local HTTP server that stands in for Rasa's REST channel
(it answers after a set delay and records when each message arrived): the schedule is kept
whatever the server's latency (open load), conversations stay multi-turn with think time,
latencies and errors are measured, saturation is bounded by the server."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tools.benchmarks import load
from tools.benchmarks.load import Conversation, Turn


@dataclass
class FakeRest:
    """Rasa's REST webhook, minimal: HTTP/1.1 keep-alive, JSON in, JSON list out."""

    delay: float = 0.0
    status: int = 200
    reply: str = "hello"
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":")[1])
                body = json.loads(await reader.readexactly(length))
                self.arrivals.append((loop.time(), body["sender"], body["message"]))
                await asyncio.sleep(self.delay)
                payload = json.dumps([{"recipient_id": body["sender"], "text": self.reply}])
                writer.write(
                    f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n{payload}".encode()
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeRest]:
    fake = FakeRest()
    srv = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.url = f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"
    async with srv:
        yield fake


TWO_TURNS = Conversation("two turns", (Turn("hi", expect="hello"), Turn("bye")))


def shoppers(conversation: Conversation = TWO_TURNS) -> load.ShopperFactory:
    return lambda rng, n: (f"s{n}", conversation)


async def test_open_load_keeps_the_offered_rate_even_when_the_server_is_slow(
    server: FakeRest,
) -> None:
    server.delay = 0.4  # far longer than the 1/20 s between turns
    async with load.client(connections=100) as http:
        channel = load.RestChannel([server.url], client=http)
        point = await load.open_load(channel=channel, new_shopper=shoppers(), rate=20,
                                     duration=1.0, think=load.NO_THINK, seed=1)
    times = sorted(t for t, _, _ in server.arrivals)
    assert point.sent == len(times) == 20
    # sent on schedule, not after each reply: 20 turns spread over ~0.95 s
    assert 0.8 < times[-1] - times[0] < 1.3
    summary = point.summary()
    assert summary["errors"] == 0
    assert 400 <= summary["p50_ms"] < 1000
    assert summary["turns_ok"] == 20


async def test_conversations_are_multi_turn_with_think_time(server: FakeRest) -> None:
    think = load.ThinkTime(0.2, 0.3)
    async with load.client(connections=50) as http:
        channel = load.RestChannel([server.url], client=http)
        point = await load.open_load(channel=channel, new_shopper=shoppers(), rate=20,
                                     duration=1.5, think=think, seed=2)
    by_sender: dict[str, list[tuple[float, str]]] = {}
    for at, sender, text in server.arrivals:
        by_sender.setdefault(sender, []).append((at, text))
    second_turns = [turns for turns in by_sender.values() if len(turns) == 2]
    assert second_turns, "some shoppers came back for their second turn"
    for turns in by_sender.values():
        assert [text for _, text in turns] == ["hi", "bye"][: len(turns)]
    for (first, _), (second, _) in second_turns:
        assert second - first >= think.low
    # fewer conversations than turns: slots went to returning shoppers
    assert len(by_sender) < point.sent


async def test_wrong_replies_and_http_errors_are_counted_as_errors(server: FakeRest) -> None:
    server.reply = "something else"
    async with load.client(connections=10) as http:
        channel = load.RestChannel([server.url], client=http)
        wrong = await load.open_load(channel=channel, new_shopper=shoppers(), rate=10,
                                     duration=0.5, think=load.NO_THINK, seed=3)
        server.status = 500
        failed = await load.open_load(channel=channel, new_shopper=shoppers(), rate=10,
                                      duration=0.5, think=load.NO_THINK, seed=3)
    assert wrong.summary()["errors_by_kind"] == {"unexpected reply": 5}
    assert failed.summary()["errors_by_kind"] == {"http 500": 5}
    assert failed.summary()["p50_ms"] is None


async def test_saturation_is_bounded_by_the_server(server: FakeRest) -> None:
    server.delay = 0.05
    users = 4
    async with load.client(connections=10) as http:
        channel = load.RestChannel([server.url], client=http)
        point = await load.saturation(channel=channel, new_shopper=shoppers(), users=users,
                                      duration=1.0, seed=4)
    summary = point.summary()
    ceiling = users / server.delay  # 80 turns/s if nothing else took any time
    assert summary["errors"] == 0
    assert 0.4 * ceiling <= summary["achieved_rate"] <= ceiling
    assert summary["p50_ms"] >= 50


def test_several_servers_each_keep_their_conversations() -> None:
    channel = load.RestChannel(["http://a:1", "http://b:2/"], client=None)  # type: ignore[arg-type]
    senders = [f"shopper-{n}" for n in range(200)]
    urls = {channel.url_for(s) for s in senders}
    assert urls == {"http://a:1/webhooks/rest/webhook", "http://b:2/webhooks/rest/webhook"}
    assert all(channel.url_for(s) == channel.url_for(s) for s in senders)


def test_seeded_runs_pick_the_same_shoppers() -> None:
    from tools.benchmarks.shoppers import shopdesk_shoppers

    def names(seed: int) -> list[str]:
        rng, new = random.Random(seed), shopdesk_shoppers("x")
        return [new(rng, n)[1].name for n in range(30)]

    assert names(7) == names(7)
    assert len(set(names(7))) > 3
