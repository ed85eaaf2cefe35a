"""Provenance: who stated each stored event (`events.source`: platform, sync:pdd,
carrier:<vendor>, merchant:<shop>, buyer:<id>); withdrawn announcements.

Events stored before this revision get the source their `received_by` shows: the sync's and the
carriers' adapters, a merchant's or a buyer's token (its order's shop, its buyer); the rest
(the platform's tokens, the command line, the worker) `platform`.

Revision ID: 0008
Revises: 0007 (to be re-chained onto the head when merged)
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("source", sa.Text, nullable=False,
                                   server_default=sa.text("'platform'")))
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("withdrawn_at", UTCDateTime))
        batch.add_column(sa.Column("withdrawn_by", sa.Text))
    for sql in (
        "UPDATE events SET source = 'sync:pdd' WHERE received_by = 'adapter:pdd'",
        "UPDATE events SET source = received_by WHERE received_by LIKE 'carrier:%'",
        "UPDATE events SET source = 'merchant:' || COALESCE((SELECT o.shop_id FROM orders o "
        "WHERE o.order_id = events.order_id), '') WHERE received_by IN "
        "(SELECT 'token:' || t.id FROM tokens t WHERE t.role = 'merchant')",
        "UPDATE events SET source = 'buyer:' || COALESCE((SELECT t.buyer_id FROM tokens t "
        "WHERE 'token:' || t.id = events.received_by), '') WHERE received_by IN "
        "(SELECT 'token:' || t.id FROM tokens t WHERE t.role = 'buyer')",
    ):
        op.execute(sa.text(sql))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("source")
