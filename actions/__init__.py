"""Shopdesk custom actions, served by the rasa-sdk action server (`python -m actions`).

One module per conversation feature; shared wiring lives in `bootstrap`.
"""

import os as _os

# Sanic serves from spawned worker processes that import this package but never run
# `python -m actions`'s main(): mask their log output too (common/logs.py).
if _os.environ.get("SANIC_WORKER_NAME"):
    from common.logs import install_log_masking

    install_log_masking()
