"""Shopdesk reference store: a small HTTP service that plays an online store's backend.

It stands in for the real store platform (Shopify, WooCommerce, ...). The bot only ever
talks to it over HTTP, through its adapter of the store port (``integrations.store.client``).
"""
