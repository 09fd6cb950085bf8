"""The catalogue file is the single source of the store's products (and of the NLU's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.catalogue import CatalogueError, load_catalogue
from store.seed import ORDER_PRODUCTS, _numbered_catalogue


def test_every_catalogue_product_is_loaded_and_order_products_keep_their_ids() -> None:
    catalogue = load_catalogue()
    numbered = _numbered_catalogue(catalogue)
    assert len(numbered) == len(catalogue)
    assert {item.sku for item in numbered.values()} == {item.sku for item in catalogue}
    for pid, sku in ORDER_PRODUCTS:
        assert numbered[pid].sku == sku
    assert numbered[10].name == "Clearance Linen Scarf" and numbered[10].final_sale
    assert numbered[1].price_cents == 8900


def test_missing_order_product_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "products.yml"
    path.write_text("products:\n  - {name: Mug, sku: X-1, category: home, price: 3.50}\n")
    catalogue = load_catalogue(path)
    assert catalogue[0].price_cents == 350
    with pytest.raises(CatalogueError, match="APP-001"):
        _numbered_catalogue(catalogue)


@pytest.mark.parametrize(
    "text",
    [
        "products: []\n",
        "products:\n  - {name: Mug, category: home, price: 3}\n",
        "products:\n  - {name: Mug, sku: X, category: home, price: cheap}\n",
        "products:\n  - {name: A, sku: X, category: c, price: 1}\n"
        "  - {name: B, sku: X, category: c, price: 1}\n",
    ],
)
def test_malformed_catalogue_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "products.yml"
    path.write_text(text)
    with pytest.raises(CatalogueError):
        load_catalogue(path)
