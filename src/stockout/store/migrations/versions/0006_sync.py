"""Outside sources: the open platform sync's cursor per source, and the latest trace of every
waybill a carrier pushed.

Revision ID: 0006
Revises: 0004 (to be re-chained onto the head when merged)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import UTCDateTime

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursors",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("position", UTCDateTime, nullable=False),
        sa.Column("windows", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_sync_cursors"),
    )
    op.create_table(
        "carrier_traces",
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("tracking_no", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text, nullable=False),
        sa.Column("scans", sa.Text, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("source", "tracking_no", name="pk_carrier_traces"),
    )
    op.create_index("ix_carrier_traces_tracking", "carrier_traces", ["tracking_no"])


def downgrade() -> None:
    op.drop_table("carrier_traces")
    op.drop_table("sync_cursors")
