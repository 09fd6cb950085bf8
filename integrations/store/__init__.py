"""The store port (port.py) and its backends: the reference store's HTTP API (client.py)
and Shopify (shopify.py); Shopdesk's own rules over their data in rules/."""

from integrations.store.client import StoreClient
from integrations.store.errors import (
    InvalidRequest,
    OrderNotFound,
    StoreError,
    StoreRateLimited,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)
from integrations.store.models import (
    Address,
    Customer,
    LineEligibility,
    Order,
    OrderLine,
    OrderSummary,
    Refund,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    Shipment,
    ShippingMethod,
    StorePolicy,
)
from integrations.store.port import DEFAULT_TIMEOUT, StorePort

__all__ = [
    "DEFAULT_TIMEOUT",
    "Address",
    "Customer",
    "InvalidRequest",
    "LineEligibility",
    "Order",
    "OrderLine",
    "OrderNotFound",
    "OrderSummary",
    "Refund",
    "ReturnAuthorization",
    "ReturnEligibility",
    "ReturnLine",
    "Shipment",
    "ShippingMethod",
    "StoreClient",
    "StoreError",
    "StorePolicy",
    "StorePort",
    "StoreRefusal",
    "StoreUnauthorized",
    "StoreRateLimited",
    "StoreUnavailable",
]
