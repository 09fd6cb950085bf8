"""What the storefront pages show, read from the store's database (read-only).

The pages depend on the small ``StorefrontCatalog`` interface; ``SqlCatalog`` is the
adapter over the store's SQLAlchemy models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Customer, Order, OrderLine, Product


@dataclass(frozen=True)
class ProductSummary:
    sku: str
    name: str
    category: str
    price_cents: int
    final_sale: bool


@dataclass(frozen=True)
class ShipmentSummary:
    carrier: str
    tracking_number: str
    tracking_url: str
    status: str


@dataclass(frozen=True)
class OrderSummary:
    order_number: str
    status: str
    placed_on: date
    currency: str
    total_cents: int
    items: tuple[str, ...]
    shipments: tuple[ShipmentSummary, ...]


@dataclass(frozen=True)
class CustomerOrders:
    customer_id: int
    name: str
    email: str
    orders: tuple[OrderSummary, ...]


class StorefrontCatalog(Protocol):
    def products(self) -> list[ProductSummary]: ...

    def customer_orders(self, email: str) -> CustomerOrders | None: ...


class SqlCatalog:
    """Reads products and a customer's orders with one short session per call."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def products(self) -> list[ProductSummary]:
        with Session(self._engine) as session:
            rows = session.scalars(select(Product).order_by(Product.id)).all()
            return [
                ProductSummary(
                    sku=p.sku,
                    name=p.name,
                    category=p.category,
                    price_cents=p.price_cents,
                    final_sale=p.final_sale,
                )
                for p in rows
            ]

    def customer_orders(self, email: str) -> CustomerOrders | None:
        with Session(self._engine) as session:
            customer = session.scalars(
                select(Customer).where(func.lower(Customer.email) == email.lower())
            ).one_or_none()
            if customer is None:
                return None
            orders = session.scalars(
                select(Order)
                .where(Order.customer_id == customer.id)
                .order_by(Order.placed_at.desc())
                .options(
                    selectinload(Order.lines).selectinload(OrderLine.product),
                    selectinload(Order.shipments),
                )
            ).all()
            return CustomerOrders(
                customer_id=customer.id,
                name=customer.name,
                email=customer.email,
                orders=tuple(
                    OrderSummary(
                        order_number=o.order_number,
                        status=o.status,
                        placed_on=o.placed_at.date(),
                        currency=o.currency,
                        total_cents=o.total_cents,
                        items=tuple(
                            f"{line.quantity} × {line.product.name}"
                            if line.quantity > 1
                            else line.product.name
                            for line in o.lines
                        ),
                        shipments=tuple(
                            ShipmentSummary(
                                carrier=s.carrier,
                                tracking_number=s.tracking_number,
                                tracking_url=s.tracking_url,
                                status=s.status,
                            )
                            for s in o.shipments
                        ),
                    )
                    for o in orders
                ),
            )
