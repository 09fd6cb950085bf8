"""Messages for a widget that is connected to another Rasa instance.

With several Rasa instances (the production profile) a shopper's widget keeps its socket.io
connection on one of them (the balancer's cookie), while the handoff service's messages
(agents' replies, "added to your request", solved and parked notices) come in through Rasa's
HTTP API at whichever instance the balancer picks. That instance stores them in the
conversation and sends them to the socket.io output channel, where only a widget connected
to that same instance would see them at once; the others would wait for their next re-sync.

`ChatFanout` publishes such a message on a Redis channel that every instance subscribes to;
each instance emits it into the conversation's room, which only the instance holding the
widget has members in. python-socketio's `AsyncRedisManager` does this for every emit; it is
not used because it would route every turn's replies through Redis too, drops a message Redis
refuses, and unpickles whatever it reads from the channel. Here only messages from outside a
turn go through Redis, as JSON, only as the bot-message event; a message Redis refuses is
emitted locally instead, and the conversation has it either way (the widget re-syncs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from bot.chat_transcript import TranscriptOutput
from common.env import RedisLocation

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "shopdesk:chat"
REDIS_TIMEOUT_SECONDS = 2.0
MAX_ROOM_CHARS = 256
RECONNECT_FIRST_SECONDS, RECONNECT_MAX_SECONDS = 0.25, 2.0


class ChatFanout:
    """Publishes bot messages for a conversation's room to every instance, and emits the
    ones every instance publishes into this instance's rooms."""

    def __init__(self, location: RedisLocation, *, sio: Any, namespace: str | None,
                 event: str) -> None:
        from redis import asyncio as redis_asyncio  # Rasa's environment has it (lock store)
        from redis.exceptions import RedisError

        self._redis_asyncio = redis_asyncio
        self._errors: tuple[type[Exception], ...] = (RedisError, OSError, asyncio.TimeoutError)
        self.location = location
        self.sio, self.namespace, self.event = sio, namespace, event
        # Redis's channels are not kept apart by database number: the channel names it.
        self.channel = f"{CHANNEL_PREFIX}:{location.db}:{namespace or '/'}"
        self._publisher = self._client(timeout=REDIS_TIMEOUT_SECONDS)
        self._listener: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    def _client(self, *, timeout: float | None) -> Any:
        return self._redis_asyncio.Redis(
            host=self.location.host, port=self.location.port, db=self.location.db,
            password=self.location.password, socket_timeout=timeout,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS, health_check_interval=10,
        )

    async def publish(self, room: str, data: dict[str, Any]) -> bool:
        """True when Redis took the message (every subscribed instance gets it). Tried on a
        second connection when the first fails: a pooled connection is broken after Redis
        restarted."""
        payload = json.dumps({"room": room, "data": data}, ensure_ascii=False)
        for attempt in (1, 2):
            try:
                await self._publisher.publish(self.channel, payload)
                return True
            except self._errors as exc:
                if attempt == 2:
                    logger.warning("chat fan-out: Redis refused a message for another "
                                   "instance's widget (%s: %s); sent to this instance's only",
                                   type(exc).__name__, exc)
        return False

    def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        with contextlib.suppress(*self._errors):
            await self._publisher.close()

    async def _listen(self) -> None:
        wait = RECONNECT_FIRST_SECONDS
        while True:
            client = self._client(timeout=None)  # a subscriber waits for messages
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                wait = RECONNECT_FIRST_SECONDS
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True,
                                                       timeout=1.0)
                    if message is not None:
                        await self.deliver(message.get("data"))
            except self._errors as exc:
                self.subscribed.clear()
                logger.warning("chat fan-out: lost Redis (%s: %s); subscribing again in "
                               "%.1f s", type(exc).__name__, exc, wait)
            finally:
                with contextlib.suppress(*self._errors):
                    await pubsub.reset()
                with contextlib.suppress(*self._errors):
                    await client.close()
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_MAX_SECONDS)

    async def deliver(self, raw: Any) -> bool:
        """Emits one published message into its room here; False for anything that is not
        a message this module publishes (it is logged and dropped)."""
        try:
            message = json.loads(raw)
        except (TypeError, ValueError):
            message = None
        room = message.get("room") if isinstance(message, dict) else None
        data = message.get("data") if isinstance(message, dict) else None
        if not isinstance(room, str) or not 0 < len(room) <= MAX_ROOM_CHARS or not isinstance(
                data, dict):
            logger.warning("chat fan-out: dropped a malformed message on %s", self.channel)
            return False
        await self.sio.emit(self.event, data, room=room, namespace=self.namespace)
        return True


class FanoutOutput(TranscriptOutput):
    """The socket.io output channel for messages from outside a turn (Rasa's HTTP API with
    `output_channel=socketio`): each message goes to whichever instance holds the widget."""

    def __init__(self, sio: Any, bot_message_evt: str, fanout: ChatFanout) -> None:
        super().__init__(sio, bot_message_evt)
        self.fanout = fanout

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if not await self.fanout.publish(socket_id, response):
            await super()._send_message(socket_id, response)
