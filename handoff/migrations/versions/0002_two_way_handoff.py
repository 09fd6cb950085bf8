"""Two-way handoff: messages for the shopper's chat, the ticket timeline, webhook receipts,
leases, and what the handoff knows about each ticket.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CONVERSATION_COLUMNS = (
    sa.Column("order_number", sa.String(50)),
    sa.Column("language", sa.String(10)),
    sa.Column("ticket_status", sa.String(20)),
    sa.Column("ticket_updated_at", sa.String(40)),
    sa.Column("last_comment_id", sa.BigInteger),
    sa.Column("polled_at", sa.DateTime),
    sa.Column("previous_reference", sa.String(20)),
    sa.Column("previous_ticket_id", sa.String(100)),
    sa.Column("assignee", sa.String(200)),
    sa.Column("alert_channel", sa.String(100)),
    sa.Column("alert_ts", sa.String(50)),
    sa.Column("last_follow_up_at", sa.DateTime),
    sa.Column("last_ack_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("handoff_conversations") as table:
        for column in _CONVERSATION_COLUMNS:
            table.add_column(column.copy())
    with op.batch_alter_table("helpdesk_tickets") as table:
        table.add_column(sa.Column("assignee", sa.String(200)))
        table.add_column(sa.Column("previous_ticket_id", sa.Integer))
    with op.batch_alter_table("helpdesk_comments") as table:
        table.add_column(sa.Column("author_name", sa.String(200)))
    op.create_table(
        "handoff_chat_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("response", sa.String(100)),
        sa.Column("resume", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("locked_by", sa.String(100)),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("delivered_at", sa.DateTime),
    )
    op.create_index(
        "ix_handoff_chat_messages_due", "handoff_chat_messages", ["status", "next_attempt_at"]
    )
    op.create_table(
        "handoff_ticket_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("ticket_id", sa.String(100)),
        sa.Column("helpdesk", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ix_handoff_ticket_events_kind_at", "handoff_ticket_events", ["kind", "at"]
    )
    op.create_table(
        "handoff_webhook_receipts",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "handoff_leases",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("until", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("handoff_leases")
    op.drop_table("handoff_webhook_receipts")
    op.drop_index("ix_handoff_ticket_events_kind_at", table_name="handoff_ticket_events")
    op.drop_table("handoff_ticket_events")
    op.drop_index("ix_handoff_chat_messages_due", table_name="handoff_chat_messages")
    op.drop_table("handoff_chat_messages")
    with op.batch_alter_table("helpdesk_comments") as table:
        table.drop_column("author_name")
    with op.batch_alter_table("helpdesk_tickets") as table:
        table.drop_column("previous_ticket_id")
        table.drop_column("assignee")
    with op.batch_alter_table("handoff_conversations") as table:
        for column in reversed(_CONVERSATION_COLUMNS):
            table.drop_column(column.name)
