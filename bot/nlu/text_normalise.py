"""Text normalisation shared by the intent classifier and its benchmarks."""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LONG_NUMBER_RE = re.compile(r"\d{3,}")


def normalise_for_intent(text: str) -> str:
    """Replaces identifiers by placeholders, so that the intent model learns from the
    words around an order number or an email rather than from its digits."""
    text = EMAIL_RE.sub(" email ", text)
    text = LONG_NUMBER_RE.sub(" number ", text)
    return " ".join(text.split())
