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
from actions.language import conversation_language
from actions.locale_format import local_money, working_days
from actions.replies import Reply, send
from common.languages import DEFAULT_LANGUAGE
from integrations.store.errors import StoreError
from integrations.store.models import ShippingMethod, StorePolicy

logger = logging.getLogger(__name__)


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


def describe_shipping_method(method: ShippingMethod, *, currency: str, language: str) -> Reply:
    """A shipping method: its name as the store configured it, cost and time in `language`."""
    return Reply(
        "utter_shipping_method",
        {
            "name": method.name,
            "cost": local_money(method.cost, currency, language=language),
            "days": working_days(method.min_days, method.max_days, language=language),
        },
    )


def describe_methods(policy: StorePolicy, *, language: str) -> list[Reply]:
    return [
        describe_shipping_method(m, currency=policy.currency, language=language)
        for m in policy.shipping_methods
    ]


def describe_delivery_options(
    policy: StorePolicy, *, language: str = DEFAULT_LANGUAGE
) -> list[Reply]:
    intro = Reply(
        "utter_delivery_options",
        {
            "threshold": local_money(
                policy.free_shipping_threshold, policy.currency, language=language
            ),
            "countries": joined(list(policy.shipping_countries), language),
        },
    )
    return [intro, *describe_methods(policy, language=language)]


def describe_delivery_to(
    policy: StorePolicy, asked: list[str], *, language: str = "en"
) -> list[Reply]:
    """Delivery options, answering first for each country the question names ("do you ship
    to canada?" gets a yes or a no for Canada, not only the list of countries served), with
    the countries' names in the conversation's language."""
    if not asked:
        return describe_delivery_options(policy, language=language)
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
        replies += describe_methods(policy, language=language)
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
        language = conversation_language(tracker)
        asked = named_countries(str(tracker.latest_message.get("text") or ""), language)
        return await _answer(
            dispatcher, lambda policy: describe_delivery_to(policy, asked, language=language)
        )
