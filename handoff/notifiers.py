"""Team alerts: a Block Kit message in Slack, or a log line when Slack is not configured.

One alert per escalation: each carries its escalation's key in Slack's message metadata,
and an alert whose posting may have happened (the call failed or timed out) is looked up in
the channel before it is posted again. With Slack interactivity (`SLACK_SIGNING_SECRET`),
the alert has Claim, Reply and Solve buttons (`handoff.slack_app`).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from common.languages import language_label
from handoff.models import Alert, Escalation
from handoff.rules import reason_label
from handoff.transcript import render_transcript
from integrations.slack import PostedMessage, SlackClient

logger = logging.getLogger(__name__)

LAST_TURNS = 4
EVENT_TYPE = "shopdesk_handoff"
CLAIM, REPLY, SOLVE = "shopdesk_claim", "shopdesk_reply", "shopdesk_solve"
ACTIONS_BLOCK = "shopdesk_actions"
# How far back a possibly posted alert is looked for (seconds before its escalation).
LOOKBACK_SECONDS = 60


def alert_text(alert: Alert) -> str:
    e = alert.escalation
    order = f" order {e.order_number}" if e.order_number else ""
    return f"[{e.priority}] Handoff {e.reference}: {e.summary} ({e.email}{order})"


def action_buttons(conversation_id: str, *, claimed: bool) -> list[dict[str, Any]]:
    buttons = [] if claimed else [_button("Claim", CLAIM, conversation_id, style="primary")]
    return buttons + [
        _button("Reply", REPLY, conversation_id),
        _button("Solve", SOLVE, conversation_id),
    ]


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def alert_blocks(alert: Alert, tz: ZoneInfo, *, interactive: bool = False) -> list[dict[str, Any]]:
    e = alert.escalation
    if e.order_number:
        order = f"{e.order_number} ({'verified' if e.verified else 'not verified'})"
    else:
        order = "none"
    last = render_transcript(e.turns[-LAST_TURNS:], tz) or "(no messages)"
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open ticket"},
            "url": alert.ticket.url,
            "action_id": "shopdesk_open",
        }
    ]
    if interactive:
        elements = action_buttons(e.conversation_id, claimed=False) + elements
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
        {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements},
    ]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackNotifier:
    def __init__(
        self, client: SlackClient, *, channel: str, tz: ZoneInfo, interactive: bool = False
    ) -> None:
        self.client = client
        self.channel = channel
        self.tz = tz
        self.interactive = interactive
        self._channel_id: str | None = None

    def notify(self, alert: Alert, *, maybe_posted: bool = False) -> PostedMessage:
        """Post the alert; when an earlier attempt may have posted it, find that one."""
        key = alert.escalation.external_id
        if maybe_posted:
            if self._channel_id is None:
                self._channel_id = self.client.channel_id(self.channel)
            found = self.client.find_message(
                channel_id=self._channel_id,
                event_type=EVENT_TYPE,
                key=key,
                oldest=alert.escalation.created_at.timestamp() - LOOKBACK_SECONDS,
            )
            if found is not None:
                logger.info("handoff %s: alert already in Slack", alert.escalation.reference)
                return found
        return self.client.post_message(
            channel=self.channel,
            text=alert_text(alert),
            blocks=alert_blocks(alert, self.tz, interactive=self.interactive),
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {
                    "key": key,
                    "reference": alert.escalation.reference,
                    "conversation_id": alert.escalation.conversation_id,
                },
            },
        )

    def notify_parked(self, escalation: Escalation, error: str) -> None:
        """Tell the team that an escalation reached no helpdesk (and the shopper knows)."""
        text = (
            f":warning: Handoff {escalation.reference} could not be delivered to the helpdesk "
            f"and is parked: {error[:300]}. The shopper ({escalation.email}) was told and the "
            "assistant is answering them again. Fix the cause, then Retry it on the "
            "Deliveries page."
        )
        self.client.post_message(
            channel=self.channel,
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": _escape(text)}}],
        )


class LogNotifier:
    """Used when no Slack token is configured: the alert goes to the log."""

    def notify(self, alert: Alert, *, maybe_posted: bool = False) -> PostedMessage | None:
        logger.warning(
            "handoff alert (Slack not configured): %s -> %s",
            alert_text(alert),
            alert.ticket.url,
        )
        return None

    def notify_parked(self, escalation: Escalation, error: str) -> None:
        logger.error(
            "handoff %s parked (not delivered to the helpdesk): %s; the shopper was told",
            escalation.reference,
            error,
        )
