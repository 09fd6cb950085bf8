"""Shopper-facing web pieces: the chat widget bundle (``web/widget``). The demo storefront that
embeds it is part of the reference store (``store/storefront``)."""
