"""The languages the assistant speaks, by ISO 639-1 code, with their names in English (what
an agent reading a ticket or an alert sees)."""

from __future__ import annotations

ENGLISH_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}
LANGUAGES = tuple(ENGLISH_NAMES)
DEFAULT_LANGUAGE = "en"


def language_label(code: str | None) -> str:
    """'German (de)' for an agent; the code itself when it is not one of ours."""
    if not code:
        return "unknown"
    name = ENGLISH_NAMES.get(code)
    return f"{name} ({code})" if name else code
