"""The demo shop's state and what its mutations do to it, in Shopify's terms.

Plain data and plain functions: the GraphQL layer (graphql_api.py) maps fields onto these,
the HTTP layer (server.py) adds tokens, the cost bucket and the fault switches.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from store.shopify_demo.fixtures import GATEWAY, gid, iso, money, refresh_statuses

# Search terms as Shopify writes them: key:value or key:"quoted value".
_TERM = re.compile(r'(\w+):(?:"((?:[^"\\]|\\.)*)"|(\S+))')
_OPEN_RETURNS = frozenset({"REQUESTED", "OPEN", "CLOSED"})


def _normal_name(value: str) -> str:
    return value.strip().lstrip("#").lower()


@dataclass
class UserErrorOut:
    field: list[str] | None
    message: str
    code: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass
class DemoShop:
    name: str
    domain: str
    orders: dict[str, dict[str, Any]]
    currency: str = "GBP"
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # When set, orderUpdate answers as if it worked but keeps the old address (Shopify can
    # drop an update silently).
    ignore_address_updates: bool = False
    _ids: itertools.count = field(default_factory=lambda: itertools.count(900001))

    # --- reads --------------------------------------------------------------------------

    def search(self, query: str | None, *, first: int, newest_first: bool) -> list[dict]:
        """Orders matching Shopify's search syntax for the terms the demo knows: `name`,
        `email`; anything else matches nothing (as an unknown filter would)."""
        found = list(self.orders.values())
        for match in _TERM.finditer(query or ""):
            key = match.group(1).lower()
            value = (match.group(2) if match.group(2) is not None else match.group(3)) or ""
            value = value.replace('\\"', '"')
            if key == "name":
                found = [o for o in found if _normal_name(o["name"]) == _normal_name(value)]
            elif key == "email":
                found = [o for o in found if (o["email"] or "").lower() == value.lower()]
            else:
                found = []
        found.sort(key=lambda o: o["createdAt"], reverse=newest_first)
        return found[: max(first, 0)]

    def returnable_fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        order = self.orders.get(order_id)
        if order is None or order["cancelledAt"] is not None:
            return []
        returned = self._returned_quantities(order)
        found = []
        for fulfillment in order["fulfillments"]:
            if fulfillment["status"] != "SUCCESS":
                continue
            items = []
            for item in fulfillment["fulfillmentLineItems"]["nodes"]:
                left = item["quantity"] - returned.get(item["id"], 0)
                if left > 0:
                    items.append({"quantity": left, "fulfillmentLineItem": item})
            if items:
                found.append({
                    "id": fulfillment["id"].replace("Fulfillment", "ReturnableFulfillment"),
                    "fulfillment": fulfillment,
                    "returnableFulfillmentLineItems": {"nodes": items},
                })
        return found

    @staticmethod
    def _returned_quantities(order: dict[str, Any]) -> dict[str, int]:
        returned: dict[str, int] = {}
        for ret in order["returns"]["nodes"]:
            if ret["status"] not in _OPEN_RETURNS:
                continue
            for item in ret["returnLineItems"]["nodes"]:
                key = item["fulfillmentLineItem"]["id"]
                returned[key] = returned.get(key, 0) + item["quantity"]
        return returned

    # --- mutations ----------------------------------------------------------------------

    def create_return(
        self, order_id: str, lines: list[dict[str, Any]], *, requested: bool
    ) -> tuple[dict[str, Any] | None, list[UserErrorOut]]:
        """returnRequest (status REQUESTED) or returnCreate (OPEN)."""
        order = self.orders.get(order_id)
        if order is None:
            return None, [UserErrorOut(["input", "orderId"], "Order does not exist.", "NOT_FOUND")]
        if not lines:
            return None, [UserErrorOut(["input", "returnLineItems"], "can't be blank", "BLANK")]
        returnable = {
            item["fulfillmentLineItem"]["id"]: item
            for rf in self.returnable_fulfillments(order_id)
            for item in rf["returnableFulfillmentLineItems"]["nodes"]
        }
        items = []
        for index, line in enumerate(lines):
            where = ["input", "returnLineItems", str(index)]
            available = returnable.get(line["fulfillmentLineItemId"])
            if available is None:
                return None, [UserErrorOut([*where, "fulfillmentLineItemId"],
                                           "Fulfillment line item is not returnable.", "INVALID")]
            if not 0 < line["quantity"] <= available["quantity"]:
                return None, [UserErrorOut([*where, "quantity"],
                                           "Quantity is not available for return.", "INVALID")]
            items.append({
                "__typename": "ReturnLineItem",
                "quantity": line["quantity"],
                "returnReason": line.get("returnReason") or "UNKNOWN",
                "returnReasonNote": line.get("returnReasonNote") or "",
                "customerNote": line.get("customerNote"),
                "fulfillmentLineItem": available["fulfillmentLineItem"],
            })
        count = len(order["returns"]["nodes"]) + 1
        created = {
            "id": gid("Return", next(self._ids)),
            "name": f"{order['name']}-R{count}",
            "status": "REQUESTED" if requested else "OPEN",
            "createdAt": iso(self.now()),
            "returnLineItems": {"nodes": items},
        }
        order["returns"]["nodes"].append(created)
        return created, []

    def cancel(self, order_id: str, *, staff_note: str | None) -> tuple[dict | None, list]:
        """orderCancel: a job; the order is cancelled and refunded (the refund's transaction
        pending at first, as a card refund is)."""
        order = self.orders.get(order_id)
        if order is None:
            return None, [UserErrorOut(["orderId"], "Order does not exist.", "NOT_FOUND")]
        if order["cancelledAt"] is not None:
            return None, [UserErrorOut(["orderId"], "Order has already been cancelled.",
                                       "INVALID")]
        if any(f["status"] == "SUCCESS" for f in order["fulfillments"]):
            return None, [UserErrorOut(["orderId"], "Cannot cancel a fulfilled order.",
                                       "INVALID")]
        order["cancelledAt"] = iso(self.now())
        order["refunds"].append({
            "id": gid("Refund", next(self._ids)),
            "createdAt": iso(self.now()),
            "totalRefundedSet": money(order["_total_cents"]),
            "transactions": {"nodes": [
                {"status": "PENDING", "kind": "REFUND", "gateway": GATEWAY, "processedAt": None}
            ]},
            "_cents": order["_total_cents"],
        })
        refresh_statuses(order)
        job = {"id": gid("Job", next(self._ids)), "done": False, "_polls": 0}
        self.jobs[job["id"]] = job
        return job, []

    def poll_job(self, job_id: str) -> dict[str, Any] | None:
        job = self.jobs.get(job_id)
        if job is not None:
            job["_polls"] += 1
            job["done"] = job["_polls"] >= 1
        return job

    def update_order(self, order_input: dict[str, Any]) -> tuple[dict | None, list]:
        order = self.orders.get(order_input["id"])
        if order is None:
            return None, [UserErrorOut(["id"], "Order does not exist", None)]
        address = order_input.get("shippingAddress")
        if address is not None and not self.ignore_address_updates:
            if order["cancelledAt"] is not None:
                return None, [UserErrorOut(["shippingAddress"],
                                           "Cannot update a cancelled order", None)]
            current = order["shippingAddress"] or {}
            updated = {**current}
            for key in ("address1", "address2", "city", "zip", "firstName", "lastName"):
                if key in address:
                    updated[key] = address[key]
            if "countryCode" in address:
                updated["countryCodeV2"] = address["countryCode"]
            if "firstName" in address or "lastName" in address:
                updated["name"] = " ".join(
                    p for p in (updated.get("firstName"), updated.get("lastName")) if p
                )
            order["shippingAddress"] = updated
        return order, []
