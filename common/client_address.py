"""The client address a chat channel vouches for, signed so the action server can trust it.

The channel (Rasa side) puts `client_ip` and `client_ip_proof` into each message's metadata;
the proof is an HMAC over the conversation and the address, under a key both Rasa and the
action server derive from the action server's token. Metadata written any other way (Rasa's
HTTP API, a forged tracker) carries no valid proof, so it cannot choose whose failed
verifications a guess is counted under.
"""

from __future__ import annotations

import hashlib
import hmac

CLIENT_IP_KEY = "client_ip"
CLIENT_PROOF_KEY = "client_ip_proof"


def client_proof_key(action_server_token: str) -> bytes:
    return hmac.new(action_server_token.encode(), b"shopdesk-client-ip", hashlib.sha256).digest()


def client_proof(key: bytes, *, sender_id: str, client_ip: str) -> str:
    message = b"\x00".join((b"client-ip", sender_id.encode(), client_ip.encode()))
    return hmac.new(key, message, hashlib.sha256).hexdigest()
