"""The store port: what the actions ask of the store's platform, whatever it is.

The reference store's HTTP client (`integrations/store/client.py`) and the Shopify backend
(`integrations/store/shopify.py`) implement it; `actions/bootstrap.py` picks one by
`SHOPDESK_STORE_BACKEND`. Answers are the platform-neutral models of
`integrations/store/models.py`; failures are the `StoreError`s of `errors.py` (a platform's
own errors never reach an action). Return, cancel and address decisions are Shopdesk's own
rules (`integrations/store/rules/`), the same for every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from common.order_numbers import OrderNumberFormat
from integrations.store.models import (
    Address,
    Order,
    OrderSummary,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    StorePolicy,
)

# Seconds for one store call, waits included, leaving the bot ~0.5 s to reply within ~3 s:
# every backend's default (STORE_TIMEOUT_SECONDS).
DEFAULT_TIMEOUT = 2.5


class StorePort(Protocol):
    @property
    def order_numbers(self) -> OrderNumberFormat:
        """How this platform's order numbers look (what shoppers type and see)."""
        ...

    async def check(self) -> list[str]:
        """What stops this backend from working, in words for the operator (bad token,
        missing scope, API version not served...); empty when nothing does."""
        ...

    async def lookup_order(
        self,
        *,
        order_number: str,
        email: str | None = None,
        postcode: str | None = None,
        client: str | None = None,
    ) -> Order:
        """The order when `email` or `postcode` matches it; else `OrderNotFound` (a wrong
        detail and a missing order are indistinguishable)."""
        ...

    async def lookup_order_with_eligibility(
        self, *, order_number: str, email: str, client: str | None = None
    ) -> tuple[Order, ReturnEligibility]:
        """`lookup_order` and `return_eligibility` together."""
        ...

    async def return_eligibility(self, *, order_number: str, email: str) -> ReturnEligibility:
        ...

    async def recent_orders(
        self, *, email: str, identity_token: str | None = None, limit: int = 5
    ) -> list[OrderSummary]:
        """A signed-in customer's most recent orders, newest first (`identity_token`: the
        storefront's token that vouched for them, for platforms that check it again)."""
        ...

    async def get_policy(self) -> StorePolicy:
        ...

    async def create_return(
        self,
        *,
        order_number: str,
        email: str,
        lines: Sequence[ReturnLine],
        reason: str,
        comment: str | None = None,
        idempotency_key: str,
    ) -> ReturnAuthorization:
        """Creates a return; the same `idempotency_key` (a retried turn) never makes a
        second one. `StoreRefusal` names the rule that forbids it."""
        ...

    async def cancel_order(self, *, order_number: str, email: str, idempotency_key: str) -> Order:
        """Cancels before shipment (`StoreRefusal("already_shipped")` after); a retry or an
        order already cancelled answers the cancelled order without cancelling again."""
        ...

    async def change_shipping_address(
        self, *, order_number: str, email: str, address: Address, idempotency_key: str
    ) -> Order:
        """Changes the address before shipment; `InvalidRequest.field` names a bad field."""
        ...

    async def aclose(self) -> None:
        ...
