"""Privacy: masking of secrets and contact details, log masking, erasure and retention.

`masking` and `logs` use only the standard library, so both environments (the app's and
the Rasa engine's) import them. Nothing here runs at import time.
"""
