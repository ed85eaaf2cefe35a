"""Stock: the SKUs with their derived balance and listing, and the append-only ledger of
stock movements they derive from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import BigId, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

T = sa.Text
TS = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "skus",
        sa.Column("sku_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("title", T, nullable=False, server_default=sa.text("''")),
        sa.Column("category", T),
        sa.Column("price_cents", sa.BigInteger),
        sa.Column("on_hand", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("reserved", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("listing", T, nullable=False),
        sa.Column("safety_stock", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sku_id", name="pk_skus"),
        sa.CheckConstraint("reserved >= 0 AND on_hand >= reserved",
                           name="ck_skus_sellable_not_negative"),
    )
    op.create_index("ix_skus_shop", "skus", ["shop_id", "sku_id"])

    op.create_table(
        "stock_movements",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("sku_id", T, nullable=False),
        sa.Column("kind", T, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("order_id", T),
        sa.Column("reason", T, nullable=False, server_default=sa.text("''")),
        sa.Column("idempotency_key", T),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", T, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
        sa.UniqueConstraint("idempotency_key", name="uq_stock_movements_idempotency_key"),
    )
    op.create_index("ix_stock_movements_sku", "stock_movements", ["sku_id", "id"])
    op.create_index("ix_stock_movements_order", "stock_movements", ["order_id"])

    op.create_table(
        "stock_shortfalls",
        sa.Column("order_id", T, nullable=False),
        sa.Column("sku_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("sellable", sa.Integer, nullable=False),
        sa.Column("refused_at", TS, nullable=False),
        sa.Column("resolved_at", TS),
        sa.PrimaryKeyConstraint("order_id", name="pk_stock_shortfalls"),
    )
    op.create_index("ix_stock_shortfalls_shop", "stock_shortfalls", ["shop_id", "order_id"])


def downgrade() -> None:
    op.drop_table("stock_shortfalls")
    op.drop_table("stock_movements")
    op.drop_table("skus")
