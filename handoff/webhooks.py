"""The handoff service's webhooks: calls from Zendesk and Slack, verified by their signatures
(`handoff.signatures`), never by the agents' login.

POST /webhooks/zendesk                 a Zendesk trigger's webhook, body {"ticket_id": "123"}
                                       (ZENDESK_WEBHOOK_SECRET): the ticket's new public agent
                                       comments go to the chat, a solve ends the pause
POST /webhooks/slack/interactions      Slack interactivity (SLACK_SIGNING_SECRET): the alert's
                                       Claim / Reply / Solve buttons and the Reply modal

A missing or wrong signature, or one older than five minutes, gets 401; a body over 64 KiB
gets 413. A request made again changes nothing: Zendesk's carries only a ticket id, and
reading a ticket again relays nothing twice (each comment once, a solve once); Slack's
(which may post a reply) are recognised by their signature and acted on once. (Two
genuine Zendesk calls can be byte for byte the same within a second, so theirs are never
dropped as replays.)
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from handoff.bootstrap import HandoffServices
from handoff.signatures import Receipts, slack_request_valid, zendesk_request_valid
from handoff.slack_app import Outcome, SlackInteractions
from integrations.zendesk import ZendeskError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
ZENDESK_SIGNATURE = "x-zendesk-webhook-signature"
ZENDESK_TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
SLACK_SIGNATURE = "x-slack-signature"
SLACK_TIMESTAMP = "x-slack-request-timestamp"


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


async def _body(request: Request) -> bytes | None:
    body = await request.body()
    return None if len(body) > MAX_BODY_BYTES else body


def add_webhooks(app: FastAPI, services: HandoffServices) -> None:
    receipts = Receipts(services.engine)
    zendesk = services.settings.zendesk
    slack = services.settings.slack
    interactions = (
        SlackInteractions(services, services.slack)
        if slack is not None and slack.signing_secret and services.slack is not None
        else None
    )

    @app.post("/webhooks/zendesk")
    async def zendesk_webhook(request: Request) -> Response:
        secret = zendesk.webhook_secret if zendesk is not None else None
        if secret is None or services.zendesk_sync is None:
            return _error(404, "the Zendesk webhook is not configured (ZENDESK_WEBHOOK_SECRET)")
        body = await _body(request)
        if body is None:
            return _error(413, "body too large")
        signature = request.headers.get(ZENDESK_SIGNATURE)
        if not zendesk_request_valid(
            secret, timestamp=request.headers.get(ZENDESK_TIMESTAMP), signature=signature,
            body=body,
        ):
            return _error(401, "bad or stale signature")
        ticket_id = _ticket_id(body)
        if ticket_id is None:
            return _error(400, 'the body must be JSON with a numeric "ticket_id"')
        try:
            ours = await run_in_threadpool(services.zendesk_sync.sync_ticket, ticket_id)
        except ZendeskError as exc:
            logger.warning("Zendesk webhook for ticket %s: %s", ticket_id, exc)
            retry = str(int(exc.retry_after or 30))
            return _error(503, "Zendesk could not be read; call again", **{"Retry-After": retry})
        return JSONResponse({"status": "ok" if ours else "ignored"})

    @app.post("/webhooks/slack/interactions")
    async def slack_interactions(request: Request, background: BackgroundTasks) -> Response:
        if interactions is None or slack is None or slack.signing_secret is None:
            return _error(404, "Slack interactivity is not configured (SLACK_SIGNING_SECRET)")
        body = await _body(request)
        if body is None:
            return _error(413, "body too large")
        signature = request.headers.get(SLACK_SIGNATURE)
        if not slack_request_valid(
            slack.signing_secret, timestamp=request.headers.get(SLACK_TIMESTAMP),
            signature=signature, body=body,
        ):
            return _error(401, "bad or stale signature")
        assert signature is not None
        if receipts.seen(source="slack", signature=signature):
            return Response(status_code=200)
        payload = _slack_payload(body)
        if payload is None:
            return _error(400, "expected a form with a JSON `payload`")
        outcome: Outcome = await run_in_threadpool(interactions.handle, payload)
        for step in outcome.later:
            background.add_task(_logged, step)
        receipts.record(source="slack", signature=signature)
        if outcome.body is not None:
            return JSONResponse(outcome.body)
        return Response(status_code=200)


def _ticket_id(body: bytes) -> str | None:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    value = str(data.get("ticket_id", "")) if isinstance(data, dict) else ""
    return value if value.isdigit() and len(value) <= 20 else None


def _slack_payload(body: bytes) -> dict[str, Any] | None:
    try:
        raw = parse_qs(body.decode("utf-8")).get("payload", [""])[0]
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def _logged(step: Any) -> None:
    try:
        step()
    except Exception:  # noqa: BLE001 - after the answer to Slack: logged for the operators
        logger.exception("Slack interaction follow-up failed")
