"""The buyer's side: after-sales cases (the worker's and the platform's index of them),
customer-service tickets and product feedback.

Revision ID: 0007
Revises: 0006 (to be re-chained onto the head when merged)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import BigId, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

T = sa.Text
TS = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "aftersale_cases",
        sa.Column("case_id", T, nullable=False),
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T),
        sa.Column("kind", T, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("due_at", TS),
        sa.Column("action_due_at", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_aftersale_cases"),
    )
    op.create_index("ix_aftersale_cases_action", "aftersale_cases", ["action_due_at"],
                    sqlite_where=sa.text("action_due_at IS NOT NULL"),
                    postgresql_where=sa.text("action_due_at IS NOT NULL"))
    op.create_index("ix_aftersale_cases_queue", "aftersale_cases", ["state", "due_at", "case_id"])
    op.create_index("ix_aftersale_cases_order", "aftersale_cases", ["order_id"])

    op.create_table(
        "tickets",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T, nullable=False),
        sa.Column("text", T, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("respond_by", TS, nullable=False),
        sa.Column("answer", T),
        sa.Column("answered_at", TS),
        sa.Column("answered_by", T),
        sa.Column("closed_at", TS),
        sa.Column("reopened", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("history", T, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_queue", "tickets", ["state", "respond_by", "id"])
    op.create_index("ix_tickets_order", "tickets", ["order_id"])
    op.create_index("ix_tickets_buyer", "tickets", ["buyer_id", "id"])

    op.create_table(
        "feedback",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("sku_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T, nullable=False),
        sa.Column("order_id", T),
        sa.Column("text", T, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reply_by", TS, nullable=False),
        sa.Column("reply", T),
        sa.Column("replied_at", TS),
        sa.Column("replied_by", T),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_shop", "feedback", ["shop_id", "id"])
    op.create_index("ix_feedback_sku", "feedback", ["sku_id", "id"])
    op.create_index("ix_feedback_buyer", "feedback", ["buyer_id", "id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("tickets")
    op.drop_table("aftersale_cases")
