"""Remedies and capacity: the buyer's remedy after a stockout (offer, choice, promised date,
due time for the worker), each SKU's daily shipping capacity and its expected receipts; a
coupon may stand without a verdict (the compensation owed again for a missed promise).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import BigId, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

T = sa.Text
TS = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "remedies",
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T),
        sa.Column("sku_id", T),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False),
        sa.Column("pack_id", T, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("choose_by", TS, nullable=False),
        sa.Column("default_remedy", T, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("remedy", T),
        sa.Column("chosen_at", TS),
        sa.Column("chosen_by", T),
        sa.Column("proposed_until", TS),
        sa.Column("proposed_at", TS),
        sa.Column("until", TS),
        sa.Column("substitute_sku_id", T),
        sa.Column("refund_cents", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("due_at", TS),
        sa.Column("resolved_at", TS),
        sa.PrimaryKeyConstraint("order_id", name="pk_remedies"),
    )
    op.create_index("ix_remedies_due", "remedies", ["due_at"],
                    sqlite_where=sa.text("due_at IS NOT NULL"),
                    postgresql_where=sa.text("due_at IS NOT NULL"))
    op.create_index("ix_remedies_shop", "remedies", ["shop_id", "order_id"])
    op.create_index("ix_remedies_buyer", "remedies", ["buyer_id"])

    op.create_table(
        "sku_capacity",
        sa.Column("sku_id", T, nullable=False),
        sa.Column("daily_capacity", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", T, nullable=False),
        sa.PrimaryKeyConstraint("sku_id", name="pk_sku_capacity"),
        sa.CheckConstraint("daily_capacity > 0", name="ck_sku_capacity_positive"),
    )

    op.create_table(
        "expected_receipts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("sku_id", T, nullable=False),
        sa.Column("day", T, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", T, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_expected_receipts"),
        sa.CheckConstraint("quantity > 0", name="ck_expected_receipts_positive"),
    )
    op.create_index("ix_expected_receipts_sku", "expected_receipts", ["sku_id", "day"])

    with op.batch_alter_table("coupons") as batch:
        batch.alter_column("verdict_id", existing_type=sa.BigInteger, nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.alter_column("verdict_id", existing_type=sa.BigInteger, nullable=False)
    op.drop_table("expected_receipts")
    op.drop_table("sku_capacity")
    op.drop_table("remedies")
