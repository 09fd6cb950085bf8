"""The widget's retry path in Chromium, against the real stack: while the conversation store
cannot be used (the test holds Rasa's tracker database locked), each attempt at a message is
answered with `shopdesk_retry` and the widget sends it again with the same message id,
waiting longer each time; from the third attempt the shopper reads that the chat is
reconnecting, while the connection itself stays up. Once the store is back the message is
answered, and it is stored once. Every wait is for something the page or the database shows.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid

from browser_chat import BOT_TIMEOUT_MS, Chat, Shop
from playwright.sync_api import Page, expect

from tests.support.stack import ShopdeskStack

RECONNECTING = "Connection lost, retrying"  # the widget's English `offline` string
# Each attempt waits for SQLite's lock (5 s) before it fails; the third comes after 1 + 2 s
# of backoff: bounded, never measured.
RETRIES_SHOWN_WITHIN_MS = 90_000


def _stored_user_messages(tracker_db: str, marker: str) -> list[dict]:
    with sqlite3.connect(tracker_db) as conn:
        rows = conn.execute(
            "SELECT data FROM events WHERE type_name = 'user' AND data LIKE ?", (f"%{marker}%",)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_a_message_the_store_cannot_take_is_resent_with_its_id_and_stored_once(
    page: Page, shop: Shop, shopdesk: ShopdeskStack
) -> None:
    chat = Chat(page)
    page.goto(shop.storefront_url)
    chat.open()
    marker = uuid.uuid4().hex[:12]
    text = f"what is your return policy? ref {marker}"
    tracker_db = str(shopdesk.workdir / "tracker.db")
    answered_before = chat.bot_messages.count()

    holder = sqlite3.connect(tracker_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # Rasa can neither read nor write a conversation now
    try:
        chat.say(text)
        expect(page.get_by_role("status").filter(has_text=RECONNECTING)).to_be_visible(
            timeout=RETRIES_SHOWN_WITHIN_MS
        )
        expect(chat.host).to_have_attribute("data-status", "online")  # the retry path
        assert _stored_user_messages_while_locked(holder, marker) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    expect(chat.bot_messages).not_to_have_count(answered_before, timeout=BOT_TIMEOUT_MS)
    expect(page.get_by_role("status").filter(has_text=RECONNECTING)).to_have_count(0)
    stored = _stored_user_messages(tracker_db, marker)
    assert [event["text"] for event in stored] == [text]  # once, whatever the attempts
    message_id = stored[0]["metadata"]["message_id"]
    assert re.fullmatch(r"[\w-]{8,128}", message_id), message_id


def _stored_user_messages_while_locked(holder: sqlite3.Connection, marker: str) -> int:
    """What the tracker holds of the message while the test holds the lock (its own reads
    go through)."""
    (count,) = holder.execute(
        "SELECT count(*) FROM events WHERE type_name = 'user' AND data LIKE ?", (f"%{marker}%",)
    ).fetchone()
    return int(count)
