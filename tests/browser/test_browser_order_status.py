"""A shopper asks the storefront's chat widget where an order is (real Rasa, actions, store)."""

from __future__ import annotations

import json
import re
import time

import jwt
from browser_chat import BOT_TIMEOUT_MS, Chat, Shop
from playwright.sync_api import Page, expect

from tests.support.stack import ShopdeskStack

ORDER = "10023"
EMAIL = "jo@example.com"
TRACKING_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
# The bot's wording belongs to the domain; match the questions, not the phrasing.
ASKS_EMAIL = re.compile(r"email[^.!]*\?", re.IGNORECASE)
ASKS_ORDER = re.compile(r"order number\?", re.IGNORECASE)


def bot_messages_once_listening(shopdesk: ShopdeskStack, sender: str) -> int:
    """The bot messages in Rasa's tracker of `sender` (read through the token-protected
    HTTP API), once its turn is over."""
    deadline = time.monotonic() + BOT_TIMEOUT_MS / 1000
    while True:
        tracker = shopdesk.tracker(sender)
        if tracker.get("latest_action_name") == "action_listen":
            return sum(1 for event in tracker["events"] if event.get("event") == "bot")
        if time.monotonic() > deadline:
            raise AssertionError(f"the turn of {sender} never ended")
        time.sleep(0.1)


def verify_by_typing(chat: Chat) -> None:
    chat.say(f"Where is my order {ORDER}?")
    chat.expect_bot(ASKS_EMAIL)
    chat.say(EMAIL)
    expect(chat.tracking_link().last).to_be_visible(timeout=BOT_TIMEOUT_MS)


def test_order_status_verified_by_typing(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    verify_by_typing(chat)

    link = chat.tracking_link().last
    expect(link).to_have_attribute("href", TRACKING_URL)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    # The host page styles every <button> in upper case; the widget is not affected.
    send = page.get_by_role("button", name="Send")
    assert send.evaluate("el => getComputedStyle(el).textTransform") == "none"


def test_order_status_verified_by_buttons(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    chat.say("hi")
    chat.quick_reply("Where is my order?").click()

    # The button's title is shown as the shopper's message and the buttons are gone.
    expect(chat.user_messages.last).to_have_text(re.compile(r"Where is my order\?$"))
    expect(page.get_by_role("group", name="Suggested replies")).to_have_count(0)
    chat.expect_bot(ASKS_ORDER)
    chat.say(ORDER)
    chat.expect_bot(ASKS_EMAIL)
    chat.say(EMAIL)
    expect(chat.tracking_link().last).to_have_attribute(
        "href", TRACKING_URL, timeout=BOT_TIMEOUT_MS
    )


def test_reload_shows_history_and_continues_the_conversation(
    page: Page, shop: Shop, shopdesk: ShopdeskStack
) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    verify_by_typing(chat)
    session_id = page.evaluate(
        "Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]"
    )
    # The turn is over when Rasa listens again; every bot message it sent is then shown
    # (after the widget's own greeting, when the page configures one).
    greeting = page.evaluate("Boolean(window.ShopdeskConfig && window.ShopdeskConfig.greeting)")
    expect(chat.bot_messages).to_have_count(
        bot_messages_once_listening(shopdesk, session_id) + int(greeting), timeout=BOT_TIMEOUT_MS
    )
    before = chat.log.locator("[data-from]").all_inner_texts()

    page.reload()
    chat = Chat(page)
    expect(chat.panel).to_be_visible()  # still open after the reload
    expect(chat.log.locator("[data-from]")).to_have_count(len(before))
    assert chat.log.locator("[data-from]").all_inner_texts() == before
    chat.wait_online()

    # Navigating within the store keeps it too; the same Rasa conversation continues:
    # the shopper is still verified for the order, so no questions this time.
    page.get_by_role("link", name="Shop", exact=True).click()
    chat = Chat(page)
    expect(chat.log.locator("[data-from]")).to_have_count(len(before))
    chat.wait_online()
    asked_before = chat.bot_messages.filter(has_text=ASKS_EMAIL).count()
    chat.say(f"And where is order {ORDER} now?")
    expect(chat.tracking_link()).to_have_count(2, timeout=BOT_TIMEOUT_MS)
    assert chat.bot_messages.filter(has_text=ASKS_EMAIL).count() == asked_before
    assert (
        page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]")
        == session_id
    )


def test_logged_in_customer_skips_verification(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/account/orders")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    chat = Chat(page)
    chat.open()
    chat.say(f"Where is my order {ORDER}?")
    expect(chat.tracking_link().last).to_have_attribute(
        "href", TRACKING_URL, timeout=BOT_TIMEOUT_MS
    )
    expect(chat.bot_messages.filter(has_text=ASKS_EMAIL)).to_have_count(0)
    expect(chat.bot_messages.filter(has_text=ASKS_ORDER)).to_have_count(0)


def test_forged_identity_token_is_ignored(page: Page, shop: Shop) -> None:
    """A token not signed with the store's secret is never trusted: normal verification applies."""
    forged = jwt.encode(
        {
            "iss": "shopdesk-store",
            "sub": "1",
            "email": EMAIL,
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
        },
        "an-attacker-chosen-secret-0123456789abcdef",
        algorithm="HS256",
    )

    # Swap the token the page hands to the widget (as a tampering shopper could). Done in
    # the page rather than by rewriting the response: Chromium treats a rewritten document
    # as non-local and would then block its requests to the loopback Rasa server.
    page.add_init_script(
        f"""Object.defineProperty(window, "ShopdeskConfig", {{
            configurable: true,
            set(config) {{
                config.identityToken = {json.dumps(forged)};
                this.__shopdeskConfig = config;
            }},
            get() {{ return this.__shopdeskConfig; }},
        }});"""
    )
    page.goto(shop.storefront_url + "/account/orders")
    chat = Chat(page)
    chat.open()
    chat.say(f"Where is my order {ORDER}?")
    chat.expect_bot(ASKS_EMAIL)
    expect(chat.tracking_link()).to_have_count(0)
    assert page.evaluate("window.Shopdesk.widget !== null")
    assert page.evaluate("window.ShopdeskConfig.identityToken") == forged
