"""Deterministic demo data. Seeding resets the store: every table is emptied and refilled.

Dates are relative to the seed day, so "delivered 3 days ago" stays inside the return
window; re-seeding refreshes them. The demo orders are part of the bot's contract (its
tests and README use them): change them only together with those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from store.catalogue import CatalogueError, CatalogueProduct, load_catalogue
from store.models import (
    Customer,
    Order,
    OrderLine,
    Product,
    Refund,
    ReturnAuthorization,
    ReturnLine,
    Shipment,
    ShipmentLine,
    metadata,
)
from store.service import RETURN_INSTRUCTIONS

CURRENCY = "GBP"
FREE_SHIPPING_CENTS = 7500
STANDARD_SHIPPING_CENTS = 395

# Products the demo orders use, by id: (id, sku). Their names, prices and final-sale flags
# come from the catalogue (store/catalogue.py); every other catalogue product is loaded too.
ORDER_PRODUCTS = [
    (1, "APP-001"),  # Merino Crew Sweater
    (2, "APP-002"),  # Organic Cotton Tee
    (3, "APP-003"),  # Waxed Field Jacket
    (4, "APP-004"),  # Selvedge Denim Jeans
    (5, "HOM-001"),  # Stoneware Mug Set
    (6, "HOM-002"),  # Linen Duvet Cover
    (7, "HOM-003"),  # Oak Serving Board
    (8, "HOM-004"),  # Espresso Machine Pro
    (9, "ACC-001"),  # Leather Card Wallet
    (10, "ACC-002"),  # Clearance Linen Scarf (final sale)
    (11, "ACC-003"),  # Canvas Tote Bag
    (12, "ACC-004"),  # Sample Sale Sunglasses (final sale)
]

# (id, email, name, postcode, street, city, card)
CUSTOMERS = [
    (1, "jo@example.com", "Jo Rivera", "SW1A 1AA", "10 Downing Walk", "London", "card ending 4242"),
    (2, "ada@example.com", "Ada Byron", "EC1A 1BB", "1 Engine Row", "London", "card ending 1815"),
    (
        3,
        "ben@example.com",
        "Ben Okafor",
        "M1 1AE",
        "22 Piccadilly Place",
        "Manchester",
        "card ending 5100",
    ),
    (
        4,
        "cara@example.com",
        "Cara Lin",
        "EH1 1YZ",
        "5 Castle Wynd",
        "Edinburgh",
        "card ending 3737",
    ),
    (
        5,
        "dev@example.com",
        "Dev Patel",
        "B1 1AA",
        "88 Canal Street",
        "Birmingham",
        "card ending 1881",
    ),
    (6, "eve@example.com", "Eve Adams", "LS1 4AP", "3 Park Row", "Leeds", "card ending 6011"),
    (
        7,
        "finn@example.com",
        "Finn Murphy",
        "BS1 4DJ",
        "17 Harbour Side",
        "Bristol",
        "card ending 2223",
    ),
    (8, "gus@example.com", "Gus Novak", "CF10 1EP", "9 Bay Terrace", "Cardiff", "card ending 3530"),
    (
        9,
        "hana@example.com",
        "Hana Sato",
        "G1 1XQ",
        "40 George Square",
        "Glasgow",
        "card ending 4000",
    ),
    (10, "ivy@example.com", "Ivy Chen", "OX1 2JD", "6 Broad Street", "Oxford", "card ending 5555"),
    # shoppers who write in German, French and Spanish (a return each in tests/e2e)
    (11, "lena@example.com", "Lena Vogel", "NW1 6XE", "4 Melcombe Place", "London",
     "card ending 7001"),
    (12, "luc@example.com", "Luc Bernard", "BN1 1AE", "12 Ship Street", "Brighton",
     "card ending 7002"),
    (13, "sofia@example.com", "Sofía Ruiz", "L1 8JQ", "30 Bold Street", "Liverpool",
     "card ending 7003"),
]

TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "DHL": "https://www.dhl.com/gb-en/home/tracking.html?tracking-id={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
}


@dataclass
class ShipmentSpec:
    carrier: str
    tracking_number: str
    status: str
    line_numbers: list[int]  # 1-based positions of the order's lines
    shipped_days_ago: int | None
    delivered_days_ago: int | None = None
    eta_in_days: int | None = None


@dataclass
class ReturnSpec:
    status: str
    line_quantities: dict[int, int]  # line position -> quantity
    reason: str
    days_ago: int


@dataclass
class RefundSpec:
    status: str
    created_days_ago: int
    issued_days_ago: int | None = None
    amount_cents: int | None = None  # None: the order total
    method: str | None = None  # None: "original <payment method>"


@dataclass
class OrderSpec:
    number: str
    customer_id: int
    status: str
    placed_days_ago: int
    lines: list[tuple[int, int]]  # (product id, quantity)
    shipments: list[ShipmentSpec] = field(default_factory=list)
    returns: list[ReturnSpec] = field(default_factory=list)
    refunds: list[RefundSpec] = field(default_factory=list)
    cancelled_days_ago: int | None = None


DEMO_ORDERS = [
    OrderSpec(
        "10023",
        1,
        "shipped",
        2,
        [(3, 1)],
        shipments=[
            ShipmentSpec(
                "UPS", "1Z999AA10123456784", "in_transit", [1], shipped_days_ago=1, eta_in_days=2
            ),
        ],
    ),
    OrderSpec(
        "10010",
        1,
        "delivered",
        7,
        [(1, 1), (10, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100100001GB",
                "delivered",
                [1, 2],
                shipped_days_ago=5,
                delivered_days_ago=3,
            ),
        ],
    ),
    OrderSpec("10011", 1, "processing", 0, [(5, 1), (11, 1)]),
    OrderSpec("10001", 2, "processing", 1, [(6, 1), (7, 1)]),
    OrderSpec(
        "10002",
        3,
        "delivered",
        9,
        [(2, 2), (4, 1), (12, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100020001GB",
                "delivered",
                [1, 2, 3],
                shipped_days_ago=7,
                delivered_days_ago=5,
            ),
        ],
    ),
    OrderSpec(
        "10003",
        4,
        "delivered",
        64,
        [(9, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100030001GB",
                "delivered",
                [1],
                shipped_days_ago=62,
                delivered_days_ago=60,
            ),
        ],
    ),
    OrderSpec(
        "10004",
        5,
        "returned",
        25,
        [(4, 1)],
        shipments=[
            ShipmentSpec(
                "DHL",
                "JD014600004GB10004",
                "delivered",
                [1],
                shipped_days_ago=23,
                delivered_days_ago=20,
            ),
        ],
        returns=[ReturnSpec("refunded", {1: 1}, "wrong_size", days_ago=15)],
        refunds=[RefundSpec("issued", created_days_ago=10, issued_days_ago=8)],
    ),
    OrderSpec(
        "10005",
        6,
        "delivered",
        11,
        [(2, 1), (5, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100050001GB",
                "delivered",
                [1, 2],
                shipped_days_ago=10,
                delivered_days_ago=8,
            ),
        ],
        returns=[ReturnSpec("received", {1: 1}, "not_as_described", days_ago=6)],
        refunds=[RefundSpec("pending", created_days_ago=2, amount_cents=2500)],
    ),
    OrderSpec(
        "10006",
        7,
        "cancelled",
        6,
        [(7, 1)],
        cancelled_days_ago=5,
        refunds=[RefundSpec("issued", created_days_ago=5, issued_days_ago=3)],
    ),
    OrderSpec(
        "10007",
        8,
        "shipped",
        6,
        [(1, 1), (6, 1)],
        shipments=[
            ShipmentSpec(
                "DHL",
                "JD014600007GB10007",
                "delivered",
                [1],
                shipped_days_ago=4,
                delivered_days_ago=2,
            ),
            ShipmentSpec(
                "FedEx", "794612345678", "in_transit", [2], shipped_days_ago=1, eta_in_days=1
            ),
        ],
    ),
    OrderSpec(
        "10008",
        9,
        "delivered",
        20,
        [(11, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100080001GB",
                "delivered",
                [1],
                shipped_days_ago=18,
                delivered_days_ago=15,
            ),
        ],
        returns=[ReturnSpec("received", {1: 1}, "damaged", days_ago=10)],
        refunds=[RefundSpec("failed", created_days_ago=6, amount_cents=2200)],
    ),
    OrderSpec(
        "10009",
        10,
        "delivered",
        5,
        [(8, 1), (5, 1)],
        shipments=[
            ShipmentSpec(
                "DHL",
                "JD014600009GB10009",
                "delivered",
                [1, 2],
                shipped_days_ago=4,
                delivered_days_ago=2,
            ),
        ],
    ),
    OrderSpec(
        "10012",
        1,
        "refunded",
        14,
        [(2, 1), (9, 1)],
        shipments=[
            ShipmentSpec(
                "Royal Mail",
                "RM100120001GB",
                "delivered",
                [1, 2],
                shipped_days_ago=12,
                delivered_days_ago=10,
            ),
        ],
        returns=[ReturnSpec("refunded", {1: 1, 2: 1}, "changed_mind", days_ago=7)],
        refunds=[
            RefundSpec("issued", created_days_ago=4, issued_days_ago=2, method="store credit")
        ],
    ),
    *(
        OrderSpec(
            number,
            customer,
            "delivered",
            6,
            lines,
            shipments=[
                ShipmentSpec(
                    "Royal Mail",
                    f"RM{number}0001GB",
                    "delivered",
                    [1, 2],
                    shipped_days_ago=5,
                    delivered_days_ago=4,
                ),
            ],
        )
        for number, customer, lines in (
            ("10013", 11, [(1, 1), (9, 1)]),  # sweater, card wallet
            ("10014", 12, [(3, 1), (5, 1)]),  # field jacket, mug set
            ("10015", 13, [(4, 1), (11, 1)]),  # jeans, tote bag
        )
    ),
]


def _numbered_catalogue(catalogue: list[CatalogueProduct]) -> dict[int, CatalogueProduct]:
    """Catalogue products by id: the demo orders' products keep their ids, the rest follow."""
    by_sku = {item.sku: item for item in catalogue}
    missing = [sku for _, sku in ORDER_PRODUCTS if sku not in by_sku]
    if missing:
        raise CatalogueError(f"the demo orders need products missing from the catalogue: {missing}")
    numbered = {pid: by_sku.pop(sku) for pid, sku in ORDER_PRODUCTS}
    next_id = max(numbered) + 1
    for offset, item in enumerate(by_sku.values()):
        numbered[next_id + offset] = item
    return numbered


