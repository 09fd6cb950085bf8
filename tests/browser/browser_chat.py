"""Small helpers that speak the widget's accessible names, like a shopper would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"

# A reply takes well under a second; the first message of a session also runs
# action_session_start, and CI machines are slow.
BOT_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Shop:
    storefront_url: str
    rasa_url: str
    store_url: str


def artifact(name: str) -> Path:
    """Where a screenshot named ``name`` goes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


class Chat:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name="Open chat with the shop assistant")
        self.panel = page.get_by_role("dialog")
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_role("textbox", name="Your message")
        self.host = page.locator("shopdesk-widget")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        self.wait_online()

    def wait_online(self) -> None:
        expect(self.host).to_have_attribute("data-status", "online", timeout=BOT_TIMEOUT_MS)

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_messages.last).to_contain_text(text)

    @property
    def user_messages(self) -> Locator:
        return self.log.locator("[data-from=user]")

    @property
    def bot_messages(self) -> Locator:
        return self.log.locator("[data-from=bot]")

    def expect_bot(self, pattern: str | re.Pattern[str]) -> None:
        expect(self.bot_messages.filter(has_text=pattern).last).to_be_visible(
            timeout=BOT_TIMEOUT_MS
        )

    def quick_reply(self, title: str) -> Locator:
        return self.page.get_by_role("group", name="Suggested replies").get_by_role(
            "button", name=title
        )

    def tracking_link(self) -> Locator:
        return self.log.locator('a[href^="https://www.ups.com/track"]')
