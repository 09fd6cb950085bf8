"""A German page (<html lang="de">): the widget speaks German, tells the assistant the page's
language, and the assistant answers in German (real Rasa, actions, store)."""

from __future__ import annotations

import re

from browser_chat import BOT_TIMEOUT_MS, Shop
from playwright.sync_api import Page, expect

TRACKING_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
# The demo storefront is an English page: make it a German one as the browser builds it,
# before the widget's script runs. (Serving a rewritten page through Playwright instead
# makes Chromium treat it as a public page that may not call the loopback Rasa server.)
GERMAN_PAGE = """
new MutationObserver((_, observer) => {
  if (document.documentElement) {
    document.documentElement.lang = "de";
    observer.disconnect();
  }
}).observe(document, { childList: true });
"""


def test_german_page_gets_german_answers(page: Page, shop: Shop) -> None:
    page.add_init_script(GERMAN_PAGE)
    page.goto(shop.storefront_url + "/")
    assert page.evaluate("document.documentElement.lang") == "de"

    page.get_by_role("button", name="Chat mit dem Shop-Assistenten öffnen").click()
    host = page.locator("shopdesk-widget")
    expect(host).to_have_attribute("data-status", "online", timeout=BOT_TIMEOUT_MS)
    log = page.get_by_role("log", name="Unterhaltung")
    box = page.get_by_role("textbox", name="Ihre Nachricht")

    # An English first message on a German page: the page's language decides.
    box.fill("hi")
    box.press("Enter")
    bot = log.locator("[data-from=bot]")
    expect(bot.filter(has_text="Was kann ich für Sie tun?").last).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    suggestions = page.get_by_role("group", name="Antwortvorschläge")
    suggestions.get_by_role("button", name="Wo ist meine Bestellung?").click()
    expect(bot.filter(has_text=re.compile("Bestellnummer")).last).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    box.fill("10023")
    box.press("Enter")
    expect(bot.filter(has_text="E-Mail-Adresse").last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    box.fill("jo@example.com")
    box.press("Enter")
    expect(bot.filter(has_text="unterwegs mit UPS").last).to_be_visible(timeout=BOT_TIMEOUT_MS)
    expect(log.locator(f'a[href="{TRACKING_URL}"]').last).to_be_visible()
