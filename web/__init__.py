"""Shopper-facing web pieces: the chat widget bundle (``web/widget``) and the demo storefront."""
