"""The widget's messages with ids, live and re-synced, for the socket.io channel.

- `TranscriptOutput` is Rasa's socket.io output with an id on every message (a shopper's
  message keeps the widget's id, `metadata.message_id`), plus who sent
  it (the assistant, or an agent and their name) and, when the message says so, whether a
  person now has the conversation (`state`). Used for the bot's replies in a turn and for
  the messages the handoff service appends to a conversation from outside a turn (agent
  replies, solved, ...: `POST /conversations/{id}/tracker/events?output_channel=socketio
  &execute_side_effects=true`).
- `sync_request {session_id}` answers `transcript {session_id, state, messages}` with the
  conversation as stored in the tracker store (every session, the newest `MAX_MESSAGES`),
  with the same ids, so a widget that was offline or reloaded shows every message once.
  Only a socket that joined the session's room (`session_request`) may ask for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.socketio import SocketIOOutput

from common.chat_messages import (
    AGENT,
    ASSISTANT,
    AUTHOR,
    BOT,
    CHAT_STATE,
    MESSAGE_ID,
    SENDER,
    WITH_TEAM,
    bot_message_id,
    part_id,
    text_parts,
)

logger = logging.getLogger(__name__)

MAX_MESSAGES = 200
SYNC_REQUEST, TRANSCRIPT = "sync_request", "transcript"
_EXTERNAL_PREFIX = "EXTERNAL: "


def bot_messages(
    *,
    text: str | None,
    buttons: Iterable[dict[str, Any]] | None,
    image: str | None,
    meta: dict[str, Any],
) -> list[dict[str, Any]]:
    """What the widget gets for one bot event (one message per paragraph, as Rasa sends)."""
    given = meta.get(MESSAGE_ID)
    base = given or bot_message_id(meta.get("timestamp"), text)
    sender = AGENT if meta.get(SENDER) == AGENT else ASSISTANT
    common: dict[str, Any] = {"from": sender}
    if isinstance(meta.get("timestamp"), int | float):
        common["at"] = int(meta["timestamp"] * 1000)
    if sender == AGENT and meta.get(AUTHOR):
        common["author"] = str(meta[AUTHOR])
    if meta.get(CHAT_STATE) in (WITH_TEAM, BOT):
        common["state"] = meta[CHAT_STATE]
    replies = [
        {"title": b.get("title"), "payload": b.get("payload")}
        for b in buttons or []
        if isinstance(b, dict) and b.get("payload")
    ]
    parts = text_parts(text) if text else []
    messages = [
        {**common, "id": part_id(base, index, len(parts)), "text": part}
        for index, part in enumerate(parts)
    ]
    if replies:
        if messages:
            messages[-1]["quick_replies"] = replies
        else:
            messages.append({**common, "id": base, "text": None, "quick_replies": replies})
    if image:
        image_id = f"{given or bot_message_id(meta.get('timestamp'), None)}.img"
        messages.append(
            {**common, "id": image_id, "attachment": {"type": "image", "payload": {"src": image}}}
        )
    return messages


class TranscriptOutput(SocketIOOutput):
    """Rasa's socket.io output channel; every message carries its id (see bot_messages)."""

    async def _emit_all(self, recipient_id: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await self._send_message(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._emit_all(recipient_id, bot_messages(text=text, buttons=None, image=None,
                                                        meta=kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._emit_all(recipient_id, bot_messages(text=text, buttons=buttons, image=None,
                                                        meta=kwargs))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._emit_all(recipient_id, bot_messages(text=None, buttons=None, image=image,
                                                        meta=kwargs))


def transcript(
    events: Iterable[dict[str, Any]], *, limit: int = MAX_MESSAGES
) -> list[dict[str, Any]]:
    """The widget's messages for a conversation's stored events (as `Event.as_dict()`)."""
    messages: list[dict[str, Any]] = []
    last_buttons: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            if not text or text.startswith(_EXTERNAL_PREFIX):
                continue
            if text.startswith("/"):
                text = last_buttons.get(text, "")  # a button: shown by its title
                if not text:
                    continue
            # The widget's own id for it (metadata.message_id, as bot/turns.py reads it).
            client_id = (event.get("metadata") or {}).get("message_id")
            message: dict[str, Any] = {
                "id": client_id if isinstance(client_id, str) else event.get("message_id"),
                "from": "user",
                "text": text,
            }
            if isinstance(event.get("timestamp"), int | float):
                message["at"] = int(event["timestamp"] * 1000)
            messages.append(message)
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            meta = {**(event.get("metadata") or {}), "timestamp": event.get("timestamp")}
            messages.extend(
                bot_messages(text=event.get("text"), buttons=buttons, image=data.get("image"),
                             meta=meta)
            )
            last_buttons = {
                str(b.get("payload")): str(b.get("title") or "")
                for b in buttons
                if isinstance(b, dict) and b.get("payload")
            }
    return messages[-limit:]


def register_transcript_sync(sio: Any, *, namespace: str | None) -> None:
    """Answer `sync_request` on `sio` (the socket.io channel's server)."""

    async def sync_request(sid: str, data: Any) -> None:
        session_id = data.get("session_id") if isinstance(data, dict) else None
        if not isinstance(session_id, str) or session_id not in sio.rooms(sid, namespace=namespace):
            return  # not this socket's conversation
        try:
            agent = sio.get_environ(sid, namespace=namespace)["sanic.request"].app.ctx.agent
            tracker = await agent.tracker_store.retrieve_full_tracker(session_id)
        except Exception:  # noqa: BLE001 - the widget keeps what it has and asks again later
            logger.exception("transcript of %s could not be read", session_id)
            return
        events = [event.as_dict() for event in tracker.events] if tracker else []
        await sio.emit(
            TRANSCRIPT,
            {
                "session_id": session_id,
                "state": WITH_TEAM if tracker is not None and tracker.is_paused() else BOT,
                "messages": transcript(events),
            },
            room=sid,
            namespace=namespace,
        )

    sio.on(SYNC_REQUEST, sync_request, namespace=namespace)
