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
