"""What several Shopdesk services share: paths, masking, log masking, limits, JSON.

Standard library only (plus what both environments have), so the app's environment and the
Rasa engine's both import it. Nothing here runs at import time.
"""
