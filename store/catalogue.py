"""The store's product catalogue, read from `data/catalogue/products.yml`.

One file feeds both the store (the seed loads every product from it) and the NLU (the
product extractor is built from the same names when the model is trained), so a product the
store sells is a product the assistant recognises.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from store.settings import REPO_ROOT

DEFAULT_CATALOGUE = REPO_ROOT / "data" / "catalogue" / "products.yml"


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class CatalogueProduct:
    sku: str
    name: str
    category: str
    price_cents: int
    final_sale: bool


def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> list[CatalogueProduct]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc}") from None
    rows = data.get("products") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise CatalogueError(f"{path}: expected a non-empty 'products' list")
    products = []
    for index, row in enumerate(rows):
        try:
            price = Decimal(str(row["price"]))
            product = CatalogueProduct(
                sku=str(row["sku"]),
                name=str(row["name"]),
                category=str(row["category"]),
                price_cents=int(price * 100),
                final_sale=bool(row.get("final_sale", False)),
            )
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise CatalogueError(f"{path}: product #{index + 1} is malformed ({exc})") from None
        products.append(product)
    skus = [p.sku for p in products]
    if len(set(skus)) != len(skus):
        raise CatalogueError(f"{path}: SKUs must be unique")
    return products
