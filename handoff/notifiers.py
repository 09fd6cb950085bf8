"""Team alerts: a Block Kit message in Slack, or a log line when Slack is not configured."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from common.languages import language_label
from handoff.models import Alert
from handoff.rules import reason_label
from handoff.transcript import render_transcript
from integrations.slack import SlackClient

logger = logging.getLogger(__name__)

LAST_TURNS = 4


def alert_text(alert: Alert) -> str:
    e = alert.escalation
    order = f" order {e.order_number}" if e.order_number else ""
    return f"[{e.priority}] Handoff {e.reference}: {e.summary} ({e.email}{order})"


def alert_blocks(alert: Alert, tz: ZoneInfo) -> list[dict[str, Any]]:
    e = alert.escalation
    if e.order_number:
        order = f"{e.order_number} ({'verified' if e.verified else 'not verified'})"
    else:
        order = "none"
    last = render_transcript(e.turns[-LAST_TURNS:], tz) or "(no messages)"
    return [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"Handoff {e.reference} · {e.priority} priority",
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{_escape(e.summary)}*"},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Who*\n{_escape(e.name or e.email)}"},
                {"type": "mrkdwn", "text": f"*What*\n{_escape(e.intent or 'unknown')}"},
                {"type": "mrkdwn", "text": f"*Order*\n{_escape(order)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Reason*\n{_escape(reason_label(e.reason))}",
                },
                {"type": "mrkdwn", "text": f"*Priority*\n{e.priority}"},
                {"type": "mrkdwn", "text": f"*Language*\n{language_label(e.language)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Ticket*\n<{alert.ticket.url}|#{alert.ticket.id}>",
                },
            ],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"```{_escape(last)[:2900]}```"},
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open ticket"},
                    "url": alert.ticket.url,
                }
            ],
        },
    ]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackNotifier:
    def __init__(self, client: SlackClient, *, channel: str, tz: ZoneInfo) -> None:
        self.client = client
        self.channel = channel
        self.tz = tz

    def notify(self, alert: Alert) -> None:
        self.client.post_message(
            channel=self.channel,
            text=alert_text(alert),
            blocks=alert_blocks(alert, self.tz),
        )


class LogNotifier:
    """Used when no Slack token is configured: the alert goes to the log."""

    def notify(self, alert: Alert) -> None:
        logger.warning(
            "handoff alert (Slack not configured): %s -> %s",
            alert_text(alert),
            alert.ticket.url,
        )
