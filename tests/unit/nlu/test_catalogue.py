from pathlib import Path

import pytest

from bot.nlu.catalogue import CatalogueError, load_products, product_phrases

REPO = Path(__file__).resolve().parents[3]


def test_shipped_catalogue_has_required_products():
    names = {p.name for p in load_products(REPO / "data/catalogue/products.yml")}
    assert {"Merino Crew Sweater", "Clearance Linen Scarf"} <= names
    assert len(names) >= 20


def test_skus_are_unique():
    skus = [p.sku for p in load_products(REPO / "data/catalogue/products.yml")]
    assert len(skus) == len(set(skus))


def test_phrases_start_with_the_name():
    products = load_products(REPO / "data/catalogue/products.yml")
    assert all(product_phrases(products)[p.name][0] == p.name for p in products)


def test_missing_field_is_named(tmp_path):
    f = tmp_path / "p.yml"
    f.write_text("products:\n  - name: Mug\n    category: home\n")
    with pytest.raises(CatalogueError, match="sku"):
        load_products(f)


def test_no_phrase_names_two_products():
    owners: dict[str, set[str]] = {}
    for name, phrases in product_phrases(
        load_products(REPO / "data/catalogue/products.yml")
    ).items():
        for phrase in phrases:
            owners.setdefault(phrase.lower(), set()).add(name)
    assert {p: o for p, o in owners.items() if len(o) > 1} == {}


def test_other_languages_must_be_a_mapping(tmp_path):
    f = tmp_path / "p.yml"
    f.write_text(
        "products:\n  - {name: Mug, sku: M1, category: home, in_other_languages: [Tasse]}\n"
    )
    with pytest.raises(CatalogueError, match="in_other_languages"):
        load_products(f)
