"""Privacy in the widget, in a real browser: links only to the store and carriers, and a
shopper who types a card number is warned (the channel masks it before Rasa stores it)."""

from __future__ import annotations

from browser_chat import Chat, Shop
from playwright.sync_api import Page, expect


def test_foreign_links_are_plain_text_and_a_shared_card_is_warned_about(
    page: Page, shop: Shop
) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    chat.input.fill(
        "card 4111 1111 1111 1111, see https://evil.example/pay and "
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    chat.input.press("Enter")
    chat.expect_bot("never share card numbers")
    mine = chat.user_messages.last
    # The bubble and the transcript kept in the browser show it masked, like the server.
    expect(mine).to_contain_text("card [card number ending 1111], see")
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
    assert "4111 1111" not in stored and "4111111111111111" not in stored
    assert "[card number ending 1111]" in stored
    expect(mine.locator('a[href^="https://www.ups.com/track"]')).to_have_count(1)
    expect(mine.locator("a")).to_have_count(1)  # evil.example stays text
    expect(mine).to_contain_text("https://evil.example/pay")
