"""Plain store data for the self-service unit tests (what `StoreClient` would return)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from actions.replies import Reply
from integrations.store.models import (
    Address,
    Customer,
    LineEligibility,
    Order,
    OrderLine,
    Refund,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    ShippingMethod,
    StorePolicy,
)

TODAY = date(2026, 11, 27)
DOMAIN = Path(__file__).resolve().parents[3] / "bot" / "domain"


def line(
    line_id: int, name: str, *, quantity: int = 1, final_sale: bool = False, returned: int = 0
) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        sku=f"SKU-{line_id}",
        name=name,
        category="apparel",
        quantity=quantity,
        unit_price=Decimal("25.00"),
        final_sale=final_sale,
        returned_quantity=returned,
        returnable_quantity=quantity - returned,
    )


def order(**changes: Any) -> Order:
    base = Order(
        order_number="10010",
        status="delivered",
        placed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
        cancelled_at=None,
        currency="GBP",
        subtotal=Decimal("104.00"),
        shipping=Decimal("0.00"),
        total=Decimal("104.00"),
        payment_method="card ending 4242",
        customer=Customer(name="Jo Rivera", email="jo@example.com"),
        shipping_address=Address(
            name="Jo Rivera",
            line1="10 Downing Walk",
            city="London",
            postcode="SW1A 1AA",
            country="GB",
        ),
        can_cancel=False,
        can_change_address=False,
        lines=(
            line(100101, "Merino Crew Sweater"),
            line(100102, "Clearance Linen Scarf", final_sale=True),
        ),
        shipments=(),
        returns=(),
        refunds=(),
    )
    return replace(base, **changes)


def verdict(
    line_id: int,
    code: str | None = None,
    *,
    quantity: int = 1,
    return_by: date | None = date(2026, 12, 24),
) -> LineEligibility:
    return LineEligibility(
        line_id=line_id,
        eligible=code is None,
        returnable_quantity=0 if code else quantity,
        return_by=return_by,
        refusal_code=code,
    )


def eligibility(*lines: LineEligibility, window: int = 30) -> ReturnEligibility:
    return ReturnEligibility(
        order_number="10010",
        return_window_days=window,
        eligible=any(v.eligible for v in lines),
        lines=tuple(lines),
    )


def refund(
    status: str,
    *,
    amount: str = "25.00",
    method: str = "card ending 4242",
    issued: datetime | None = None,
    expected: date | None = None,
) -> Refund:
    return Refund(
        amount=Decimal(amount),
        currency="GBP",
        status=status,
        method=method,
        created_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        issued_at=issued,
        expected_by=expected,
    )


def rma(status: str = "authorized") -> ReturnAuthorization:
    return ReturnAuthorization(
        rma_number="RMA-10010-1",
        status=status,
        reason="damaged",
        comment=None,
        label_url="http://store/labels/RMA-10010-1",
        instructions="Pack it.",
        refund_amount=Decimal("89.00"),
        currency="GBP",
        created_at=datetime(2026, 11, 26, 9, tzinfo=UTC),
        lines=(ReturnLine(100101, 1),),
    )


def policy(**changes: Any) -> StorePolicy:
    base = StorePolicy(
        currency="GBP",
        return_window_days=30,
        max_units_per_return=10,
        final_sale_returnable=False,
        refund_processing_days=5,
        free_shipping_threshold=Decimal("75.00"),
        shipping_countries=("GB",),
        return_reasons=(
            "wrong_size",
            "damaged",
            "not_as_described",
            "changed_mind",
            "arrived_late",
            "other",
        ),
        shipping_methods=(
            ShippingMethod("standard", "Standard delivery", Decimal("3.95"), 3, 5),
            ShippingMethod("next_day", "Next-day delivery", Decimal("12.95"), 1, 1),
        ),
    )
    return replace(base, **changes)


@cache
def responses() -> dict[tuple[str, str], str]:
    """(response, language) -> its text: the variation conditioned on that language, the
    English one without a condition."""
    found: dict[tuple[str, str], str] = {}
    for path in DOMAIN.glob("*.yml"):
        data = yaml.safe_load(path.read_text()) or {}
        for name, variants in (data.get("responses") or {}).items():
            for variant in variants:
                codes = [c["value"] for c in variant.get("condition") or []]
                found[(name, codes[0] if codes else "en")] = variant["text"]
    return found


def rendered(reply: Reply, language: str = "en") -> str:
    """The reply as a shopper in `language` reads it; fails when the domain lacks the
    response in that language or a placeholder is left without a value."""
    template = responses()[(reply.response, language)]
    missing = set(re.findall(r"{(\w+)}", template)) - set(reply.values)
    assert not missing, f"{reply.response} ({language}) lacks values for {missing}"
    return template.format(**reply.values)
