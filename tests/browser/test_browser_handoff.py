"""Two-way handoff in a real browser: a shopper escalates in the widget, an agent answers
from the built-in inbox, the answer shows in the open chat (from "Sam (our team)") and
after a reload, replies missed while offline or with the chat closed arrive once, and
solving the ticket hands the chat back to the bot."""

from __future__ import annotations

import re
import time

import httpx
from browser_chat import BOT_TIMEOUT_MS, Chat, Shop, artifact
from playwright.sync_api import Page, expect

from tests.support.stack import ShopdeskStack

REFERENCE = re.compile(r"SD-[A-Z0-9]{6}")
# The promise: an agent's reply is in the open widget within 2 s.
REPLY_WITHIN_MS = 2_000


def session_id(page: Page, shop: Shop) -> str:
    key = f"shopdesk:{shop.rasa_url}:session"
    value = page.evaluate("key => window.localStorage.getItem(key)", key)
    assert value, "the widget has no session yet"
    return str(value)


def ticket_of(shopdesk: ShopdeskStack, conversation: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = httpx.get(f"{shopdesk.helpdesk_url}/api/tickets",
                          params={"conversation_id": conversation},
                          auth=shopdesk.helpdesk_auth, timeout=10).json()
        if found:
            return dict(found[0])
        time.sleep(0.3)
    raise AssertionError(f"no ticket for {conversation}")


def reply(shopdesk: ShopdeskStack, ticket_id: object, body: str) -> None:
    answered = httpx.post(f"{shopdesk.helpdesk_url}/api/tickets/{ticket_id}/replies",
                          json={"body": body, "author": "Sam"},
                          auth=shopdesk.helpdesk_auth, timeout=10)
    assert answered.status_code == 201, answered.text


def comment_on_ticket(shopdesk: ShopdeskStack, ticket_id: object, text: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        detail = httpx.get(f"{shopdesk.helpdesk_url}/api/tickets/{ticket_id}",
                           auth=shopdesk.helpdesk_auth, timeout=10).json()
        if any(text in c["body"] for c in detail["comments"]):
            return
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never reached ticket {ticket_id}")


def test_agent_replies_reach_the_widget_survive_reloads_and_solve_hands_back(
    page: Page, shop: Shop, shopdesk: ShopdeskStack
) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    chat.say("I want to talk to a person")
    chat.expect_bot(re.compile(r"which email address", re.IGNORECASE))
    chat.say("robin@example.com")
    chat.expect_bot(re.compile(r"in one line", re.IGNORECASE))
    chat.say("My parcel arrived damaged")
    chat.expect_bot(REFERENCE)
    reference = REFERENCE.search(chat.bot_messages.last.inner_text())
    assert reference is not None
    team_note = page.get_by_text("A person from our team has this conversation")
    expect(team_note).to_be_visible()
    ticket = ticket_of(shopdesk, session_id(page, shop))

    # While a person has the chat: no typing dots, and one "added to your request" per burst.
    chat.say("It's the blue one")
    expect(page.locator("shopdesk-widget .sd-typing")).to_be_hidden()
    added = chat.bot_messages.filter(has_text=f"Added to your request {reference.group(0)}")
    expect(added).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    chat.say("and the box was wet")
    expect(page.locator("shopdesk-widget .sd-typing")).to_be_hidden()
    comment_on_ticket(shopdesk, ticket["id"], "and the box was wet")

    # The agent answers in the inbox: in the open chat within 2 s, from "Sam (our team)".
    reply(shopdesk, ticket["id"], "Hi, Sam here. Sorry about that, a new one ships today.")
    answer = chat.log.locator("[data-from=agent]").filter(has_text="a new one ships today")
    expect(answer).to_be_visible(timeout=REPLY_WITHIN_MS)
    expect(answer).to_contain_text("Sam (our team)")
    expect(added).to_have_count(1)  # the second message of the burst was not acknowledged
    page.screenshot(path=str(artifact("handoff_agent_reply")))

    # A reload shows the conversation as it is on the server, each message once.
    page.reload()
    chat.wait_online()
    expect(answer).to_have_count(1)
    expect(team_note).to_be_visible()

    # Offline while the agent answers: the answer arrives once the widget is back.
    page.context.set_offline(True)
    expect(page.get_by_role("status").filter(has_text="Connection lost")).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    reply(shopdesk, ticket["id"], "Tracking number: 1Z999AA10123456784")
    page.context.set_offline(False)
    chat.wait_online()
    missed = chat.log.locator("[data-from=agent]").filter(has_text="Tracking number")
    expect(missed).to_have_count(1, timeout=BOT_TIMEOUT_MS)

    # The chat is closed when the next answer comes: a badge, and it is announced.
    page.get_by_role("button", name="Close chat").click()
    expect(chat.panel).to_be_hidden()
    reply(shopdesk, ticket["id"], "Anything else I can do?")
    expect(page.get_by_role("button", name=re.compile(r"1 unread"))).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    expect(page.locator("shopdesk-widget .sd-badge")).to_have_text("1")
    announced = page.get_by_role("status").filter(has_text="New message from Sam (our team)")
    expect(announced).to_have_count(1)
    page.screenshot(path=str(artifact("handoff_unread_badge")))
    chat.open()
    expect(page.locator("shopdesk-widget .sd-badge")).to_be_hidden()

    # The agent solves the ticket: the shopper is told, and the bot answers again.
    solved = httpx.post(f"{shopdesk.helpdesk_url}/api/tickets/{ticket['id']}/solve",
                        auth=shopdesk.helpdesk_auth, timeout=10)
    assert solved.status_code == 200
    chat.expect_bot(f"Our team has marked your request {reference.group(0)} as solved")
    expect(team_note).to_be_hidden()
    chat.say("hi")
    expect(chat.quick_reply("Where is my order?")).to_be_visible(timeout=BOT_TIMEOUT_MS)
    page.screenshot(path=str(artifact("handoff_solved")))
