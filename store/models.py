"""Database tables, on the store's own MetaData. Money is integer cents; times are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store times are UTC-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = metadata


ORDER_STATUSES = ("processing", "shipped", "delivered", "cancelled", "returned", "refunded")
SHIPMENT_STATUSES = ("label_created", "in_transit", "out_for_delivery", "delivered", "exception")
REFUND_STATUSES = ("pending", "issued", "failed")
RETURN_STATUSES = ("authorized", "received", "refunded", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(16))

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    price_cents: Mapped[int] = mapped_column(Integer)
    final_sale: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_non_negative"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3))
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(60))
    ship_name: Mapped[str] = mapped_column(String(100))
    ship_line1: Mapped[str] = mapped_column(String(100))
    ship_line2: Mapped[str | None] = mapped_column(String(100))
    ship_city: Mapped[str] = mapped_column(String(60))
    ship_postcode: Mapped[str] = mapped_column(String(16))
    ship_country: Mapped[str] = mapped_column(String(2))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", order_by="Shipment.id")
    returns: Mapped[list[ReturnAuthorization]] = relationship(
        back_populates="order", order_by="ReturnAuthorization.id"
    )
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")

    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="status_known"),
        CheckConstraint("total_cents >= 0", name="total_non_negative"),
    )


class ShipmentLine(Base):
    """Which order lines travel in which shipment."""

    __tablename__ = "shipment_lines"

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)


class OrderLine(Base):
    __tablename__ = "order_lines"

    # Public ``line_id``; seeded deterministically, never created by the API.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(
        secondary="shipment_lines", back_populates="lines", viewonly=True
    )

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(64))
    tracking_url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    eta: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[OrderLine]] = relationship(
        secondary="shipment_lines", back_populates="shipments", order_by="OrderLine.id"
    )

    __table_args__ = (CheckConstraint(_in("status", SHIPMENT_STATUSES), name="status_known"),)


class ReturnAuthorization(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_number: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    label_url: Mapped[str] = mapped_column(String(500))
    instructions: Mapped[str] = mapped_column(Text)
    refund_cents: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="returns")
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_authorization", order_by="ReturnLine.line_id"
    )

    __table_args__ = (CheckConstraint(_in("status", RETURN_STATUSES), name="status_known"),)


class ReturnLine(Base):
    __tablename__ = "return_lines"

    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)

    return_authorization: Mapped[ReturnAuthorization] = relationship(back_populates="lines")

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="refunds")

    __table_args__ = (
        CheckConstraint(_in("status", REFUND_STATUSES), name="status_known"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )


class IdempotencyRecord(Base):
    """Keys already used for cancel / address change, so a retry does not act twice."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
