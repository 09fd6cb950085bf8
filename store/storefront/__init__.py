"""Demo storefront: a few store pages with the Shopdesk chat widget embedded.

The store app mounts it with ``app.include_router(create_storefront_router(...))``.
"""

from store.storefront.catalog import (
    CustomerOrders,
    OrderSummary,
    ProductSummary,
    SqlCatalog,
    StorefrontCatalog,
)
from store.storefront.identity import ISSUER, issue_identity_token
from store.storefront.router import WIDGET_BUNDLE, create_storefront_router
from store.storefront.settings import (
    DEMO_IDENTITY_SECRET,
    StorefrontSettings,
    StorefrontSettingsError,
)

__all__ = [
    "DEMO_IDENTITY_SECRET",
    "ISSUER",
    "WIDGET_BUNDLE",
    "CustomerOrders",
    "OrderSummary",
    "ProductSummary",
    "SqlCatalog",
    "StorefrontCatalog",
    "StorefrontSettings",
    "StorefrontSettingsError",
    "create_storefront_router",
    "issue_identity_token",
]
