"""Every response the assistant can say exists in English, German, French and Spanish.

One source of truth per response: its variations in bot/domain/*.yml, the English one
without a condition (what an unset `language` slot gets) and one per other language with
a condition on the `language` slot. A new response without its translations fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DOMAIN = Path(__file__).resolve().parents[3] / "bot" / "domain"
OTHER_LANGUAGES = ("de", "fr", "es")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def responses() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        for name, variations in (yaml.safe_load(path.read_text()).get("responses") or {}).items():
            found[name] = variations
    return found


def language_of(variation: dict) -> str | None:
    conditions = variation.get("condition") or []
    codes = [c["value"] for c in conditions if c.get("type") == "slot" and c["name"] == "language"]
    assert len(codes) <= 1 and len(conditions) == len(codes), variation
    return codes[0] if codes else None


ALL = responses()


def test_there_are_responses_to_check():
    assert len(ALL) > 90


@pytest.mark.parametrize("name", sorted(ALL))
def test_response_has_every_language_with_the_same_placeholders_and_buttons(name):
    by_language: dict[str | None, list[dict]] = {}
    for variation in ALL[name]:
        by_language.setdefault(language_of(variation), []).append(variation)
    assert set(by_language) == {None, *OTHER_LANGUAGES}, f"{name}: {sorted(map(str, by_language))}"
    (english,) = by_language[None]
    for code in OTHER_LANGUAGES:
        (translated,) = by_language[code]
        assert translated["text"].strip()
        if re.search(r"[^\W\d_]", PLACEHOLDER.sub("", english["text"])):  # words to translate
            assert translated["text"] != english["text"], f"{name} ({code}) is the English text"
        assert set(PLACEHOLDER.findall(translated["text"])) == set(
            PLACEHOLDER.findall(english["text"])
        ), f"{name} ({code}) uses other placeholders than English"
        english_buttons = english.get("buttons") or []
        buttons = translated.get("buttons") or []
        assert [b["payload"] for b in buttons] == [b["payload"] for b in english_buttons]
        assert all(b["title"].strip() for b in buttons)
