"""Typed store errors. ``code`` is what callers branch on; ``message`` is for logs only.

Messages can hold backend text meant for engineers: never show them to shoppers.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class for every failure talking to the store."""

    code: str = "store_error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class StoreUnavailable(StoreError):
    """The store could not answer usefully: connection error, timeout, 5xx, 429, or a
    response that is not the documented shape. The bot should apologise and offer help."""

    code = "store_unavailable"


class StoreUnauthorized(StoreUnavailable):
    """401/403: the bot's API token is missing or wrong (a deployment problem)."""

    code = "store_unauthorized"


class StoreRateLimited(StoreUnavailable):
    """429: this client made too many failed lookups; ``retry_after`` seconds (if given).

    A subclass of ``StoreUnavailable`` so that callers who only know "the store cannot
    answer" still apologise; the verification flow tells it apart and offers a person.
    """

    code = "too_many_failed_lookups"

    def __init__(
        self, message: str, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class OrderNotFound(StoreError):
    """No order matches the number plus email/postcode (deliberately indistinguishable)."""

    code = "order_not_found"


class StoreRefusal(StoreError):
    """A store rule said no; ``code`` names the rule (``final_sale``, ``already_shipped``...)."""

    def __init__(self, code: str, message: str, *, status: int | None = 409) -> None:
        super().__init__(message, status=status)
        self.code = code


class InvalidRequest(StoreError):
    """The store rejected the input; ``field`` names it (``address.postcode``, ``email``...)."""

    code = "invalid_request"

    def __init__(self, field: str, message: str, *, status: int | None = 422) -> None:
        super().__init__(message, status=status)
        self.field = field
