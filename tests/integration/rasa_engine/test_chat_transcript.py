"""The widget's message ids inside Rasa: what the socket.io output emits live for a bot event
(through Rasa's own `OutputChannel.send_response`, as the processor calls it) has the same ids
and texts as the re-sync builds from the same event as the tracker store keeps it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.events import BotUttered, Event, UserUttered

from bot.chat_transcript import TranscriptOutput, transcript


class RecordingServer:
    """Stands in for python-socketio's server: records what would be emitted, and where."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any = None, room: str = "", **kwargs: Any) -> None:
        self.emitted.append((event, data, room))


def stored(event: Event) -> dict[str, Any]:
    """The event as the tracker store gives it back (JSON round trip)."""
    return json.loads(json.dumps(event.as_dict()))


def live(event: BotUttered) -> list[dict[str, Any]]:
    """What the socket.io output emits for the event (the engine's env has no async plugin
    for pytest: each call runs its own loop)."""
    server = RecordingServer()
    output = TranscriptOutput(server, "bot_uttered")
    asyncio.run(output.send_response("s1", event.message()))
    assert {room for _, _, room in server.emitted} == {"s1"}
    return [data for _, data, _ in server.emitted]


def test_live_and_resynced_messages_have_the_same_ids() -> None:
    menu = create_bot_utterance({
        "text": "Hi! I can help.\n\nWhat do you need?",
        "buttons": [{"title": "Where is my order?", "payload": "/order_status"}],
        "utter_action": "utter_greet",
    })
    picture = create_bot_utterance({"text": "Here it is", "image": "https://example.com/a.png"})
    emitted = live(menu) + live(picture)
    clicked = UserUttered("/order_status", input_channel="socketio",
                          metadata={"message_id": "w1d2g3e4t5"})
    resynced = transcript([stored(menu), stored(clicked), stored(picture)])

    assert [(m["id"], m.get("text")) for m in emitted] == [
        (m["id"], m.get("text")) for m in resynced if m["from"] != "user"
    ]
    assert [m.get("text") for m in emitted] == [
        "Hi! I can help.", "What do you need?", "Here it is", None
    ]
    assert len({m["id"] for m in emitted}) == 4
    assert emitted[1]["quick_replies"] == [
        {"title": "Where is my order?", "payload": "/order_status"}
    ]
    assert emitted[3]["attachment"]["payload"]["src"] == "https://example.com/a.png"
    # The shopper's click is shown by the button's title, with the widget's own id.
    (user,) = [m for m in resynced if m["from"] == "user"]
    assert (user["id"], user["text"]) == ("w1d2g3e4t5", "Where is my order?")


def test_an_agent_reply_keeps_its_id_author_and_state() -> None:
    reply = BotUttered(
        "Sam here: it ships today.",
        metadata={"shopdesk_id": "hm7", "shopdesk_from": "agent", "shopdesk_author": "Sam",
                  "chat_state": "with_team"},
        timestamp=1795428000.5,
    )
    (emitted,) = live(reply)
    assert emitted == {"id": "hm7", "from": "agent", "author": "Sam", "state": "with_team",
                       "at": 1795428000500, "text": "Sam here: it ships today."}
    assert transcript([stored(reply)]) == [emitted]


def test_what_the_resync_leaves_out() -> None:
    external = UserUttered("EXTERNAL: EXTERNAL_reminder", message_id="x1")
    restart = UserUttered("/restart", message_id="x2")  # no button offered it
    said = UserUttered("hello", message_id="u1", timestamp=10.0)
    messages = transcript([stored(external), stored(restart), stored(said)])
    assert messages == [{"id": "u1", "from": "user", "text": "hello", "at": 10000}]
    many = [stored(UserUttered(f"m{n}", message_id=f"id{n}")) for n in range(250)]
    assert [m["text"] for m in transcript(many)][:1] == ["m50"]
    assert len(transcript(many)) == 200
