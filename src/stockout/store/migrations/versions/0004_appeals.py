"""Appeals with their evidence, measures against repeat offenders, and used coupons (who bears
a coupon the buyer already used once its verdict is lifted).

Revision ID: 0004
Revises: 0002 (to be re-chained onto 0003 when merged)
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stockout.store.types import BigId, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

T = sa.Text
TS = UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("coupons") as batch:
        batch.add_column(sa.Column("redeemed_at", TS))
        batch.add_column(sa.Column("charged_to", T, nullable=False,
                                   server_default=sa.text("'merchant'")))

    op.create_table(
        "appeals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("verdict_id", sa.BigInteger, nullable=False),
        sa.Column("order_id", T, nullable=False),
        sa.Column("violation", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("ground", T, nullable=False),
        sa.Column("statement", T, nullable=False, server_default=sa.text("''")),
        sa.Column("state", T, nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_by", T, nullable=False),
        sa.Column("review_due_at", TS, nullable=False),
        sa.Column("decided_at", TS),
        sa.Column("decided_by", T),
        sa.Column("decision_reason", T),
        sa.Column("announcement_id", T),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
        sa.ForeignKeyConstraint(["verdict_id"], ["verdicts.id"],
                                name="fk_appeals_verdict_id_verdicts"),
        sa.UniqueConstraint("verdict_id", name="uq_appeals_verdict_id"),
    )
    op.create_index("ix_appeals_queue", "appeals", ["state", "filed_at", "id"])
    op.create_index("ix_appeals_shop", "appeals", ["shop_id", "filed_at", "id"])
    op.create_index("ix_appeals_order", "appeals", ["order_id", "violation"])

    op.create_table(
        "appeal_evidence",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("appeal_id", sa.BigInteger, nullable=False),
        sa.Column("stored_name", T, nullable=False),
        sa.Column("original_name", T, nullable=False),
        sa.Column("media_type", T, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", T, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_appeal_evidence"),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"],
                                name="fk_appeal_evidence_appeal_id_appeals"),
        sa.UniqueConstraint("stored_name", name="uq_appeal_evidence_stored_name"),
    )
    op.create_index("ix_appeal_evidence_appeal", "appeal_evidence", ["appeal_id", "id"])

    op.create_table(
        "measures",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("key", T, nullable=False),
        sa.Column("rule_id", T, nullable=False),
        sa.Column("scope", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("sku_id", T),
        sa.Column("violation", T, nullable=False),
        sa.Column("kinds", T, nullable=False),
        sa.Column("offences", sa.Integer, nullable=False),
        sa.Column("base", sa.Integer, nullable=False),
        sa.Column("order_ids", T, nullable=False),
        sa.Column("starts", TS, nullable=False),
        sa.Column("ends", TS, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("changed_at", TS),
        sa.Column("change_reason", T),
        sa.PrimaryKeyConstraint("id", name="pk_measures"),
        sa.UniqueConstraint("key", name="uq_measures_key"),
    )
    op.create_index("ix_measures_shop", "measures", ["shop_id", "starts", "id"])
    op.create_index("ix_measures_state_ends", "measures", ["state", "ends"])


def downgrade() -> None:
    op.drop_table("measures")
    op.drop_table("appeal_evidence")
    op.drop_table("appeals")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("charged_to")
        batch.drop_column("redeemed_at")
