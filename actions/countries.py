"""Which countries a shopper's message names, as ISO 3166 codes (plain functions), in the
assistant's languages (en, de, fr, es).

Names: the ISO 3166 table that ships in the tzdata package (`iso3166.tab`, English), the
German, French and Spanish names from Babel's CLDR data, and everyday names neither uses
("UK", "USA", "Holland"); with and without accents. So "do you ship to canada?", "liefert
ihr nach Kanada?" and "¿envían a Canadá?" are answered for Canada instead of with the list
of countries the store serves, and the KPI report's "policy answered" means answered.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files

from babel import Locale

from actions.locale_format import join_names

LANGUAGES = ("en", "de", "fr", "es")

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
    "u.s.a.": "US",
    "america": "US",
    "the states": "US",
    "holland": "NL",
    # German, French, Spanish everyday names
    "england und wales": "GB",
    "großbritannien": "GB",
    "grossbritannien": "GB",
    "amerika": "US",
    "angleterre": "GB",
    "grande-bretagne": "GB",
    "amérique": "US",
    "hollande": "NL",
    "inglaterra": "GB",
    "gran bretaña": "GB",
    "ee. uu.": "US",
    "ee.uu.": "US",
    "eeuu": "US",
    "holanda": "NL",
}

# A country counts only as a destination: "ship to canada", "nach Österreich", "en France",
# "a México"; not a product ("a jersey"), a colour or a name. English words always count
# (shoppers mix them in), the others in the conversation's language; articles are skipped.
_BEFORE: dict[str, frozenset[str]] = {
    "en": frozenset({"to", "in", "into", "within", "outside", "for", "or", "and"}),
    "de": frozenset({"nach", "in", "ins", "für", "innerhalb", "außerhalb", "oder", "und"}),
    "fr": frozenset({"en", "au", "aux", "vers", "pour", "à", "dans", "hors", "ou", "et"}),
    "es": frozenset({"a", "al", "en", "para", "hacia", "dentro", "fuera", "o", "y"}),
}
_ARTICLES: dict[str, frozenset[str]] = {
    "en": frozenset({"the"}),
    "de": frozenset({"die", "den", "das", "der"}),
    "fr": frozenset({"le", "la", "les", "l'", "de"}),
    "es": frozenset({"el", "la", "los", "las", "de"}),
}
# Words a bare question may carry besides the country: "Canada?", "shipping to canada?".
_BARE = frozenset({"shipping", "delivery", "versand", "lieferung", "livraison", "envío", "envio"})
# English names the replies use instead of the ISO table's.
_ENGLISH = {"GB": "the United Kingdom", "US": "the United States", "NL": "the Netherlands"}


def _plain(text: str) -> str:
    """Lower case without accents: 'Österreich' and 'osterreich' read alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _iso_table() -> dict[str, str]:
    """ISO code -> English name, from tzdata's iso3166.tab."""
    table = files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    codes: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.partition("\t")
            codes[code] = name.strip()
    return codes


@cache
def country_names() -> dict[str, str]:
    """Plain (lower-case, unaccented) name in any of LANGUAGES -> ISO code."""
    names: dict[str, str] = {}
    for code, name in _iso_table().items():
        names.setdefault(_plain(re.sub(r"\s*\(.*\)", "", name).strip()), code)
        names.setdefault(_plain(name), code)
    for language in LANGUAGES[1:]:
        for code, name in Locale.parse(language).territories.items():
            if code in _iso_table():
                names.setdefault(_plain(name), code)
    names.update({_plain(name): code for name, code in ALIASES.items()})
    return names


@cache
def _pattern() -> re.Pattern[str]:
    alternatives = sorted(country_names(), key=len, reverse=True)
    return re.compile(
        r"(?<![\w.])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w])"
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.]+'?", text)


def named_countries(text: str, language: str | None = None) -> list[str]:
    """ISO codes of the destination countries `text` names, in the order first named; a
    message that is only a country ("Canada?", "shipping Canada?") names it too."""
    extra = language if language in LANGUAGES[1:] else "en"
    before_words = {_plain(w) for w in _BEFORE["en"] | _BEFORE[extra]}
    articles = {_plain(w) for w in _ARTICLES["en"] | _ARTICLES[extra]}
    plain = _plain(text)
    found: list[str] = []
    for match in _pattern().finditer(plain):
        before = _words(plain[: match.start()])
        if before and before[-1] in articles:
            before.pop()
        bare = all(word in _BARE for word in before) and not _words(plain[match.end() :])
        if not bare and (not before or before[-1] not in before_words):
            continue
        code = country_names()[match.group(1)]
        if code not in found:
            found.append(code)
    return found


def display_name(code: str, language: str = "en") -> str:
    """The country's name for a reply in `language`: 'the United Kingdom', 'Kanada'."""
    if language in LANGUAGES[1:]:
        return Locale.parse(language).territories.get(code, code)
    return _ENGLISH.get(code) or _iso_table().get(code) or code


def joined(codes: list[str], language: str = "en") -> str:
    """'Ireland and France', 'Irland und Frankreich'."""
    return join_names([display_name(code, language) for code in codes], language=language)
