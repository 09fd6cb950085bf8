"""The assistant's own words for what the handoff service tells the shopper in the chat
("added to your request", "solved", ...), read from the domain's responses
(`bot/domain/handoff.yml`), so they are written, translated and checked in one place.

A response may have several variations: one whose condition is the `language` slot equal
to the shopper's language wins, else the first without a condition. `{name}` placeholders
are filled from the values given; unknown ones are left as they are (as Rasa does).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from common.paths import ROOT

DOMAIN_FILE = ROOT / "bot" / "domain" / "handoff.yml"
LANGUAGE_SLOT = "language"


class ResponseMissing(LookupError):
    """The domain has no usable variation of a response the handoff service sends."""


class _Leave(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Responses:
    variations: Mapping[str, tuple[dict[str, Any], ...]]

    @classmethod
    def load(cls, path: Path = DOMAIN_FILE) -> Responses:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found = data.get("responses") or {}
        return cls({name: tuple(v for v in items if isinstance(v, dict))
                    for name, items in found.items() if isinstance(items, list)})

    def render(self, name: str, *, language: str | None = None, **values: object) -> str:
        variation = _pick(self.variations.get(name, ()), language)
        if variation is None or not isinstance(variation.get("text"), str):
            raise ResponseMissing(f"response {name!r} has no text variation")
        return string.Formatter().vformat(variation["text"], (), _Leave(values))

    def require(self, *names: str) -> None:
        """Fail at start-up, naming it, if a response the service sends is missing."""
        for name in names:
            self.render(name)


def _pick(variations: tuple[dict[str, Any], ...], language: str | None) -> dict[str, Any] | None:
    default = None
    for variation in variations:
        condition = variation.get("condition") or []
        if not condition:
            default = default or variation
            continue
        wanted = {
            c.get("value")
            for c in condition
            if isinstance(c, dict) and c.get("type") == "slot" and c.get("name") == LANGUAGE_SLOT
        }
        if language and language in wanted and len(condition) == 1:
            return variation
    return default
