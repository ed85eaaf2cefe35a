"""The online judge's first schema: events, orders, reports, verdicts, coupons, outbox,
announcements, tokens, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from stockout.store.types import BigId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T = sa.Text
TS = UTCDateTime


def _where(condition: str) -> dict[str, Any]:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", T, nullable=False),
        sa.Column("order_id", T, nullable=False),
        sa.Column("type", T, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("carrier", T),
        sa.Column("tracking_no", T),
        sa.Column("digest", T, nullable=False),
        sa.Column("fields", T, nullable=False),
        sa.Column("raw", T, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("received_by", T),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_order", "events", ["order_id", "seq"])
    op.create_index("ix_events_tracking", "events", ["tracking_no", "carrier", "at"],
                    **_where("type = 'shipment_uploaded'"))

    op.create_table(
        "orders",
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T),
        sa.Column("buyer_id", T),
        sa.Column("state", T, nullable=False),
        sa.Column("pack_id", T),
        sa.Column("paid_cents", sa.BigInteger),
        sa.Column("category", T),
        sa.Column("ship_from_region", T),
        sa.Column("ship_to_region", T),
        sa.Column("placed_at", TS),
        sa.Column("confirmed_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("picked_up_at", TS),
        sa.Column("first_upload_at", TS),
        sa.Column("deadline_at", TS),
        sa.Column("deadline_base_at", TS),
        sa.Column("deadline_basis", T),
        sa.Column("deadline_announcement_id", T),
        sa.Column("next_due_at", TS),
        sa.Column("judged_at", TS),
        sa.Column("judged_seq", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("order_id", name="pk_orders"),
    )
    op.create_index("ix_orders_due", "orders", ["next_due_at"],
                    **_where("next_due_at IS NOT NULL"))
    op.create_index("ix_orders_shop_deadline", "orders", ["shop_id", "deadline_at"])
    op.create_index("ix_orders_shop_upload", "orders", ["shop_id", "first_upload_at"])
    op.create_index("ix_orders_buyer", "orders", ["buyer_id"])
    op.create_index("ix_orders_deadline_base", "orders", ["deadline_base_at"])

    op.create_table(
        "reports",
        sa.Column("event_id", T, nullable=False),
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("day", T, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_reports"),
    )
    op.create_index("ix_reports_shop_day", "reports", ["shop_id", "day", "at", "event_id"])
    op.create_index("ix_reports_order", "reports", ["order_id"])

    op.create_table(
        "verdicts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("order_id", T, nullable=False),
        sa.Column("violation", T, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("trigger", T, nullable=False),
        sa.Column("detected_at", TS, nullable=False),
        sa.Column("deadline", TS),
        sa.Column("compensation_cents", sa.BigInteger, nullable=False),
        sa.Column("rule", T, nullable=False),
        sa.Column("evidence", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T),
        sa.Column("paid_cents", sa.BigInteger, nullable=False),
        sa.Column("detail", T, nullable=False),
        sa.Column("legal_claim_cents", sa.BigInteger),
        sa.Column("pack_id", T, nullable=False),
        sa.Column("judged_seq", sa.BigInteger, nullable=False),
        sa.Column("status", T, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("issued_by", T, nullable=False),
        sa.Column("cause", T, nullable=False),
        sa.Column("voided_at", TS),
        sa.Column("void_reason", T),
        sa.Column("void_cause", T),
        sa.Column("replaced_by", sa.BigInteger),
        sa.PrimaryKeyConstraint("id", name="pk_verdicts"),
        sa.UniqueConstraint("order_id", "violation", "generation",
                            name="uq_verdicts_order_violation_generation"),
    )
    op.create_index("uq_verdicts_active", "verdicts", ["order_id", "violation"], unique=True,
                    **_where("status = 'active'"))
    op.create_index("ix_verdicts_list", "verdicts",
                    ["status", "order_id", "detected_at", "violation"])
    op.create_index("ix_verdicts_shop", "verdicts", ["shop_id", "status", "order_id"])
    op.create_index("ix_verdicts_buyer", "verdicts", ["buyer_id", "status", "order_id"])

    op.create_table(
        "coupons",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("verdict_id", sa.BigInteger, nullable=False),
        sa.Column("idempotency_key", T, nullable=False),
        sa.Column("order_id", T, nullable=False),
        sa.Column("shop_id", T, nullable=False),
        sa.Column("buyer_id", T),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("changed_at", TS),
        sa.Column("change_reason", T),
        sa.PrimaryKeyConstraint("id", name="pk_coupons"),
        sa.ForeignKeyConstraint(["verdict_id"], ["verdicts.id"],
                                name="fk_coupons_verdict_id_verdicts"),
        sa.UniqueConstraint("verdict_id", name="uq_coupons_verdict_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_coupons_idempotency_key"),
    )
    op.create_index("ix_coupons_order", "coupons", ["order_id"])
    op.create_index("ix_coupons_buyer", "coupons", ["buyer_id"])

    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", T, nullable=False),
        sa.Column("recipient_role", T, nullable=False),
        sa.Column("recipient_id", T, nullable=False),
        sa.Column("topic", T, nullable=False),
        sa.Column("order_id", T),
        sa.Column("payload", T, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("available_at", TS, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", T),
        sa.Column("delivered_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["available_at", "id"],
                    **_where("state = 'pending'"))
    op.create_index("ix_outbox_recipient", "outbox", ["recipient_role", "recipient_id", "id"])

    op.create_table(
        "announcements",
        sa.Column("id", T, nullable=False),
        sa.Column("starts", TS, nullable=False),
        sa.Column("ends", TS, nullable=False),
        sa.Column("extend_hours", sa.Float, nullable=False),
        sa.Column("ship_from_regions", T),
        sa.Column("ship_to_regions", T),
        sa.Column("categories", T),
        sa.Column("digest", T, nullable=False),
        sa.Column("raw", T, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", T, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_announcements"),
    )

    op.create_table(
        "tokens",
        sa.Column("id", T, nullable=False),
        sa.Column("secret_hash", T, nullable=False),
        sa.Column("role", T, nullable=False),
        sa.Column("shop_ids", T, nullable=False),
        sa.Column("buyer_id", T),
        sa.Column("label", T, nullable=False, server_default=sa.text("''")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("secret_hash", name="uq_tokens_secret_hash"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", T, nullable=False),
        sa.Column("action", T, nullable=False),
        sa.Column("subject", T, nullable=False),
        sa.Column("order_id", T),
        sa.Column("amount_cents", sa.BigInteger),
        sa.Column("details", T, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_order", "audit_log", ["order_id"])


def downgrade() -> None:
    for table in ("audit_log", "tokens", "announcements", "outbox", "coupons", "verdicts",
                  "reports", "orders", "events"):
        op.drop_table(table)
