"""The value each settling reply carries for the KPI report (`kpi_value`), read back the way
the report reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actions.cancellation import cancelled_replies
from actions.refunds import describe_refunds
from common import outcomes as oc
from tests.unit.selfservice.builders import TODAY, order, refund


def recorded(values: dict[str, object]) -> tuple[Decimal, str] | None:
    parsed = oc.parse_value(str(values.get(oc.VALUE_KEY)))
    return None if parsed is None else (Decimal(parsed[0]), parsed[1])


def test_a_cancellation_records_the_order_total() -> None:
    cancelled = order(
        status="cancelled",
        refunds=(refund("pending", amount="104.00", expected=date(2026, 12, 2)),),
    )
    [reply] = cancelled_replies(cancelled, today=TODAY)
    assert oc.VALUE_RESPONSES[reply.response] == oc.CANCELLED_VALUE
    assert recorded(reply.values) == (cancelled.total, cancelled.currency)
    [plain] = cancelled_replies(order(status="cancelled"), today=TODAY)
    assert recorded(plain.values) == (cancelled.total, cancelled.currency)


def test_a_refund_answer_records_the_refunds_total() -> None:
    o = order(refunds=(refund("issued", amount="89.00"), refund("pending", amount="15.00")))
    intro, *_ = describe_refunds(o, today=TODAY)
    assert oc.VALUE_RESPONSES[intro.response] == oc.REFUND_VALUE
    assert recorded(intro.values) == (Decimal("104.00"), "GBP")
