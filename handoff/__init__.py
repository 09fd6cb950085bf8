"""Helpdesk handoff: the outbox, the delivery worker, the built-in helpdesk and its inbox.

The action server writes escalations to the outbox (`handoff.outbox`); the `python -m
handoff serve` process delivers them to Zendesk (or the built-in helpdesk) and Slack,
appends the shopper's later messages to the ticket and resumes the bot when the ticket is
solved. Nothing here runs at import time.
"""
