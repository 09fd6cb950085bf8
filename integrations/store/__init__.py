"""Async client for the Shopdesk reference store API (see store/README.md)."""

from integrations.store.client import DEFAULT_TIMEOUT, StoreClient, StoreClientSettings
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
    Refund,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    Shipment,
    ShippingMethod,
    StorePolicy,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Address",
    "Customer",
    "InvalidRequest",
    "LineEligibility",
    "Order",
    "OrderLine",
    "OrderNotFound",
    "Refund",
    "ReturnAuthorization",
    "ReturnEligibility",
    "ReturnLine",
    "Shipment",
    "ShippingMethod",
    "StoreClient",
    "StoreClientSettings",
    "StoreError",
    "StorePolicy",
    "StoreRefusal",
    "StoreUnauthorized",
    "StoreRateLimited",
    "StoreUnavailable",
]
