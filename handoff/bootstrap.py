"""Wires the real adapters from `HandoffSettings`, once, on first use (never at import)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from handoff.db import create_db_engine
from handoff.helpdesks import BuiltinHelpdesk, ZendeskHelpdesk
from handoff.notifiers import LogNotifier, SlackNotifier
from handoff.outbox import OutboxStore
from handoff.ports import Helpdesk, Notifier
from handoff.settings import HandoffSettings
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


def build_services(settings: HandoffSettings) -> HandoffServices:
    engine = create_db_engine(settings.database_url)
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
        )
    else:
        builtin = BuiltinHelpdesk(engine, tz=tz, public_url=settings.public_url)
        helpdesk = builtin
    notifier: Notifier
    if settings.slack is not None:
        notifier = SlackNotifier(
            SlackClient(token=settings.slack.token, base_url=settings.slack.base_url),
            channel=settings.slack.channel,
            tz=tz,
        )
    else:
        notifier = LogNotifier()
    return HandoffServices(
        settings=settings,
        engine=engine,
        store=OutboxStore(engine),
        helpdesk=helpdesk,
        notifier=notifier,
        builtin=builtin,
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
