"""Every store rule, one by one, on plain data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from integrations.store import rules
from integrations.store.configured_policy import StorePolicy

TODAY = date(2026, 3, 15)
POLICY = StorePolicy(return_window_days=30, max_units_per_return=10)


def line(
    *,
    line_id: int = 1,
    quantity: int = 1,
    final_sale: bool = False,
    returned: int = 0,
    delivered_days_ago: int | None = 3,
) -> rules.LineFacts:
    delivered = (
        TODAY - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    )
    return rules.LineFacts(
        line_id=line_id,
        quantity=quantity,
        final_sale=final_sale,
        returned_quantity=returned,
        delivered_on=delivered,
    )


def order(
    *lines: rules.LineFacts, status: str = "delivered", shipped: bool = True
) -> rules.OrderFacts:
    return rules.OrderFacts(status=status, shipped=shipped, lines=tuple(lines))


def verdict(facts: rules.LineFacts, **order_kw: object) -> rules.LineEligibility:
    o = order(facts, **order_kw)  # type: ignore[arg-type]
    return rules.line_eligibility(facts, order=o, today=TODAY, policy=POLICY)


def test_delivered_recently_is_returnable_in_full() -> None:
    v = verdict(line(quantity=2))
    assert v.eligible
    assert v.returnable_quantity == 2
    assert v.refusal is None
    assert v.return_by == TODAY - timedelta(days=3) + timedelta(days=30)


@pytest.mark.parametrize(
    ("days_ago", "eligible"),
    [(0, True), (29, True), (30, True), (31, False), (60, False)],
)
def test_return_window_includes_its_last_day(days_ago: int, eligible: bool) -> None:
    v = verdict(line(delivered_days_ago=days_ago))
    assert v.eligible is eligible
    if not eligible:
        assert v.refusal is not None
        assert v.refusal.code == rules.RETURN_WINDOW_EXPIRED
        assert v.returnable_quantity == 0


def test_window_follows_policy() -> None:
    facts = line(delivered_days_ago=14)
    short = StorePolicy(return_window_days=14)
    shorter = StorePolicy(return_window_days=13)
    o = order(facts)
    assert rules.line_eligibility(facts, order=o, today=TODAY, policy=short).eligible
    refused = rules.line_eligibility(facts, order=o, today=TODAY, policy=shorter)
    assert refused.refusal == rules.Refusal(
        rules.RETURN_WINDOW_EXPIRED, "the 13-day return window ended on 2026-03-14"
    )


def test_final_sale_is_refused() -> None:
    v = verdict(line(final_sale=True))
    assert not v.eligible
    assert v.refusal is not None and v.refusal.code == rules.FINAL_SALE


def test_final_sale_returnable_when_policy_allows() -> None:
    facts = line(final_sale=True)
    policy = StorePolicy(final_sale_returnable=True)
    assert rules.line_eligibility(facts, order=order(facts), today=TODAY, policy=policy).eligible


def test_not_delivered_is_refused() -> None:
    v = verdict(line(delivered_days_ago=None), status="shipped")
    assert v.refusal is not None and v.refusal.code == rules.NOT_DELIVERED
    assert v.return_by is None


def test_fully_returned_line_is_refused() -> None:
    v = verdict(line(quantity=2, returned=2))
    assert v.refusal is not None and v.refusal.code == rules.ALREADY_RETURNED


def test_partly_returned_line_offers_the_rest() -> None:
    v = verdict(line(quantity=3, returned=1))
    assert v.eligible and v.returnable_quantity == 2


def test_cancelled_order_is_refused_first() -> None:
    v = verdict(line(delivered_days_ago=None, final_sale=True), status="cancelled", shipped=False)
    assert v.refusal is not None and v.refusal.code == rules.ORDER_CANCELLED


def test_already_returned_wins_over_expired_window() -> None:
    v = verdict(line(returned=1, delivered_days_ago=90))
    assert v.refusal is not None and v.refusal.code == rules.ALREADY_RETURNED


def test_order_eligibility_is_per_line() -> None:
    o = order(line(line_id=1), line(line_id=2, final_sale=True))
    verdicts = rules.order_eligibility(o, today=TODAY, policy=POLICY)
    assert [(v.line_id, v.eligible) for v in verdicts] == [(1, True), (2, False)]


# --- a whole return request ------------------------------------------------------------


def request(*pairs: tuple[int, int]) -> list[rules.RequestedLine]:
    return [rules.RequestedLine(line_id, qty) for line_id, qty in pairs]


def test_return_request_ok() -> None:
    o = order(line(line_id=1, quantity=2), line(line_id=2))
    assert (
        rules.check_return_request(o, request((1, 2), (2, 1)), today=TODAY, policy=POLICY) is None
    )


def test_return_request_more_than_bought_is_quantity_exceeded() -> None:
    o = order(line(line_id=1, quantity=2))
    refusal = rules.check_return_request(o, request((1, 3)), today=TODAY, policy=POLICY)
    assert refusal is not None and refusal.code == rules.QUANTITY_EXCEEDED


def test_return_request_more_than_remaining_is_quantity_exceeded() -> None:
    o = order(line(line_id=1, quantity=2, returned=1))
    refusal = rules.check_return_request(o, request((1, 2)), today=TODAY, policy=POLICY)
    assert refusal is not None and refusal.code == rules.QUANTITY_EXCEEDED


def test_return_request_over_policy_maximum_is_quantity_exceeded() -> None:
    o = order(line(line_id=1, quantity=8), line(line_id=2, quantity=8))
    policy = StorePolicy(max_units_per_return=10)
    refusal = rules.check_return_request(o, request((1, 6), (2, 5)), today=TODAY, policy=policy)
    assert refusal is not None and refusal.code == rules.QUANTITY_EXCEEDED
    assert (
        rules.check_return_request(o, request((1, 5), (2, 5)), today=TODAY, policy=policy) is None
    )


def test_return_request_with_an_ineligible_line_reports_that_line() -> None:
    o = order(line(line_id=1), line(line_id=2, final_sale=True))
    refusal = rules.check_return_request(o, request((1, 1), (2, 1)), today=TODAY, policy=POLICY)
    assert refusal is not None and refusal.code == rules.FINAL_SALE


@pytest.mark.parametrize("pairs", [((9, 1),), ((1, 1), (1, 1))])
def test_return_request_unknown_or_repeated_line(pairs: tuple[tuple[int, int], ...]) -> None:
    o = order(line(line_id=1, quantity=2))
    with pytest.raises(rules.UnknownLine):
        rules.check_return_request(o, request(*pairs), today=TODAY, policy=POLICY)


# --- cancellation and address change ----------------------------------------------------


def test_cancel_before_shipment() -> None:
    assert (
        rules.cancellation(order(line(delivered_days_ago=None), status="processing", shipped=False))
        == "cancel"
    )


@pytest.mark.parametrize(
    ("status", "shipped"),
    [("processing", True), ("shipped", True), ("delivered", True), ("returned", True)],
)
def test_cancel_after_shipment_is_refused(status: str, shipped: bool) -> None:
    decision = rules.cancellation(order(line(), status=status, shipped=shipped))
    assert decision == rules.Refusal(rules.ALREADY_SHIPPED, "the order has already shipped")


def test_cancel_twice_is_a_no_op() -> None:
    assert (
        rules.cancellation(order(line(), status="cancelled", shipped=False)) == "already_cancelled"
    )


def test_address_change_before_shipment() -> None:
    assert rules.address_change_refusal(order(line(), status="processing", shipped=False)) is None


def test_address_change_after_shipment_is_refused() -> None:
    refusal = rules.address_change_refusal(order(line(), status="shipped", shipped=True))
    assert refusal is not None and refusal.code == rules.ALREADY_SHIPPED


def test_address_change_on_cancelled_order_is_refused() -> None:
    refusal = rules.address_change_refusal(order(line(), status="cancelled", shipped=False))
    assert refusal is not None and refusal.code == rules.ORDER_CANCELLED
