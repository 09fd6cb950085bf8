"""Wires the real adapters from `HandoffSettings`, once, on first use (never at import)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from handoff.activity import RESPONSES, AgentActivity
from handoff.chat import ChatRelay, ChatStore
from handoff.db import create_db_engine
from handoff.helpdesks import BuiltinHelpdesk, ZendeskHelpdesk
from handoff.notifiers import LogNotifier, SlackNotifier
from handoff.outbox import OutboxStore
from handoff.ports import Helpdesk, Notifier
from handoff.rasa_api import RasaClient
from handoff.responses import ResponseMissing, Responses
from handoff.settings import HandoffSettings, SettingsError
from handoff.zendesk_sync import RequestBudget, ZendeskSync
from integrations.slack import SlackClient
from integrations.zendesk import ZendeskClient


@dataclass(frozen=True)
class HandoffServices:
    settings: HandoffSettings
    engine: Engine
    store: OutboxStore
    helpdesk: Helpdesk
    notifier: Notifier
    builtin: BuiltinHelpdesk | None  # set when tickets stay in the built-in helpdesk
    chat: ChatStore
    relay: ChatRelay
    activity: AgentActivity
    responses: Responses
    slack: SlackClient | None = None

    @functools.cached_property
    def zendesk_sync(self) -> ZendeskSync | None:
        """What agents do in Zendesk, for the chat (tickets in Zendesk only). Built on first
        use: only the handoff service needs it, not the action server."""
        z = self.settings.zendesk
        if z is None:
            return None
        # Its own client, within its own request budget (ticket creation is not polled for).
        budget = RequestBudget(z.requests_per_minute)
        client = ZendeskClient(subdomain=z.subdomain, email=z.email, token=z.token,
                               domain=z.domain, request_budget=budget.spend)
        return ZendeskSync(
            store=self.store,
            helpdesk=ZendeskHelpdesk(client, tz=self.settings.business_hours.tz),
            activity=self.activity,
            budget=budget,
        )


def build_services(settings: HandoffSettings) -> HandoffServices:
    engine = create_db_engine(settings.database_url)
    responses = Responses.load()
    try:
        responses.require(*RESPONSES)
    except ResponseMissing as exc:
        raise SettingsError(f"bot/domain/handoff.yml: {exc}") from None
    tz = settings.business_hours.tz
    builtin: BuiltinHelpdesk | None = None
    helpdesk: Helpdesk
    if settings.zendesk is not None:
        z = settings.zendesk
        helpdesk = ZendeskHelpdesk(
            ZendeskClient(subdomain=z.subdomain, email=z.email, token=z.token, domain=z.domain),
            tz=tz,
            order_field_id=z.order_field_id,
            conversation_field_id=z.conversation_field_id,
            group_id=z.group_id,
            brand_id=z.brand_id,
        )
    else:
        builtin = BuiltinHelpdesk(engine, tz=tz, public_url=settings.public_url)
        helpdesk = builtin
    notifier: Notifier
    slack: SlackClient | None = None
    if settings.slack is not None:
        slack = SlackClient(token=settings.slack.token, base_url=settings.slack.base_url)
        notifier = SlackNotifier(
            slack,
            channel=settings.slack.channel,
            tz=tz,
            interactive=settings.slack.signing_secret is not None,
        )
    else:
        notifier = LogNotifier()
    chat = ChatStore(engine)
    rasa = (
        RasaClient(base_url=settings.rasa_url, token=settings.rasa_token)
        if settings.rasa_url
        else None
    )
    relay = ChatRelay(store=chat, rasa=rasa)
    store = OutboxStore(engine)
    activity = AgentActivity(
        engine, helpdesk=helpdesk.name, responses=responses, wake=relay.wake.set
    )
    return HandoffServices(
        settings=settings,
        engine=engine,
        store=store,
        helpdesk=helpdesk,
        notifier=notifier,
        builtin=builtin,
        chat=chat,
        relay=relay,
        activity=activity,
        responses=responses,
        slack=slack,
    )


_services: HandoffServices | None = None
_lock = threading.Lock()


def configure(settings: HandoffSettings) -> HandoffServices:
    global _services
    with _lock:
        _services = build_services(settings)
        return _services


def services() -> HandoffServices:
    """The configured services; built from the environment on first use."""
    global _services
    with _lock:
        if _services is None:
            _services = build_services(HandoffSettings.from_env())
        return _services
