"""Outbox, paused conversations, cursors and the built-in helpdesk.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("locked_by", sa.String(100)),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("ticket_id", sa.String(100)),
        sa.Column("ticket_url", sa.String(500)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_handoff_outbox_due", "handoff_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "handoff_conversations",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False, index=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("escalations", sa.Integer, nullable=False),
        sa.Column("ticket_id", sa.String(100)),
        sa.Column("ticket_url", sa.String(500)),
        sa.Column("paused_at", sa.DateTime, nullable=False),
        sa.Column("resumed_at", sa.DateTime),
        sa.Column("resume_reason", sa.String(50)),
    )
    op.create_table(
        "handoff_cursors",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "helpdesk_tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(300), nullable=False, unique=True),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("requester_email", sa.String(320), nullable=False),
        sa.Column("requester_name", sa.String(200)),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("order_number", sa.String(50)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("solved_at", sa.DateTime),
    )
    op.create_table(
        "helpdesk_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id",
            sa.Integer,
            sa.ForeignKey("helpdesk_tickets.id"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(300), unique=True),
        sa.Column("author", sa.String(20), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("helpdesk_comments")
    op.drop_table("helpdesk_tickets")
    op.drop_table("handoff_cursors")
    op.drop_table("handoff_conversations")
    op.drop_index("ix_handoff_outbox_due", table_name="handoff_outbox")
    op.drop_table("handoff_outbox")
