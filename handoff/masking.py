"""Masks sensitive data in text that leaves the conversation (tickets, Slack, the outbox).

The rules live in `common.masking` (standard library only) so that the Rasa channels,
which mask before anything is stored, and the handoff use exactly the same ones.
"""

from __future__ import annotations

from common.masking import luhn_valid, mask_contact_details, mask_sensitive

__all__ = ["luhn_valid", "mask_contact_details", "mask_sensitive"]
