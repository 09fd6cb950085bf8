"""Shopdesk custom actions, served by the rasa-sdk action server (`python -m actions`).

One module per conversation feature; shared wiring lives in `bootstrap`.
"""