def _at(today: date, days_ago: int, hour: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=UTC)


def seed(engine: Engine, *, today: date, public_base_url: str = "http://127.0.0.1:8100") -> None:
    """Empty every table and load the demo store, in one transaction."""
    with Session(engine) as session, session.begin():
        for table in reversed(metadata.sorted_tables):
            session.execute(delete(table))
        products = {}
        for pid, item in _numbered_catalogue(load_catalogue()).items():
            products[pid] = Product(
                id=pid,
                sku=item.sku,
                name=item.name,
                category=item.category,
                price_cents=item.price_cents,
                final_sale=item.final_sale,
            )
            session.add(products[pid])
        customers = {}
        for cid, email, name, postcode, street, city, card in CUSTOMERS:
            customers[cid] = (
                Customer(id=cid, email=email, name=name, postcode=postcode),
                street,
                city,
                card,
            )
            session.add(customers[cid][0])
        session.flush()
        for spec in DEMO_ORDERS:
            _add_order(
                session,
                spec,
                customers=customers,
                products=products,
                today=today,
                public_base_url=public_base_url,
            )


def _add_order(
    session: Session,
    spec: OrderSpec,
    *,
    customers: dict,
    products: dict[int, Product],
    today: date,
    public_base_url: str,
) -> None:
    customer, street, city, card = customers[spec.customer_id]
    order_id = int(spec.number)
    lines = [
        OrderLine(
            id=order_id * 10 + pos,
            order_id=order_id,
            product_id=pid,
            quantity=qty,
            unit_price_cents=products[pid].price_cents,
        )
        for pos, (pid, qty) in enumerate(spec.lines, start=1)
    ]
    subtotal = sum(line.unit_price_cents * line.quantity for line in lines)
    shipping = 0 if subtotal >= FREE_SHIPPING_CENTS else STANDARD_SHIPPING_CENTS
    order = Order(
        id=order_id,
        order_number=spec.number,
        customer_id=customer.id,
        status=spec.status,
        placed_at=_at(today, spec.placed_days_ago, 9),
        currency=CURRENCY,
        shipping_cents=shipping,
        total_cents=subtotal + shipping,
        payment_method=card,
        ship_name=customer.name,
        ship_line1=street,
        ship_line2=None,
        ship_city=city,
        ship_postcode=customer.postcode,
        ship_country="GB",
        cancelled_at=_at(today, spec.cancelled_days_ago, 10)
        if spec.cancelled_days_ago is not None
        else None,
    )
    session.add(order)
    session.flush()
    session.add_all(lines)
    session.flush()
    for n, ship in enumerate(spec.shipments, start=1):
        shipment = Shipment(
            id=order_id * 10 + n,
            order_id=order_id,
            carrier=ship.carrier,
            tracking_number=ship.tracking_number,
            tracking_url=TRACKING_URLS[ship.carrier].format(ship.tracking_number),
            status=ship.status,
            eta=today + timedelta(days=ship.eta_in_days) if ship.eta_in_days is not None else None,
            shipped_at=_at(today, ship.shipped_days_ago, 16)
            if ship.shipped_days_ago is not None
            else None,
            delivered_at=(
                _at(today, ship.delivered_days_ago, 12)
                if ship.delivered_days_ago is not None
                else None
            ),
        )
        session.add(shipment)
        session.flush()
        session.add_all(
            ShipmentLine(shipment_id=shipment.id, line_id=lines[pos - 1].id)
            for pos in ship.line_numbers
        )
    for n, ret in enumerate(spec.returns, start=1):
        rma_number = f"RMA-{spec.number}-{n}"
        session.add(
            ReturnAuthorization(
                rma_number=rma_number,
                order_id=order_id,
                reason=ret.reason,
                comment=None,
                status=ret.status,
                label_url=f"{public_base_url}/labels/{rma_number}",
                instructions=RETURN_INSTRUCTIONS,
                refund_cents=sum(
                    lines[pos - 1].unit_price_cents * qty
                    for pos, qty in ret.line_quantities.items()
                ),
                idempotency_key=f"seed-{rma_number}",
                request_hash="seed",
                created_at=_at(today, ret.days_ago, 11),
                lines=[
                    ReturnLine(line_id=lines[pos - 1].id, quantity=qty)
                    for pos, qty in ret.line_quantities.items()
                ],
            )
        )
    for refund in spec.refunds:
        session.add(
            Refund(
                order_id=order_id,
                amount_cents=refund.amount_cents
                if refund.amount_cents is not None
                else order.total_cents,
                currency=CURRENCY,
                status=refund.status,
                method=refund.method or f"original {card}",
                created_at=_at(today, refund.created_days_ago, 13),
                issued_at=_at(today, refund.issued_days_ago, 14)
                if refund.issued_days_ago is not None
                else None,
            )
        )
    session.flush()
