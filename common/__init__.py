"""What several Shopdesk services share: paths, masking, log masking, limits, JSON, settings.

Standard library only (plus what both environments have), so the app's environment and the
Rasa engine's both import it; the one exception is `common.settings` (pydantic-settings, app
environment only; code inside Rasa reads its settings with `common.env`). Nothing here runs
at import time.
"""
