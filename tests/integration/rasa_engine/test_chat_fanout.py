"""bot.chat_fanout on the machine's Redis: a message published by one instance's fan-out is
emitted by every subscribed instance into the conversation's room (only the instance that
holds the widget has it: the others' emit reaches nobody); anything on the channel that is
not such a message is dropped without stopping the listener; a message Redis refuses is sent
to this instance's own widgets. Two fan-outs in one process stand for two Rasa instances;
the socket.io servers are recorders of what each instance would emit (the end-to-end test
with two real instances is in tests/faults/test_scaleout.py).

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import redis

from bot.chat_fanout import ChatFanout, FanoutOutput
from common.env import RedisLocation
from tests.conftest import require_service

DB = 14  # names the channel (pub/sub is not scoped by database)
EVENT_TIMEOUT = 30.0  # bounds every wait


def _redis_up() -> bool:
    try:
        return bool(redis.Redis(db=DB, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class RecordingServer:
    """What an instance's socket.io server was asked to emit."""

    def __init__(self) -> None:
        self.emitted: asyncio.Queue[tuple[str, Any, str, str | None]] = asyncio.Queue()

    async def emit(self, event: str, data: Any, room: str, namespace: str | None = None,
                   **_: Any) -> None:
        await self.emitted.put((event, data, room, namespace))

    async def next(self) -> tuple[str, Any, str, str | None]:
        return await asyncio.wait_for(self.emitted.get(), EVENT_TIMEOUT)


async def _instances() -> list[tuple[ChatFanout, RecordingServer]]:
    fanouts = []
    for _ in range(2):
        server = RecordingServer()
        fanout = ChatFanout(RedisLocation(host="127.0.0.1", db=DB), sio=server,
                            namespace=None, event="bot_uttered")
        fanout.start()
        await asyncio.wait_for(fanout.subscribed.wait(), EVENT_TIMEOUT)
        fanouts.append((fanout, server))
    return fanouts


async def _stop(fanouts: list[tuple[ChatFanout, RecordingServer]]) -> None:
    for fanout, _ in fanouts:
        await fanout.stop()


@pytest.fixture
def redis_available() -> None:
    require_service(_redis_up(), "Redis on 127.0.0.1:6379")


def test_a_message_sent_on_one_instance_is_emitted_by_every_instance(
    redis_available: None,
) -> None:
    async def scenario() -> None:
        instances = await _instances()
        try:
            (a, a_server), (_, b_server) = instances
            output = FanoutOutput(a_server, "bot_uttered", a)
            await output.send_text_message("session-1", "Sam here: it left this morning.",
                                           shopdesk_message_id="hm7")
            for server in (a_server, b_server):
                event, data, room, namespace = await server.next()
                assert (event, room, namespace) == ("bot_uttered", "session-1", None)
                assert data["text"] == "Sam here: it left this morning."
            # once each: a marker sent after it is the next thing both emit
            await a.publish("session-1", {"text": "marker"})
            for server in (a_server, b_server):
                assert (await server.next())[1] == {"text": "marker"}
        finally:
            await _stop(instances)

    asyncio.run(scenario())


def test_foreign_messages_on_the_channel_are_dropped_and_the_listener_goes_on(
    redis_available: None,
) -> None:
    async def scenario() -> None:
        instances = await _instances()
        try:
            (a, a_server), _ = instances
            publisher = redis.Redis(db=DB)
            for raw in (b"not json", json.dumps(["room", {}]), json.dumps({"room": "r"}),
                        json.dumps({"room": "", "data": {}}),
                        json.dumps({"room": "r" * 300, "data": {}}),
                        json.dumps({"room": 5, "data": {"text": "x"}})):
                publisher.publish(a.channel, raw)
            assert await a.publish("session-2", {"text": "after the junk"})
            event, data, room, _ = await a_server.next()
            assert (event, data, room) == ("bot_uttered", {"text": "after the junk"},
                                           "session-2")
        finally:
            await _stop(instances)

    asyncio.run(scenario())


def test_a_message_redis_refuses_goes_to_this_instances_widgets() -> None:
    async def scenario() -> None:
        server = RecordingServer()
        nowhere = ChatFanout(RedisLocation(host="127.0.0.1", port=1), sio=server,
                             namespace=None, event="bot_uttered")
        try:
            output = FanoutOutput(server, "bot_uttered", nowhere)
            await output.send_text_message("session-3", "Your request SD-ABC123 is solved.")
            event, data, room, _ = await server.next()
            assert (event, room, data["text"]) == ("bot_uttered", "session-3",
                                                   "Your request SD-ABC123 is solved.")
        finally:
            await nowhere.stop()

    asyncio.run(scenario())
