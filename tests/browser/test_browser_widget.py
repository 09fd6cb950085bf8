"""The widget itself in a real browser: safety, keyboard use, reconnects, phone layout."""

from __future__ import annotations

import re

from browser_chat import BOT_TIMEOUT_MS, Chat, Shop, artifact
from playwright.sync_api import Browser, Page, expect

XSS = (
    '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    " [win](javascript:window.__xss=3)"
)


def _deep_active_label(page: Page) -> str:
    return page.evaluate(
        """() => {
            let el = document.activeElement;
            while (el && el.shadowRoot && el.shadowRoot.activeElement) {
                el = el.shadowRoot.activeElement;
            }
            return el ? (el.getAttribute('aria-label') || el.textContent || el.tagName).trim() : '';
        }"""
    )


def test_untrusted_text_is_rendered_as_text(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    chat.say(XSS)
    expect(chat.bot_messages.nth(1)).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )  # the bot answered something

    expect(chat.user_messages.last).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(chat.log.locator("img")).to_have_count(0)
    expect(chat.log.locator("script")).to_have_count(0)
    expect(chat.log.locator('a[href^="javascript:"]')).to_have_count(0)
    assert page.evaluate("window.__xss") is None


def test_keyboard_only_conversation(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    for _ in range(30):  # Tab through the store page to the chat launcher
        page.keyboard.press("Tab")
        if _deep_active_label(page) == "Open chat with the shop assistant":
            break
    else:
        raise AssertionError("the chat launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.log).to_have_attribute("aria-live", "polite")
    chat.wait_online()

    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    expect(chat.quick_reply("Where is my order?")).to_be_visible(timeout=BOT_TIMEOUT_MS)
    for _ in range(10):  # back from the input to the suggested replies
        page.keyboard.press("Shift+Tab")
        if _deep_active_label(page) == "Where is my order?":
            break
    else:
        raise AssertionError("quick replies are not reachable with Shift+Tab")
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()  # focus moved on: the pressed button is gone
    chat.expect_bot(re.compile(r"order number\?", re.IGNORECASE))
    page.keyboard.type("10023")
    page.keyboard.press("Enter")
    chat.expect_bot(re.compile(r"email[^.!]*\?", re.IGNORECASE))
    page.keyboard.type("jo@example.com")
    page.keyboard.press("Enter")
    expect(chat.tracking_link().last).to_be_visible(timeout=BOT_TIMEOUT_MS)

    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")


def test_offline_messages_are_queued_and_sent_on_reconnect(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    page.context.set_offline(True)
    expect(page.get_by_role("status").filter(has_text="Connection lost, retrying")).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    chat.say("hi")
    expect(chat.log.get_by_text("Will be sent when the connection is back")).to_be_visible()
    page.screenshot(path=str(artifact("offline_queued")))

    page.context.set_offline(False)
    chat.wait_online()
    expect(chat.log.get_by_text("Will be sent when the connection is back")).to_have_count(0)
    expect(chat.quick_reply("Where is my order?")).to_be_visible(timeout=BOT_TIMEOUT_MS)
    expect(page.get_by_role("status").filter(has_text="Connection lost")).to_have_count(0)


def test_phone_layout_375px(browser: Browser, shop: Shop) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(shop.storefront_url + "/")
        chat = Chat(page)
        chat.launcher.tap()
        expect(chat.panel).to_be_visible()
        chat.wait_online()
        box = chat.panel.bounding_box()
        assert box is not None and box["x"] == 0 and box["width"] == 375 and box["height"] == 667
        chat.say("hi")
        reply = chat.quick_reply("Where is my order?")
        expect(reply).to_be_visible(timeout=BOT_TIMEOUT_MS)
        reply_box = reply.bounding_box()
        assert reply_box is not None and reply_box["height"] >= 40  # a comfortable touch target
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(artifact("phone_layout_375px")))
        page.get_by_role("button", name="Close chat").tap()
        expect(chat.launcher).to_be_visible()
    finally:
        context.close()


def test_colours_have_sufficient_contrast(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    chat.say("hi")
    expect(chat.quick_reply("Where is my order?")).to_be_visible(timeout=BOT_TIMEOUT_MS)
    pairs = {
        "send button": page.get_by_role("button", name="Send"),
        "shopper bubble": chat.user_messages.last.locator(".sd-bubble"),
        "bot bubble": chat.bot_messages.last.locator(".sd-bubble"),
        "quick reply": chat.quick_reply("Where is my order?"),
        "header": page.get_by_role("heading", name="Shopdesk Demo Store help"),
    }
    for name, locator in pairs.items():
        ratio = locator.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f} < 4.5"


CONTRAST_JS = """el => {
    const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
        const f = v => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let bgEl = el;
    let bg = getComputedStyle(bgEl).backgroundColor;
    while (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent') {
        bgEl = bgEl.parentElement || bgEl.getRootNode().host;
        bg = getComputedStyle(bgEl).backgroundColor;
    }
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_two_tabs_share_one_conversation(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    first = Chat(page)
    first.open()
    other_tab = page.context.new_page()
    try:
        other_tab.goto(shop.storefront_url + "/account/orders")
        second = Chat(other_tab)
        second.open()  # connected too: it receives the bot's replies as well

        first.say("hi")
        expect(first.quick_reply("Where is my order?")).to_be_visible(timeout=BOT_TIMEOUT_MS)
        # The other tab shows the same conversation, each message once.
        expect(second.user_messages.filter(has_text="hi")).to_have_count(1, timeout=BOT_TIMEOUT_MS)
        expect(second.quick_reply("Where is my order?")).to_be_visible()
        # A later exchange seen by both tabs: a copy of anything before it would have
        # arrived first (one connection delivers in order).
        first.say("what is your return policy?")
        for chat in (first, second):
            expect(chat.bot_messages.filter(has_text="30 days")).to_have_count(
                1, timeout=BOT_TIMEOUT_MS)
        assert (
            second.log.locator("[data-from]").all_inner_texts()
            == first.log.locator("[data-from]").all_inner_texts()
        )
        other_tab.screenshot(path=str(artifact("two_tabs_other_tab")))
    finally:
        other_tab.close()


def test_widget_css_stays_inside_its_shadow_root(page: Page, shop: Shop) -> None:
    page.goto(shop.storefront_url + "/")
    chat = Chat(page)
    chat.open()
    assert page.evaluate("document.querySelector('shopdesk-widget').shadowRoot !== null")
    # No widget styles or elements in the host document itself.
    assert page.evaluate("[...document.querySelectorAll('style')].length") == 0
    assert page.evaluate("document.querySelectorAll('[class^=sd-]').length") == 0
    # Host-page styles do not reach inside: `button {text-transform: uppercase}` and
    # `div {line-height: 2.2}` on the storefront leave the widget alone.
    send = page.get_by_role("button", name="Send")
    assert send.evaluate("el => getComputedStyle(el).textTransform") == "none"
    host_div = page.evaluate("getComputedStyle(document.querySelector('div')).lineHeight")
    widget_div = chat.log.evaluate("el => getComputedStyle(el).lineHeight")
    assert widget_div == "21px" != host_div  # the widget's own 15px × 1.4
