"""Policy answers: returns and delivery, read from the store's own configuration.

The numbers (return window, shipping methods, costs, times) come from
`GET /api/v1/policy`, the same object the store's rules enforce, so changing the policy
in one place changes both what the store does and what the assistant says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bootstrap import services
from actions.countries import joined, named_countries
from actions.replies import Reply, money, send
from integrations.store.errors import StoreError
from integrations.store.models import ShippingMethod, StorePolicy

logger = logging.getLogger(__name__)


def days_text(min_days: int, max_days: int) -> str:
    """'1 working day', '3-5 working days'."""
    if min_days == max_days:
        return f"{min_days} working day" + ("" if min_days == 1 else "s")
    return f"{min_days}-{max_days} working days"


def describe_return_policy(policy: StorePolicy) -> list[Reply]:
    response = (
        "utter_return_policy_final_sale_returnable"
        if policy.final_sale_returnable
        else "utter_return_policy"
    )
    values = {
        "window_days": policy.return_window_days,
        "max_units": policy.max_units_per_return,
        "refund_days": policy.refund_processing_days,
    }
    return [Reply(response, values)]


def describe_shipping_method(method: ShippingMethod, *, currency: str) -> Reply:
    return Reply(
        "utter_shipping_method",
        {
            "name": method.name,
            "cost": money(method.cost, currency),
            "days": days_text(method.min_days, method.max_days),
        },
    )


def describe_delivery_options(policy: StorePolicy) -> list[Reply]:
    intro = Reply(
        "utter_delivery_options",
        {
            "threshold": money(policy.free_shipping_threshold, policy.currency),
            "countries": ", ".join(policy.shipping_countries),
        },
    )
    methods = [
        describe_shipping_method(m, currency=policy.currency) for m in policy.shipping_methods
    ]
    return [intro, *methods]


def describe_delivery_to(
    policy: StorePolicy, asked: list[str], *, language: str = "en"
) -> list[Reply]:
    """Delivery options, answering first for each country the question names ("do you ship
    to canada?" gets a yes or a no for Canada, not only the list of countries served), with
    the countries' names in the conversation's language."""
    if not asked:
        return describe_delivery_options(policy)
    served = [c for c in asked if c in policy.shipping_countries]
    replies = [
        Reply(
            "utter_delivery_country_not_served",
            {
                "country": joined([code], language),
                "countries": joined(list(policy.shipping_countries), language),
            },
        )
        for code in asked
        if code not in policy.shipping_countries
    ]
    if served:
        replies.append(
            Reply(
                "utter_delivery_country_served",
                {"country": joined(served, language)},
            )
        )
        replies += [
            describe_shipping_method(m, currency=policy.currency) for m in policy.shipping_methods
        ]
    return replies


async def _answer(
    dispatcher: CollectingDispatcher, build: Callable[[StorePolicy], list[Reply]]
) -> list[EventType]:
    try:
        policy = await services().store.get_policy()
    except StoreError:
        logger.warning("store unavailable for a policy answer", exc_info=True)
        dispatcher.utter_message(response="utter_store_unavailable")
        return [SlotSet("handoff_reason", "store_unavailable")]
    send(dispatcher, build(policy))
    return []


class ActionReturnPolicy(Action):
    """What the return policy is (no verification needed: it is the same for everyone)."""

    def name(self) -> str:
        return "action_return_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await _answer(dispatcher, describe_return_policy)


class ActionDeliveryOptions(Action):
    """Shipping methods, costs and times, and the free-shipping threshold."""

    def name(self) -> str:
        return "action_delivery_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = str(tracker.get_slot("language") or "en")
        asked = named_countries(str(tracker.latest_message.get("text") or ""), language)
        return await _answer(
            dispatcher, lambda policy: describe_delivery_to(policy, asked, language=language)
        )
