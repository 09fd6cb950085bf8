"""Slack interactivity for the handoff alert: Claim, Reply (a modal whose answer goes to the
shopper's chat and the ticket) and Solve.

Slack posts each click (`block_actions`) and modal submission (`view_submission`) to
`/webhooks/slack/interactions`; the request is verified there (handoff.signatures). What
must answer within Slack's 3 seconds runs here at once (opening the modal needs the click's
short-lived trigger id); what talks to the helpdesk and updates the alert runs after the
answer (`Followup`s, run by the web layer as background tasks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handoff.bootstrap import HandoffServices
from handoff.db import now_utc
from handoff.helpdesks import ZendeskHelpdesk
from handoff.notifiers import ACTIONS_BLOCK, CLAIM, REPLY, SOLVE, action_buttons
from integrations.slack import SlackClient

logger = logging.getLogger(__name__)

REPLY_VIEW = "shopdesk_reply"
REPLY_BLOCK, REPLY_INPUT = "reply", "text"
MAX_REPLY_CHARS = 3000

Followup = Callable[[], None]


@dataclass(frozen=True)
class Outcome:
    """What to answer Slack now, and what to do after answering."""

    body: dict[str, Any] | None = None
    later: tuple[Followup, ...] = ()


def reply_modal(*, conversation_id: str, reference: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REPLY_VIEW,
        "private_metadata": conversation_id,
        "title": {"type": "plain_text", "text": f"Reply {reference}"[:24]},
        "submit": {"type": "plain_text", "text": "Send to shopper"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REPLY_BLOCK,
                "label": {
                    "type": "plain_text",
                    "text": "Your answer (the shopper sees it in the chat)",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPLY_INPUT,
                    "multiline": True,
                    "max_length": MAX_REPLY_CHARS,
                },
            }
        ],
    }


def updated_blocks(blocks: list[dict[str, Any]], *, conversation_id: str, note: str,
                   solved: bool) -> list[dict[str, Any]]:
    """The alert's blocks with a note ("Claimed by …", "Solved by …") above its buttons;
    Claim goes once claimed, every button but "Open ticket" once solved."""
    kept: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "context" and block.get("block_id") == "shopdesk_status":
            continue
        if block.get("block_id") == ACTIONS_BLOCK:
            links = [e for e in block.get("elements") or [] if e.get("url")]
            buttons = [] if solved else action_buttons(conversation_id, claimed=True)
            kept.append(
                {
                    "type": "context",
                    "block_id": "shopdesk_status",
                    "elements": [{"type": "mrkdwn", "text": note}],
                }
            )
            kept.append({**block, "elements": buttons + links})
            continue
        kept.append(block)
    return kept


def slack_user_name(user: dict[str, Any]) -> str:
    return str(user.get("name") or user.get("username") or user.get("id") or "someone")


class SlackInteractions:
    def __init__(self, services: HandoffServices, client: SlackClient) -> None:
        self.services = services
        self.client = client

    def handle(self, payload: dict[str, Any]) -> Outcome:
        kind = payload.get("type")
        user = payload.get("user") or {}
        if kind == "block_actions":
            for action in payload.get("actions") or []:
                outcome = self._action(payload, action, user)
                if outcome is not None:
                    return outcome
            return Outcome()
        view = payload.get("view") or {}
        if kind == "view_submission" and view.get("callback_id") == REPLY_VIEW:
            return self._reply_submitted(view, user)
        return Outcome()

    # -- buttons ------------------------------------------------------------------------

    def _action(
        self, payload: dict[str, Any], action: dict[str, Any], user: dict[str, Any]
    ) -> Outcome | None:
        action_id, conversation_id = action.get("action_id"), str(action.get("value") or "")
        conversation = self.services.store.conversation(conversation_id)
        if action_id not in (CLAIM, REPLY, SOLVE):
            return None
        if conversation is None or conversation.ticket_id is None:
            return Outcome(later=(lambda: logger.warning(
                "Slack %s for unknown handoff %r", action_id, conversation_id),))
        name = slack_user_name(user)
        message = payload.get("message") or {}
        channel = (payload.get("channel") or {}).get("id") or conversation.alert_channel
        ts = message.get("ts") or conversation.alert_ts
        blocks = message.get("blocks") or []
        if action_id == REPLY:
            self.client.open_view(
                trigger_id=str(payload.get("trigger_id") or ""),
                view=reply_modal(conversation_id=conversation_id,
                                 reference=conversation.reference),
            )
            return Outcome()
        ticket_id = conversation.ticket_id
        solved = action_id == SOLVE
        note = f"{'Solved' if solved else 'Claimed'} by {name}"

        def act() -> None:
            if solved:
                self._solve(conversation_id, ticket_id, actor=name)
            else:
                self._claim(conversation_id, ticket_id, actor=name, user_id=user.get("id"))
            if channel and ts and blocks:
                self.client.update_message(
                    channel=channel, ts=ts, text=note,
                    blocks=updated_blocks(blocks, conversation_id=conversation_id, note=note,
                                          solved=solved),
                )

        return Outcome(later=(act,))

    def _claim(self, conversation_id: str, ticket_id: str, *, actor: str,
               user_id: str | None) -> None:
        s = self.services
        if s.builtin is not None:
            s.builtin.assign(int(ticket_id), assignee=actor, activity=s.activity)
            return
        if isinstance(s.helpdesk, ZendeskHelpdesk):
            email = self.client.user_email(user_id) if user_id else None
            s.helpdesk.assign(ticket_id, agent_name=actor, agent_email=email)
        s.activity.claimed(conversation_id=conversation_id, actor=actor, source="slack")

    def _solve(self, conversation_id: str, ticket_id: str, *, actor: str) -> None:
        s = self.services
        if s.builtin is not None:
            s.builtin.solve(int(ticket_id), activity=s.activity, actor=actor, source="slack")
            return
        if isinstance(s.helpdesk, ZendeskHelpdesk):
            s.helpdesk.solve(ticket_id)
        s.activity.solved(conversation_id=conversation_id, source="slack", actor=actor,
                          key=f"slack:solved:{ticket_id}:{now_utc().isoformat()}")

    # -- the Reply modal ----------------------------------------------------------------

    def _reply_submitted(self, view: dict[str, Any], user: dict[str, Any]) -> Outcome:
        values = ((view.get("state") or {}).get("values") or {}).get(REPLY_BLOCK) or {}
        body = str((values.get(REPLY_INPUT) or {}).get("value") or "").strip()
        if not body:
            return Outcome(body={"response_action": "errors",
                                 "errors": {REPLY_BLOCK: "Write the answer for the shopper."}})
        conversation_id = str(view.get("private_metadata") or "")
        conversation = self.services.store.conversation(conversation_id)
        if conversation is None or conversation.ticket_id is None:
            return Outcome(body={"response_action": "errors",
                                 "errors": {REPLY_BLOCK: "This handoff no longer exists."}})
        author = slack_user_name(user)
        s, ticket_id = self.services, conversation.ticket_id
        key = f"slack:reply:{view.get('id') or ''}"
        if s.builtin is not None:
            s.builtin.reply(int(ticket_id), body=body[:MAX_REPLY_CHARS], author=author,
                            source="slack", activity=s.activity)
            return Outcome(body={"response_action": "clear"})
        s.activity.reply(conversation_id=conversation_id, body=body[:MAX_REPLY_CHARS],
                         author=author, source="slack", key=key)
        helpdesk = s.helpdesk

        def to_ticket() -> None:
            if isinstance(helpdesk, ZendeskHelpdesk):
                helpdesk.post_reply(ticket_id, body=body, author=author)

        return Outcome(body={"response_action": "clear"}, later=(to_ticket,))
