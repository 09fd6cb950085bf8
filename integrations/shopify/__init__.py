"""Shopify Admin GraphQL API client (httpx) with typed errors, one timeout and the documents
it sends as `.graphql` files."""

from integrations.shopify.client import DEFAULT_TIMEOUT, ShopifyClient, search_term
from integrations.shopify.errors import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyServerError,
    ShopifyThrottled,
    ShopifyTimeout,
    ShopifyUnavailable,
    ShopifyUnsupportedVersion,
    ShopifyUserErrors,
    UserError,
)
from integrations.shopify.settings import ShopifySettingError, ShopifySettings

__all__ = [
    "DEFAULT_TIMEOUT",
    "ShopifyAccessDenied",
    "ShopifyAuthError",
    "ShopifyClient",
    "ShopifyError",
    "ShopifyQueryError",
    "ShopifyServerError",
    "ShopifySettingError",
    "ShopifySettings",
    "ShopifyThrottled",
    "ShopifyTimeout",
    "ShopifyUnavailable",
    "ShopifyUnsupportedVersion",
    "ShopifyUserErrors",
    "UserError",
    "search_term",
]
