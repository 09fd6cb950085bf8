"""Rule-based entity extraction: order numbers, emails, postcodes, language names (regular
expressions) and products / return reasons (spaCy PhraseMatcher on lemmas).

Plain functions and one matcher class, usable without Rasa; the Rasa component in
`entity_rules.py` wraps them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from common.order_numbers import REFERENCE_FORMAT

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# UK postcode: outward code (A9, A99, A9A, AA9, AA99, AA9A) + inward code (9AA)
UK_POSTCODE_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*(\d[A-Za-z]{2})(?![A-Za-z0-9])"
)
# Order numbers: the one pattern, per store backend (common/order_numbers.py).
ORDER_NUMBER_RE = REFERENCE_FORMAT.pattern
# what introduces a postcode, in English, German ("PLZ", "Postleitzahl"), French ("code
# postal", "CP") and Spanish ("código postal", "CP", "C.P.")
_POSTCODE_WORDS = (
    r"(?:zip|zipcode|zip\s+code|post\s*code|postal\s+code|plz|postleitzahl|code\s+postal"
    r"|c\.?\s?p\.?|c[óo]digo\s+postal)"
)
ZIP_BEFORE_RE = re.compile(
    r"(?<!\w)" + _POSTCODE_WORDS + r"\s*(?:is|was|ist|lautet|est|c'est|es|:|=|-)?\s*(?:it'?s\s*)?$",
    re.IGNORECASE,
)
ZIP_AFTER_RE = re.compile(r"^\s*" + _POSTCODE_WORDS + r"(?![\w])", re.IGNORECASE)
# a continental address: "Hauptstraße 5, 10115 Berlin", "12 rue de la Paix, 75002 Paris",
# "Calle Mayor 5, 28013 Madrid": five digits after a comma and before a capitalised town
ADDRESS_BEFORE_RE = re.compile(r",\s*$")
TOWN_AFTER_RE = re.compile(r"^\s+[A-ZÀ-ÖØ-Þ][^\W\d_]{2,}")


# the four languages the assistant speaks, named in any of them ("English please",
# "auf Deutsch", "en français", "¿hablas inglés?"): entity `language`, value the ISO code
LANGUAGE_NAMES = {
    "en": ["english", "englisch", "anglais", "inglés", "ingles"],
    "de": ["german", "deutsch", "allemand", "alemán", "aleman"],
    "fr": ["french", "französisch", "franzoesisch", "français", "francais", "francés", "frances"],
    "es": ["spanish", "spanisch", "espagnol", "español", "espanol", "castellano"],
}
LANGUAGE_RE = re.compile(
    r"(?<![\w])(" + "|".join(n for names in LANGUAGE_NAMES.values() for n in names) + r")(?![\w])",
    re.IGNORECASE,
)
_LANGUAGE_OF = {n: code for code, names in LANGUAGE_NAMES.items() for n in names}


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int

    def as_rasa(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence_entity": 1.0,
        }


def find_emails(text: str) -> list[Entity]:
    return [
        Entity("email", m.group(0).rstrip("."), m.start(), m.start() + len(m.group(0).rstrip(".")))
        for m in EMAIL_RE.finditer(text)
    ]


def find_uk_postcodes(text: str) -> list[Entity]:
    found = []
    for m in UK_POSTCODE_RE.finditer(text):
        outward, inward = m.group(1), m.group(2)
        # "a1 2bc" style tokens must look like a postcode: reject pure-letter words
        # glued to digits such as sizes ("uk10 ...") by requiring the outward part to
        # be at most 4 characters (already in the regex) and the match not to sit
        # inside an email
        found.append(Entity("postcode", f"{outward.upper()} {inward.upper()}", m.start(), m.end()))
    return found


def find_numbers(text: str, order_numbers: re.Pattern[str] = ORDER_NUMBER_RE) -> list[Entity]:
    """Order-number-shaped numbers: a postcode (US ZIP, German, French, Spanish) when
    introduced as one or written inside an address, else an order number."""
    found = []
    for m in order_numbers.finditer(text):
        digits = m.group(1)
        start, end = m.start(1), m.end(1)
        before, after = text[: m.start()], text[end:]
        in_address = ADDRESS_BEFORE_RE.search(before) and TOWN_AFTER_RE.match(after)
        if ZIP_BEFORE_RE.search(before) or ZIP_AFTER_RE.search(after) or in_address:
            found.append(Entity("postcode", digits, start, end))
        else:
            found.append(Entity("order_number", digits, start, end))
    return found


def find_language_names(text: str) -> list[Entity]:
    return [
        Entity("language", _LANGUAGE_OF[m.group(1).lower()], m.start(), m.end())
        for m in LANGUAGE_RE.finditer(text)
    ]


def _overlaps(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


class PhraseEntityMatcher:
    """Finds catalogue products and return reasons, matching lower-cased lemmas, so
    "Sweaters" finds the product whose synonym is "sweater"."""

    def __init__(
        self,
        nlp: Language,
        *,
        products: dict[str, list[str]],
        return_reasons: dict[str, list[str]],
    ) -> None:
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.values: dict[str, tuple] = {}
        self._add("product", products)
        self._add("return_reason", return_reasons)

    def _add(self, entity: str, phrases_by_value: dict[str, list[str]]) -> None:
        for value, phrases in phrases_by_value.items():
            variants = set()
            for phrase in phrases:
                p = phrase.lower()
                variants.update({p, p.replace("'", ""), p.replace("-", " "), p.replace("-", "")})
            key = f"{entity}::{value}"
            self.values[key] = (entity, value)
            self.matcher.add(key, [self.nlp(v) for v in sorted(variants) if v.strip()])

    def find(self, text: str) -> list[Entity]:
        lowered = text.lower()
        if len(lowered) != len(text):  # keep character offsets valid
            lowered = text
        doc = self.nlp(lowered)
        spans = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            span.label_ = self.nlp.vocab.strings[match_id]
            spans.append(span)
        found = []
        for span in filter_spans(spans):  # longest match wins
            entity, value = self.values[span.label_]
            found.append(Entity(entity, value, span.start_char, span.end_char))
        return found


def extract_entities(
    text: str,
    matcher: PhraseEntityMatcher | None = None,
    *,
    order_numbers: re.Pattern[str] = ORDER_NUMBER_RE,
) -> list[Entity]:
    """All entities in `text`, without overlaps (emails, then postcodes, numbers, language
    names, then catalogue phrases)."""
    chosen: list[Entity] = []

    def add(candidates: Iterable[Entity]) -> None:
        for e in candidates:
            if not any(_overlaps(e, c) for c in chosen):
                chosen.append(e)

    add(find_emails(text))
    add(find_uk_postcodes(text))
    add(find_numbers(text, order_numbers))
    add(find_language_names(text))
    if matcher is not None:
        add(matcher.find(text))
    return sorted(chosen, key=lambda e: e.start)
