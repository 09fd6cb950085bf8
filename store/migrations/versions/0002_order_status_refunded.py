"""order status 'refunded'

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = "status IN ('processing', 'shipped', 'delivered', 'cancelled', 'returned')"
NEW = "status IN ('processing', 'shipped', 'delivered', 'cancelled', 'returned', 'refunded')"


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_orders_status_known"), condition)


def upgrade() -> None:
    _replace_check(NEW)


def downgrade() -> None:
    op.execute("UPDATE orders SET status = 'returned' WHERE status = 'refunded'")
    _replace_check(OLD)
