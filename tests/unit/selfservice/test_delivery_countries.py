"""A delivery question that names a country is answered for that country (yes or no), so
the KPI report's "policy answered" means the question was answered."""

from __future__ import annotations

from actions.countries import named_countries
from actions.policy import describe_delivery_options, describe_delivery_to
from common.outcomes import POLICY, outcome_of
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


def test_countries_named_in_german_french_and_spanish() -> None:
    assert named_countries("Liefert ihr auch nach Österreich?", "de") == ["AT"]
    assert named_countries("lieferzeit nach osterreich?", "de") == ["AT"]  # no umlaut typed
    assert named_countries("Versand in die Schweiz oder nach Kanada?", "de") == ["CH", "CA"]
    assert named_countries("Vous livrez en Belgique ?", "fr") == ["BE"]
    assert named_countries("vous livrez aux États-Unis ?", "fr") == ["US"]
    assert named_countries("livraison vers l'Italie ?", "fr") == ["IT"]
    assert named_countries("¿Envían a Canadá?", "es") == ["CA"]
    assert named_countries("¿hacen envíos fuera de España?", "es") == ["ES"]
    # Another language's short words are not prepositions here: "a" is English's article.
    assert named_countries("do you sell a jersey", "en") == []
    assert named_countries("Liefert ihr nach Kanada?", None) == []  # German words unknown


def test_a_message_that_is_only_a_country_names_it() -> None:
    assert named_countries("Canada?") == ["CA"]
    assert named_countries("shipping canada?") == ["CA"]
    assert named_countries("Canada is lovely this time of year") == []


def test_the_answer_names_the_countries_in_the_conversations_language() -> None:
    store = policy(shipping_countries=("GB", "IE"))
    [no] = describe_delivery_to(store, named_countries("nach Kanada?", "de"), language="de")
    assert no.response == "utter_delivery_country_not_served"
    assert no.values == {"country": "Kanada", "countries": "Vereinigtes Königreich und Irland"}
    yes, *methods = describe_delivery_to(store, ["IE", "GB"], language="es")
    assert yes.values == {"country": "Irlanda y Reino Unido"}
    assert len(methods) == len(store.shipping_methods)
