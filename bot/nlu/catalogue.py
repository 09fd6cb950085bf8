"""Reads the store catalogue and the return-reason vocabulary (data/catalogue/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Product:
    name: str
    sku: str
    category: str
    # other names shoppers use for it, its words in German, French and Spanish included
    synonyms: tuple[str, ...]


class CatalogueError(ValueError):
    """The catalogue file is missing required fields or is malformed."""


def load_products(path: Path) -> list[Product]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    products = []
    for i, row in enumerate(data.get("products") or []):
        for field in ("name", "sku", "category"):
            if not row.get(field):
                raise CatalogueError(f"{path}: product #{i} has no '{field}'")
        other_languages = row.get("in_other_languages") or {}
        if not isinstance(other_languages, dict):
            raise CatalogueError(f"{path}: product #{i}'s in_other_languages is not a mapping")
        translated = [str(s) for names in other_languages.values() for s in names or ()]
        products.append(
            Product(
                name=str(row["name"]),
                sku=str(row["sku"]),
                category=str(row["category"]),
                synonyms=tuple([*(str(s) for s in row.get("synonyms") or ()), *translated]),
            )
        )
    if not products:
        raise CatalogueError(f"{path}: no products")
    return products


def load_return_reasons(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    reasons = data.get("return_reasons") or {}
    if not isinstance(reasons, dict) or not reasons:
        raise CatalogueError(f"{path}: no return_reasons mapping")
    return {str(k): [str(p) for p in v] for k, v in reasons.items()}


def product_phrases(products: list[Product]) -> dict[str, list[str]]:
    """Canonical product name -> phrases that name it (the name first)."""
    return {p.name: [p.name, *p.synonyms] for p in products}
