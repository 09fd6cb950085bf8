"""Rule entity extraction: patterns and the catalogue phrase matcher."""

from pathlib import Path

import pytest

from bot.nlu.catalogue import load_products, load_return_reasons, product_phrases
from bot.nlu.entity_patterns import PhraseEntityMatcher, extract_entities
from bot.nlu.spacy_offline import english_pipeline

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def matcher() -> PhraseEntityMatcher:
    products = load_products(REPO / "data/catalogue/products.yml")
    reasons = load_return_reasons(REPO / "data/catalogue/return_reasons.yml")
    return PhraseEntityMatcher(
        english_pipeline(), products=product_phrases(products), return_reasons=reasons
    )


def found(text, matcher=None):
    return [(e.entity, e.value, text[e.start : e.end]) for e in extract_entities(text, matcher)]


def test_order_number_and_email_in_one_message():
    assert found("where is order 10023? it's jo@example.com") == [
        ("order_number", "10023", "10023"),
        ("email", "jo@example.com", "jo@example.com"),
    ]


@pytest.mark.parametrize("text", ["#10023", "order no. 10023", "order #10023 please", "10023"])
def test_order_number_forms(text):
    assert [(e, v) for e, v, _ in found(text)] == [("order_number", "10023")]


@pytest.mark.parametrize("text", ["purchase 113542617735902", "1234", "£10023.50 was taken"])
def test_other_numbers_are_not_order_numbers(text):
    assert not [e for e in found(text) if e[0] == "order_number"]


@pytest.mark.parametrize(
    "text,value",
    [
        ("deliver to SW1A 1AA", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("my zip code is 90210", "90210"),
        ("zip: 10001", "10001"),
        ("90210 zip code", "90210"),
    ],
)
def test_postcodes(text, value):
    assert [(e, v) for e, v, _ in found(text)] == [("postcode", value)]


def test_email_is_not_mistaken_for_other_entities():
    assert found("mail me at m1.1ae@example.co.uk") == [
        ("email", "m1.1ae@example.co.uk", "m1.1ae@example.co.uk")
    ]


@pytest.mark.parametrize(
    "text,value",
    [
        ("the Merino Crew Sweater", "Merino Crew Sweater"),
        ("my sweaters", "Merino Crew Sweater"),  # synonym + plural through the lemma
        ("the jumper", "Merino Crew Sweater"),
        ("Clearance Linen Scarf", "Clearance Linen Scarf"),
        ("two scarves", "Clearance Linen Scarf"),
        ("these trainers", "Running Sneakers"),
        ("the t-shirt", "Organic Cotton Tee"),
        # German, French and Spanish shoppers' words for the store's products
        ("den Pullover", "Merino Crew Sweater"),
        ("Ich möchte die Jacke zurückschicken", "Waxed Field Jacket"),
        ("les chaussettes en laine", "Wool Ankle Socks"),
        ("mon pull", "Merino Crew Sweater"),
        ("la taie d'oreiller", "Silk Pillowcase Set"),
        ("las zapatillas", "Running Sneakers"),
        ("quiero devolver los vaqueros", "Selvedge Denim Jeans"),
        ("je renvoie mon jean", "Selvedge Denim Jeans"),
    ],
)
def test_catalogue_products(matcher, text, value):
    assert [(e, v) for e, v, _ in found(text, matcher)] == [("product", value)]


@pytest.mark.parametrize("text", ["can you pull up my order", "my name is Jean"])
def test_english_words_that_are_french_products_name_none(matcher, text):
    assert [e for e in found(text, matcher) if e[0] == "product"] == []


def test_longest_product_phrase_wins(matcher):
    assert found("my chelsea boots", matcher) == [
        ("product", "Suede Chelsea Boots", "chelsea boots")
    ]


@pytest.mark.parametrize(
    "text,value",
    [
        ("it was too small", "too_small"),
        ("TOO BIG", "too_big"),
        ("it arrived damaged", "damaged"),
        ("i changed my mind", "changed_mind"),
        ("you sent the wrong item", "wrong_item"),
        ("not as described", "not_as_described"),
        ("it arrived late", "arrived_late"),
        ("they doesnt fit", "too_small"),
    ],
)
def test_return_reasons(matcher, text, value):
    assert [(e, v) for e, v, _ in found(text, matcher) if e == "return_reason"] == [
        ("return_reason", value)
    ]


def test_everything_at_once(matcher):
    text = "return order 10023, the sweater was too small. jo@example.com, SW1A 1AA"
    assert [(e, v) for e, v, _ in found(text, matcher)] == [
        ("order_number", "10023"),
        ("product", "Merino Crew Sweater"),
        ("return_reason", "too_small"),
        ("email", "jo@example.com"),
        ("postcode", "SW1A 1AA"),
    ]


@pytest.mark.parametrize(
    "text,value",
    [
        ("PLZ 10115", "10115"),
        ("meine Postleitzahl ist 80331", "80331"),
        ("Hauptstraße 5, 10115 Berlin", "10115"),
        ("code postal 75002", "75002"),
        ("mon CP : 69002", "69002"),
        ("12 rue de la Paix, 75002 Paris", "75002"),
        ("código postal 28013", "28013"),
        ("C.P. 08007", "08007"),
        ("Calle Mayor 5, 28013 Madrid", "28013"),
    ],
)
def test_german_french_spanish_postcodes(text, value):
    assert [(e, v) for e, v, _ in found(text)] == [("postcode", value)]


@pytest.mark.parametrize(
    "text",
    [
        "Wo ist meine Bestellung 10023?",
        "commande 10023, merci",
        "¿Dónde está el pedido 10023? Gracias",
        "scp 10023",
    ],
)
def test_order_numbers_in_other_languages_stay_order_numbers(text):
    assert [(e, v) for e, v, _ in found(text)] == [("order_number", "10023")]


@pytest.mark.parametrize(
    "text,value",
    [
        ("Die Hose ist zu klein", "too_small"),
        ("Meine Tassen kamen kaputt an", "damaged"),
        ("Ich habe es mir anders überlegt", "changed_mind"),
        ("elle est arrivée abîmée", "damaged"),
        ("les chaussures sont trop petites", "too_small"),
        ("vous avez envoyé la mauvaise couleur", "wrong_item"),
        ("las tazas llegaron rotas", "damaged"),
        ("me quedan grandes", "too_big"),
        ("no es como en la descripción", "not_as_described"),
    ],
)
def test_return_reasons_in_german_french_spanish(matcher, text, value):
    assert [(e, v) for e, v, _ in found(text, matcher) if e == "return_reason"] == [
        ("return_reason", value)
    ]


@pytest.mark.parametrize(
    "text,code",
    [
        ("English please", "en"),
        ("auf Deutsch bitte", "de"),
        ("en français svp", "fr"),
        ("¿hablas inglés?", "en"),
        ("Können wir Spanisch sprechen?", "es"),
        ("en español por favor", "es"),
    ],
)
def test_language_names_in_any_language(text, code):
    assert [(e, v) for e, v, _ in found(text)] == [("language", code)]


def test_a_country_is_not_a_language():
    assert found("do you deliver to Germany or Spain") == []
