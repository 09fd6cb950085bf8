"""Order numbers as the store's platform shows them to shoppers: the one pattern.

The reference store numbers orders with exactly 5 digits ("10023"); Shopify names them with
4 or more digits and a prefix and suffix the store configures ("#1001", "SD-1001-EU").
What a conversation keeps (slots, proofs, replies) is the digits alone; the platform's
adapter adds its prefix and suffix when it asks the platform. The NLU's entity extractor,
the action server's validators and the adapters all read this module; the backend comes
from `SHOPDESK_STORE_BACKEND` (read once at start-up by each process).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

BACKENDS = ("reference", "shopify")
DEFAULT_BACKEND = "reference"
_ANY_DIGITS = re.compile(r"\d")


class BackendSettingError(ValueError):
    """SHOPDESK_STORE_BACKEND names no known backend; the message names the setting."""


def store_backend(env: Mapping[str, str]) -> str:
    """`SHOPDESK_STORE_BACKEND`: `reference` (default) or `shopify`."""
    backend = env.get("SHOPDESK_STORE_BACKEND", "").strip().lower() or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise BackendSettingError(
            f"SHOPDESK_STORE_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}"
        )
    return backend


@dataclass(frozen=True)
class OrderNumberFormat:
    min_digits: int
    max_digits: int
    # How the platform writes names around the digits ("#", "SD-"); optional in what
    # shoppers type.
    prefix: str = ""
    suffix: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        """Candidates in free text: the digits (group 1), optionally after '#' and the
        prefix, not inside a longer number or right after a currency sign or decimal point."""
        prefix = re.escape(self.prefix.removeprefix("#")) if self.prefix.strip("#") else ""
        suffix = re.escape(self.suffix) if self.suffix else ""
        return re.compile(
            rf"(?<![\d.,£$€])(?:{prefix})?#?\s*(\d{{{self.min_digits},{self.max_digits}}})"
            rf"(?:{suffix})?(?![\d])",
            re.IGNORECASE,
        )

    @property
    def field_pattern(self) -> str:
        """A whole field that names one order (an API parameter): the digits, optionally
        after '#' and the prefix and before the suffix, with spaces around (no lookaround,
        so schema validators of any regex engine take it)."""
        prefix = re.escape(self.prefix.removeprefix("#")) if self.prefix.strip("#") else ""
        suffix = f"(?:{re.escape(self.suffix)})?" if self.suffix else ""
        optional_prefix = f"(?:{prefix})?" if prefix else ""
        return (
            rf"^\s*{optional_prefix}#?\s*([0-9]{{{self.min_digits},{self.max_digits}}})"
            rf"{suffix}\s*$"
        )

    def exact(self, text: str) -> str | None:
        """The digits of `text` when it is one order number and nothing else, else None."""
        match = re.match(self.field_pattern, text, re.IGNORECASE)
        return match.group(1) if match else None

    def parse(self, text: object) -> str | None:
        """The order number (its digits) in a shopper's reply, or None when there isn't
        exactly one, or other digits make the reply ambiguous ("10023-7", "100234")."""
        if not isinstance(text, str):
            return None
        pattern = self.pattern
        found = {m.group(1) for m in pattern.finditer(text)}
        if len(found) != 1:
            return None
        if _ANY_DIGITS.search(pattern.sub(" ", text)):
            return None
        return found.pop()

    def platform_name(self, number: str) -> str:
        """The name the platform gives the order with these digits ("#1001")."""
        return f"{self.prefix}{number}{self.suffix}"

    @property
    def example(self) -> str:
        digits = "10023" if self.min_digits <= 5 <= self.max_digits else "1" * self.min_digits
        return self.platform_name(digits)

    @property
    def hint(self) -> str:
        """How a shopper recognises their order number, for the bot's questions."""
        if self.min_digits == self.max_digits:
            return f"{self.min_digits} digits, like {self.example}"
        return f"{self.min_digits} or more digits, like {self.example}"


REFERENCE_FORMAT = OrderNumberFormat(min_digits=5, max_digits=5)
# Shopify's order names: "#" and 4 or more digits unless the store set a prefix or suffix.
SHOPIFY_FORMAT = OrderNumberFormat(min_digits=4, max_digits=12, prefix="#")


def order_number_format(backend: str, *, prefix: str | None = None,
                        suffix: str | None = None) -> OrderNumberFormat:
    """The format of `backend`'s order numbers; Shopify's with the store's own prefix and
    suffix when known (the adapter reads them from the shop at start-up)."""
    if backend == "shopify":
        return OrderNumberFormat(
            min_digits=SHOPIFY_FORMAT.min_digits,
            max_digits=SHOPIFY_FORMAT.max_digits,
            prefix=SHOPIFY_FORMAT.prefix if prefix is None else prefix,
            suffix=SHOPIFY_FORMAT.suffix if suffix is None else suffix,
        )
    return REFERENCE_FORMAT


def format_from_env(env: Mapping[str, str]) -> OrderNumberFormat:
    """The configured backend's format (what the NLU and the validators accept)."""
    return order_number_format(store_backend(env))
