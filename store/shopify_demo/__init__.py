"""A demo Shopify: the Admin GraphQL API of one shop with the demo orders, run locally.

It is the test suite's fake Shopify and what `SHOPDESK_STORE_BACKEND=shopify make run`
starts when `SHOPIFY_SHOP` is unset, so the Shopify path can be seen without an account.
Queries are executed with graphql-core against Shopify's real Admin schema.
"""
