"""The store port on Shopify: orders, returns, refunds, cancellation and the shipping address
through the Admin GraphQL API (`integrations/shopify`).

Shopify's data is mapped onto the port's models, and Shopdesk's own rules
(`integrations/store/rules/`) decide what may be returned, cancelled or changed, exactly as
for the reference store: the return window and limits from the store's policy, final sale
from the product tag the store names (`SHOPIFY_FINAL_SALE_TAG`), the units already returned
from Shopify (its returnable fulfillments). Each port call is one deadline
(`timeout`, shared by the Admin API requests it makes). Shopify's mutations are not
idempotent, so before each one the order is read again and nothing is done twice: a
matching return already there is answered, a cancelled order is not cancelled again, an
address already in place is not written again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date

from cachetools import LRUCache

from common.order_numbers import OrderNumberFormat, order_number_format
from integrations.shopify import models as shopify
from integrations.shopify.client import ShopifyClient, search_term
from integrations.shopify.errors import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyError,
    ShopifyUnsupportedVersion,
    ShopifyUserErrors,
)
from integrations.shopify.models import ReturnLineRequest
from integrations.store import rules
from integrations.store.errors import (
    InvalidRequest,
    OrderNotFound,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)
from integrations.store.models import (
    Address,
    LineEligibility,
    Order,
    OrderSummary,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    StorePolicy,
)
from integrations.store.shopify_orders import (
    RETURN_STATES,
    Returnable,
    numeric_id,
    order_facts,
    order_from_shopify,
    return_authorization,
    summary_status,
)

log = logging.getLogger(__name__)

# What the app must be granted; read_all_orders only matters for orders older than 60 days.
REQUIRED_SCOPES = ("read_orders", "write_orders", "read_returns", "write_returns",
                   "read_products")
OPTIONAL_SCOPES = ("read_all_orders",)
# Shopdesk's return reasons (the policy's codes, the NLU's) as Shopify's ReturnReason.
RETURN_REASONS = {
    "wrong_size": "SIZE_TOO_SMALL",
    "too_small": "SIZE_TOO_SMALL",
    "too_big": "SIZE_TOO_LARGE",
    "damaged": "DEFECTIVE",
    "not_as_described": "NOT_AS_DESCRIBED",
    "changed_mind": "UNWANTED",
    "wrong_item": "WRONG_ITEM",
    "arrived_late": "OTHER",
    "other": "OTHER",
}
JOB_POLL_SECONDS = 0.1
# Returns made by this process, by idempotency key (a retried turn answers from here).
MADE_RETURNS_KEPT = 1024


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.strip().lower().encode()).digest()


_DUMMY = _digest("\x00no-such-order\x00")


@dataclass(frozen=True)
class _Loaded:
    """An order as Shopify has it, with what the rules need to judge it."""

    raw: shopify.Order
    order: Order
    eligibility: ReturnEligibility
    # Fulfillment line items Shopify would accept in a return now, per line: (id, units).
    returnable: Returnable


class ShopifyStore:
    """The store port on one Shopify shop."""

    def __init__(
        self,
        client: ShopifyClient,
        *,
        policy: StorePolicy,
        final_sale_tag: str,
        order_numbers: OrderNumberFormat | None = None,
        create_returns_open: bool = False,
        today: Callable[[], date] = date.today,
        sleep: Callable[[float], object] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shopify = client
        self._policy = policy
        self._final_sale_tag = final_sale_tag.strip().lower()
        self._format = order_numbers or order_number_format("shopify")
        # The shop's own order-name prefix and suffix, read once (None: not yet).
        self._names_read = order_numbers is not None
        # returnCreate (open at once) instead of returnRequest (the merchant approves).
        self._create_open = create_returns_open
        self._today = today
        self._sleep = sleep
        self._clock = clock
        self._made: LRUCache[str, ReturnAuthorization] = LRUCache(maxsize=MADE_RETURNS_KEPT)

    @property
    def order_numbers(self) -> OrderNumberFormat:
        return self._format

    async def aclose(self) -> None:
        await self._shopify.aclose()

    # --- health -------------------------------------------------------------------------

    async def check(self) -> list[str]:
        """Problems an operator must fix, each in one sentence; [] when Shopify is usable.
        Reads the store's order-name prefix and suffix as well."""
        try:
            health = await self._shopify.health()
        except ShopifyAuthError as exc:
            return [f"Shopify refused the app's credentials (bad or revoked token): {exc}"]
        except ShopifyUnsupportedVersion as exc:
            return [f"Shopify does not serve SHOPIFY_API_VERSION as configured: {exc}"]
        except ShopifyAccessDenied as exc:
            return [f"the app lacks an access scope: {exc.required_access or exc}"]
        except ShopifyError as exc:
            return [f"Shopify could not be reached or answered badly: {exc}"]
        self._use_names(health)
        missing = [s for s in REQUIRED_SCOPES if s not in health.scopes]
        problems = [
            f"the app is not granted the {s} access scope (add it to the custom app and "
            "reinstall it)"
            for s in missing
        ]
        if not any(s in health.scopes for s in OPTIONAL_SCOPES):
            log.warning("Shopify: no read_all_orders scope: orders older than 60 days are not "
                        "visible to the assistant")
        log.info("Shopify: connected to %s (%s)", health.shop.myshopify_domain, health.shop.name)
        return problems

    # --- reads --------------------------------------------------------------------------

    async def lookup_order(
        self,
        *,
        order_number: str,
        email: str | None = None,
        postcode: str | None = None,
        client: str | None = None,
    ) -> Order:
        deadline = self._shopify.deadline()
        loaded = await self._load(order_number, email=email, postcode=postcode,
                                  deadline=deadline)
        return loaded.order

    async def lookup_order_with_eligibility(
        self, *, order_number: str, email: str, client: str | None = None
    ) -> tuple[Order, ReturnEligibility]:
        loaded = await self._load(order_number, email=email, postcode=None,
                                  deadline=self._shopify.deadline())
        return loaded.order, loaded.eligibility

    async def return_eligibility(self, *, order_number: str, email: str) -> ReturnEligibility:
        loaded = await self._load(order_number, email=email, postcode=None,
                                  deadline=self._shopify.deadline())
        return loaded.eligibility

    async def recent_orders(
        self, *, email: str, identity_token: str | None = None, limit: int = 5
    ) -> list[OrderSummary]:
        """The customer's newest orders (the action server verified who they are)."""
        async with _mapped("recent orders"):
            found = await self._shopify.order_summaries(search_term("email", email),
                                                        first=limit)
        return [
            OrderSummary(
                order_number=self._number_of(summary.name),
                placed_at=summary.created_at,
                status=summary_status(summary),
            )
            for summary in found
            if summary.email is not None and summary.email.strip().lower() == email.lower()
        ]

    async def get_policy(self) -> StorePolicy:
        return self._policy

    # --- changes ------------------------------------------------------------------------

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
        made = self._made.get(idempotency_key)
        if made is not None:
            return made
        deadline = self._shopify.deadline()
        loaded = await self._load(order_number, email=email, postcode=None, deadline=deadline)
        wanted = {line.line_id: line.quantity for line in lines}
        marker = request_marker(idempotency_key)
        earlier = self._retried_return(loaded, marker)
        if earlier is not None:
            return self._remember(idempotency_key, earlier)
        facts = order_facts(loaded.order, loaded.returnable)
        try:
            refusal = rules.check_return_request(
                facts,
                [rules.RequestedLine(i, n) for i, n in wanted.items()],
                today=self._today(),
                policy=self._policy,
            )
        except rules.UnknownLine as bad:
            raise InvalidRequest("lines", f"line {bad} is not on the order") from None
        if refusal is not None:
            raise StoreRefusal(refusal.code, refusal.message)
        requests = []
        shopify_reason = RETURN_REASONS.get(reason, "OTHER")
        for line_id, units in wanted.items():
            left = units
            for item_id, available in loaded.returnable.get(line_id, []):
                take = min(left, available)
                if take > 0:
                    requests.append(ReturnLineRequest(
                        fulfillment_line_item_id=item_id, quantity=take,
                        return_reason=shopify_reason,
                        note=f"{comment} ({marker})" if comment else f"({marker})",
                    ))
                    left -= take
            if left > 0:
                raise StoreRefusal(rules.ALREADY_RETURNED,
                                   f"line {line_id}: Shopify has fewer units to return")
        async with _mapped("create return"):
            try:
                created = await self._shopify.request_return(
                    loaded.raw.id, requests, create=self._create_open, deadline=deadline
                )
            except ShopifyUserErrors as refused:
                log.warning("Shopify refused a return on %s: %s", loaded.raw.name, refused)
                raise StoreRefusal("return_refused", refused.message) from None
        authorization = return_authorization(
            rma_number=created.name,
            status=RETURN_STATES.get(created.status, "authorized"),
            reason=reason,
            comment=comment,
            created_at=created.created_at,
            lines=[ReturnLine(i, n) for i, n in sorted(wanted.items())],
            order=loaded.order,
        )
        return self._remember(idempotency_key, authorization)

    async def cancel_order(self, *, order_number: str, email: str, idempotency_key: str) -> Order:
        deadline = self._shopify.deadline()
        loaded = await self._load(order_number, email=email, postcode=None, deadline=deadline)
        facts = order_facts(loaded.order, loaded.returnable)
        decision = rules.cancellation(facts)
        if decision == "already_cancelled":
            return loaded.order  # a retried turn, or cancelled meanwhile: nothing to do
        if isinstance(decision, rules.Refusal):
            raise StoreRefusal(decision.code, decision.message)
        async with _mapped("cancel order"):
            try:
                job = await self._shopify.cancel_order(
                    loaded.raw.id, staff_note="Cancelled by the shopper through Shopdesk",
                    deadline=deadline,
                )
            except ShopifyUserErrors as refused:
                log.warning("Shopify refused to cancel %s: %s", loaded.raw.name, refused)
                raise StoreRefusal(rules.ALREADY_SHIPPED, refused.message) from None
            while not job.done and self._clock() + JOB_POLL_SECONDS < deadline - 0.5:
                await self._sleep(JOB_POLL_SECONDS)
                job = await self._shopify.job(job.id, deadline=deadline) or job
            after = await self._read(loaded.raw.id, deadline=deadline)
        order = after.order
        if order.status != "cancelled":
            # Shopify accepted the cancellation and finishes it in the background.
            order = replace(order, status="cancelled", can_cancel=False,
                            can_change_address=False)
        return order

    async def change_shipping_address(
        self, *, order_number: str, email: str, address: Address, idempotency_key: str
    ) -> Order:
        deadline = self._shopify.deadline()
        loaded = await self._load(order_number, email=email, postcode=None, deadline=deadline)
        checked = rules.validate_address(address.to_json(),
                                         allowed_countries=self._policy.shipping_countries)
        if isinstance(checked, rules.FieldError):
            raise InvalidRequest(f"address.{checked.field}", checked.message)
        wanted = Address(name=checked.name, line1=checked.line1, line2=checked.line2,
                         city=checked.city, postcode=checked.postcode, country=checked.country)
        if _same_address(loaded.order.shipping_address, wanted):
            return loaded.order  # a retried turn: already in place
        facts = order_facts(loaded.order, loaded.returnable)
        refusal = rules.address_change_refusal(facts)
        if refusal is not None:
            raise StoreRefusal(refusal.code, refusal.message)
        first, _, last = wanted.name.partition(" ")
        async with _mapped("change address"):
            try:
                await self._shopify.update_shipping_address(
                    loaded.raw.id,
                    {
                        "firstName": first,
                        "lastName": last or None,
                        "address1": wanted.line1,
                        "address2": wanted.line2,
                        "city": wanted.city,
                        "zip": wanted.postcode,
                        "countryCode": wanted.country,
                    },
                    deadline=deadline,
                )
            except ShopifyUserErrors as refused:
                log.warning("Shopify refused an address change on %s: %s",
                            loaded.raw.name, refused)
                raise StoreRefusal(rules.ALREADY_SHIPPED, refused.message) from None
            after = await self._read(loaded.raw.id, deadline=deadline)
        if not _same_address(after.order.shipping_address, wanted):
            # orderUpdate answered, but the order does not show the new address.
            raise StoreUnavailable("Shopify did not apply the new shipping address")
        return after.order

    # --- plumbing -----------------------------------------------------------------------

    def _use_names(self, health: shopify.Health) -> None:
        self._format = order_number_format(
            "shopify",
            prefix=health.shop.order_number_format_prefix,
            suffix=health.shop.order_number_format_suffix,
        )
        self._names_read = True

    async def _read_names(self, deadline: float) -> None:
        """The shop's order-name prefix and suffix, once per process."""
        if self._names_read:
            return
        async with _mapped("shop settings"):
            self._use_names(await self._shopify.health(deadline=deadline))

    def _number_of(self, name: str) -> str:
        """The digits of a Shopify order name ("#1001" -> "1001")."""
        return self._format.parse(name) or name.strip().lstrip("#")

    async def _load(
        self, order_number: str, *, email: str | None, postcode: str | None, deadline: float
    ) -> _Loaded:
        """The order when the details match it; else OrderNotFound. The search finds
        candidates; the name is matched exactly and the email (or postcode) compared in
        constant time, a missing order doing the same comparison against a dummy."""
        if email is None and postcode is None:
            raise InvalidRequest("email", "provide the order's email or postcode")
        await self._read_names(deadline)
        number = self._format.parse(order_number)
        if number is None:
            raise OrderNotFound("not an order number of this store")
        name = self._format.platform_name(number)
        query = search_term("name", name)
        if email is not None:
            query += " " + search_term("email", email)
        async with _mapped("order lookup"):
            found = await self._shopify.order_summaries(query, first=5, deadline=deadline)
        candidate = next((o for o in found if self._number_of(o.name) == number), None)
        if email is not None:
            given = _digest(email)
            expected = [_digest(candidate.email or "") if candidate else _DUMMY]
        else:
            given = _digest(rules.normalize_postcode(postcode or ""))
            zip_code = candidate.shipping_address.zip if candidate and candidate.shipping_address \
                else None
            expected = [_digest(rules.normalize_postcode(zip_code or "")) if candidate
                        else _DUMMY]
        matched = False
        for digest in expected:
            matched |= hmac.compare_digest(given, digest)
        if candidate is None or not matched:
            raise OrderNotFound("no order matches these details")
        return await self._read(candidate.id, deadline=deadline)

    async def _read(self, order_id: str, *, deadline: float) -> _Loaded:
        async with _mapped("order details"):
            raw = await self._shopify.order(order_id, deadline=deadline)
            if raw is None:
                raise OrderNotFound("the order is gone")
            returnable_fulfillments = await self._shopify.returnable_fulfillments(
                order_id, deadline=deadline
            )
        returnable: Returnable = {}
        for fulfillment in returnable_fulfillments:
            for item in fulfillment.returnable_fulfillment_line_items.nodes:
                line_id = numeric_id(item.fulfillment_line_item.line_item.id)
                returnable.setdefault(line_id, []).append(
                    (item.fulfillment_line_item.id, item.quantity)
                )
        order = order_from_shopify(
            raw, returnable, number=self._number_of(raw.name),
            final_sale_tag=self._final_sale_tag,
            refund_processing_days=self._policy.refund_processing_days,
        )
        facts = order_facts(order, returnable)
        today = self._today()
        verdicts = rules.order_eligibility(facts, today=today, policy=self._policy)
        eligibility = ReturnEligibility(
            order_number=order.order_number,
            return_window_days=self._policy.return_window_days,
            eligible=any(v.eligible for v in verdicts),
            lines=tuple(
                LineEligibility(
                    line_id=v.line_id,
                    eligible=v.eligible,
                    returnable_quantity=v.returnable_quantity,
                    return_by=v.return_by,
                    refusal_code=v.refusal.code if v.refusal else None,
                )
                for v in verdicts
            ),
        )
        return _Loaded(raw=raw, order=order, eligibility=eligibility, returnable=returnable)

    def _retried_return(self, loaded: _Loaded, marker: str) -> ReturnAuthorization | None:
        """The return this request already made (a retried turn, maybe on another action
        server): its lines carry the request's marker in their note."""
        for raw, ret in zip(loaded.raw.returns.nodes, loaded.order.returns, strict=True):
            notes = [
                f"{item.customer_note or ''} {item.return_reason_note or ''}"
                for item in raw.return_line_items.nodes
            ]
            if any(marker in note for note in notes):
                return return_authorization(
                    rma_number=ret.rma_number, status=ret.status, reason=ret.reason,
                    comment=ret.comment, created_at=ret.created_at, lines=list(ret.lines),
                    order=loaded.order,
                )
        return None

    def _remember(self, key: str, made: ReturnAuthorization) -> ReturnAuthorization:
        self._made[key] = made
        return made


