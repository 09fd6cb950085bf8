"""Which countries a shopper's message names, as ISO 3166 codes (plain functions).

Names come from the ISO 3166 table that ships in the tzdata package (`iso3166.tab`), plus
the everyday names it does not use ("UK", "USA", "England"), so "do you ship to canada?"
can be answered for Canada instead of with the list of countries the store serves.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

ALIASES: dict[str, str] = {
    "uk": "GB",
    "u.k.": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.": "US",
    "america": "US",
    "the states": "US",
    "holland": "NL",
}


@cache
def country_names() -> dict[str, str]:
    """Lower-case name -> ISO code; a code's display name is `display_name`."""
    table = files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        code, _, name = line.partition("\t")
        base = re.sub(r"\s*\(.*\)", "", name).strip().lower()
        names.setdefault(base, code)
        names.setdefault(name.strip().lower(), code)
    names.update(ALIASES)
    return names


@cache
def _pattern() -> re.Pattern[str]:
    alternatives = sorted(country_names(), key=len, reverse=True)
    return re.compile(
        r"(?<![\w.])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w])"
    )


# A country counts only as a destination: "ship to canada", "delivery in the uk", "to
# france or germany"; not a product ("a jersey"), a colour or a name.
_BEFORE = frozenset({"to", "in", "into", "within", "outside", "for", "or", "and"})


def named_countries(text: str) -> list[str]:
    """ISO codes of the destination countries `text` names, in the order first named."""
    lowered = text.lower()
    found: list[str] = []
    for match in _pattern().finditer(lowered):
        words = re.findall(r"[\w.']+", lowered[: match.start()])
        if words and words[-1] == "the":
            words.pop()
        if not words or words[-1] not in _BEFORE:
            continue
        code = country_names()[match.group(1)]
        if code not in found:
            found.append(code)
    return found


def display_name(code: str) -> str:
    """'Canada', 'the United Kingdom' style names for a reply."""
    special = {"GB": "the United Kingdom", "US": "the United States", "NL": "the Netherlands"}
    if code in special:
        return special[code]
    table = {c: n for n, c in country_names().items()}
    return (table.get(code) or code).title()
