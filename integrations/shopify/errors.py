"""Typed Shopify errors. Each carries the HTTP response it came from (when there was one);
`message` is for logs and operators, never for shoppers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class UserError:
    """One entry of a mutation's `userErrors` (or `orderCancelUserErrors`)."""

    field: tuple[str, ...]
    message: str
    code: str | None


class ShopifyError(Exception):
    """Base class for every failure talking to Shopify."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        errors: Sequence[Any] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.response = response
        # The GraphQL `errors` of the answer, as Shopify sent them.
        self.errors = tuple(errors)

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None


class ShopifyAuthError(ShopifyError):
    """401, or a refused client-credentials exchange: the token or the app's credentials are
    wrong, expired or revoked (a deployment problem)."""


class ShopifyAccessDenied(ShopifyError):
    """403 or `ACCESS_DENIED`: the app lacks an access scope (`required_access` names it when
    Shopify said which)."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        errors: Sequence[Any] = (),
        required_access: str | None = None,
    ) -> None:
        super().__init__(message, response=response, errors=errors)
        self.required_access = required_access


class ShopifyUnsupportedVersion(ShopifyError):
    """The API version asked for is not what Shopify served (404 on its path, or an answer
    from another version)."""


class ShopifyUnavailable(ShopifyError):
    """Shopify could not answer now: try again later."""

    retryable = True


class ShopifyThrottled(ShopifyUnavailable):
    """`THROTTLED` or 429 that could not be waited out within the deadline; `retry_after` says
    when the bucket should hold enough again."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        errors: Sequence[Any] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response, errors=errors)
        self.retry_after = retry_after


class ShopifyServerError(ShopifyUnavailable):
    """5xx, `INTERNAL_SERVER_ERROR`, or an answer that is not the documented shape."""


class ShopifyTimeout(ShopifyUnavailable):
    """No complete answer within the deadline (the request may still take effect)."""


class ShopifyQueryError(ShopifyError):
    """Shopify rejected the document itself (a GraphQL error other than the ones above)."""


class ShopifyUserErrors(ShopifyError):
    """A mutation answered with user errors: Shopify refused the change, and said why."""

    def __init__(
        self,
        message: str,
        *,
        user_errors: Sequence[UserError],
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message, response=response)
        self.user_errors = tuple(user_errors)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.user_errors if e.code)