def request_marker(idempotency_key: str) -> str:
    """What a return's line notes carry to tie it to the request that made it (Shopify's
    mutations take no idempotency key)."""
    return "shopdesk:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def _same_address(current: Address, wanted: Address) -> bool:
    def key(a: Address) -> tuple[str, ...]:
        return (a.line1.strip().lower(), (a.line2 or "").strip().lower(),
                a.city.strip().lower(), rules.normalize_postcode(a.postcode), a.country.upper())

    return key(current) == key(wanted)


@asynccontextmanager
async def _mapped(what: str) -> AsyncIterator[None]:
    """Shopify's errors as the port's: the actions see `StoreUnavailable` (apology, a
    person) and the operator the exact cause in the log. User errors pass through: they
    are handled where the mutation is made."""
    try:
        yield
    except ShopifyUserErrors:
        raise
    except (ShopifyAuthError, ShopifyAccessDenied, ShopifyUnsupportedVersion) as exc:
        log.warning("Shopify %s failed: %s", what, exc.message)
        raise StoreUnauthorized(f"Shopify {what}: {exc.message}") from exc
    except ShopifyError as exc:
        log.warning("Shopify %s failed: %s", what, exc.message)
        raise StoreUnavailable(f"Shopify {what}: {exc.message}") from exc
