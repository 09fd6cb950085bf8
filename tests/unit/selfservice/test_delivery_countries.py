"""A delivery question that names a country is answered for that country (yes or no), so
the KPI report's "policy answered" means the question was answered."""

from __future__ import annotations

from actions.countries import named_countries
from actions.policy import describe_delivery_options, describe_delivery_to
from analytics.outcomes import POLICY, outcome_of
from tests.unit.selfservice.builders import policy, rendered


def test_countries_named_as_destinations() -> None:
    assert named_countries("can you ship to canada?") == ["CA"]
    assert named_countries("do you deliver to the UK") == ["GB"]
    assert named_countries("for an order to france or germany") == ["FR", "DE"]
    assert named_countries("do you deliver the jersey tomorrow") == []  # a product, not JE
    assert named_countries("what are your delivery options") == []


def test_a_country_not_served_gets_a_plain_no() -> None:
    store = policy(shipping_countries=("GB",))
    [reply] = describe_delivery_to(store, named_countries("do you ship to canada?"))
    assert reply.response == "utter_delivery_country_not_served"
    assert rendered(reply) == (
        "Sorry, we don't deliver to Canada at the moment. We deliver to the United Kingdom."
    )
    assert outcome_of(reply.response) == POLICY  # answered, if not the answer hoped for


def test_a_country_served_gets_a_yes_and_the_methods() -> None:
    store = policy(shipping_countries=("GB", "IE"))
    replies = describe_delivery_to(store, named_countries("delivery to ireland?"))
    assert rendered(replies[0]) == "Yes, we deliver to Ireland. The options:"
    assert [r.response for r in replies[1:]] == ["utter_shipping_method"] * len(
        store.shipping_methods
    )


def test_no_country_named_gets_the_usual_answer() -> None:
    store = policy()
    assert describe_delivery_to(store, []) == describe_delivery_options(store)
