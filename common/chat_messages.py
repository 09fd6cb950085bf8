"""What a chat message looks like to the widget, shared by the Rasa side (which emits and
re-syncs messages) and the handoff service (which puts agent replies into the conversation).

Every message the widget shows has an id that is the same live and in a re-sync, so the
widget shows each message once: a shopper message keeps the id the widget gave it (its
`metadata.message_id`), a bot
message's id is derived from its event (timestamp and text), and a message the handoff
service adds carries its own id in the event's metadata.
"""

from __future__ import annotations

import hashlib

# Keys in a bot event's metadata (Rasa merges them into the message its output channel
# gets, and keeps them in the tracker).
MESSAGE_ID = "shopdesk_id"
SENDER = "shopdesk_from"  # "assistant" (default) or "agent"
AUTHOR = "shopdesk_author"  # the agent's name
CHAT_STATE = "chat_state"  # "with_team" while a person has the conversation, else "bot"

ASSISTANT, AGENT = "assistant", "agent"
WITH_TEAM, BOT = "with_team", "bot"


def bot_message_id(timestamp: float | None, text: str | None) -> str:
    """The id of a bot event's message: the same for the live emit and the re-sync (Rasa
    hands its output channel the text and the image of one event in separate calls, each
    with the event's timestamp)."""
    basis = f"{timestamp!r}\x00{text or ''}"
    return "b" + hashlib.sha256(basis.encode()).hexdigest()[:20]


def text_parts(text: str) -> list[str]:
    """Rasa's socket.io channel sends a text as one message per paragraph."""
    return text.strip().split("\n\n") or [text]


def part_id(message_id: str, index: int, count: int) -> str:
    return message_id if count == 1 else f"{message_id}.{index}"
