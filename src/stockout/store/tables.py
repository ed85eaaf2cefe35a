"""The tables of the online judge (SQLAlchemy Core). Migrations create them; this metadata is
what the code queries and what the migration test compares the migrated schema with."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from stockout.store.types import BigId, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# Every event as received, once per event id. `fields` is the normalised domain event (UTC
# times) the judge folds; `raw` the JSON object exactly as it was posted.
events = Table(
    "events", metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", Text, nullable=False, unique=True),
    Column("order_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("carrier", Text),
    Column("tracking_no", Text),
    Column("digest", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("received_by", Text),
    # Who stated it (domain.provenance): platform, sync:pdd, carrier:<vendor>,
    # merchant:<shop>, buyer:<id>.
    Column("source", Text, nullable=False, server_default=text("'platform'")),
    Index("ix_events_order", "order_id", "seq"),
    # Tracking numbers: the other uploads of one carrier + number (fake shipment by reuse).
    Index("ix_events_tracking", "tracking_no", "carrier", "at",
          sqlite_where=text("type = 'shipment_uploaded'"),
          postgresql_where=text("type = 'shipment_uploaded'")),
)

# One row per order: who owns it, what the judge last found, and when it must be looked at again.
orders = Table(
    "orders", metadata,
    Column("order_id", Text, primary_key=True),
    Column("shop_id", Text),
    Column("buyer_id", Text),
    Column("state", Text, nullable=False),  # unplaced | placed | open | closed
    Column("pack_id", Text),
    Column("paid_cents", BigInteger),
    Column("category", Text),
    Column("ship_from_region", Text),
    Column("ship_to_region", Text),
    Column("placed_at", UTCDateTime),
    Column("confirmed_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("picked_up_at", UTCDateTime),
    Column("first_upload_at", UTCDateTime),
    Column("deadline_at", UTCDateTime),
    Column("deadline_base_at", UTCDateTime),
    Column("deadline_basis", Text),
    Column("deadline_announcement_id", Text),
    Column("next_due_at", UTCDateTime),
    Column("judged_at", UTCDateTime),
    Column("judged_seq", BigInteger, nullable=False, server_default=text("0")),
    Index("ix_orders_due", "next_due_at",
          sqlite_where=text("next_due_at IS NOT NULL"),
          postgresql_where=text("next_due_at IS NOT NULL")),
    Index("ix_orders_shop_deadline", "shop_id", "deadline_at"),
    Index("ix_orders_shop_upload", "shop_id", "first_upload_at"),
    Index("ix_orders_buyer", "buyer_id"),
    Index("ix_orders_deadline_base", "deadline_base_at"),
)

# A shop's out-of-stock reports the pack admits (quota aside), as of their order's last judging:
# their rank within the shop's Asia/Shanghai day decides the daily limit.
reports = Table(
    "reports", metadata,
    Column("event_id", Text, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("day", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_reports_shop_day", "shop_id", "day", "at", "event_id"),
    Index("ix_reports_order", "order_id"),
)

# Every verdict ever issued. At most one active verdict per order and violation (partial unique
# index); a voided verdict stays, with why and what replaced it.
verdicts = Table(
    "verdicts", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", Text, nullable=False),
    Column("violation", Text, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("trigger", Text, nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("deadline", UTCDateTime),
    Column("compensation_cents", BigInteger, nullable=False),
    Column("rule", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list of event ids
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text),
    Column("paid_cents", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("legal_claim_cents", BigInteger),
    Column("pack_id", Text, nullable=False),
    Column("judged_seq", BigInteger, nullable=False),
    Column("status", Text, nullable=False),  # active | voided
    Column("issued_at", UTCDateTime, nullable=False),
    Column("issued_by", Text, nullable=False),
    Column("cause", Text, nullable=False),
    Column("voided_at", UTCDateTime),
    Column("void_reason", Text),
    Column("void_cause", Text),
    Column("replaced_by", BigInteger),
    UniqueConstraint("order_id", "violation", "generation",
                     name="uq_verdicts_order_violation_generation"),
    Index("uq_verdicts_active", "order_id", "violation", unique=True,
          sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    Index("ix_verdicts_list", "status", "order_id", "detected_at", "violation"),
    Index("ix_verdicts_shop", "shop_id", "status", "order_id"),
    Index("ix_verdicts_buyer", "buyer_id", "status", "order_id"),
)

# The compensation ledger: one coupon per verdict, paid to the buyer once.
coupons = Table(
    "coupons", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # NULL for the compensation owed again when a remedy's promise was missed (no verdict).
    Column("verdict_id", BigInteger, ForeignKey("verdicts.id"), unique=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("order_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text),
    Column("amount_cents", BigInteger, nullable=False),
    Column("state", Text, nullable=False),  # issued | voided | clawed_back | redeemed
    Column("issued_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime),
    Column("change_reason", Text),
    # The buyer used it; who bears it: the merchant, or the platform once an approved appeal
    # or a voided verdict lifted it from the merchant (the buyer keeps a used coupon).
    Column("redeemed_at", UTCDateTime),
    Column("charged_to", Text, nullable=False, server_default=text("'merchant'")),
    Index("ix_coupons_order", "order_id"),
    Index("ix_coupons_buyer", "buyer_id"),
)

# Notifications to deliver at least once; receivers dedupe on `dedupe_key`.
outbox = Table(
    "outbox", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("recipient_role", Text, nullable=False),  # buyer | merchant
    Column("recipient_id", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("order_id", Text),
    Column("payload", Text, nullable=False),  # JSON
    Column("created_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("state", Text, nullable=False),  # pending | delivered | cancelled
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime),
    Index("ix_outbox_pending", "available_at", "id",
          sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
    Index("ix_outbox_recipient", "recipient_role", "recipient_id", "id"),
)

announcements = Table(
    "announcements", metadata,
    Column("id", Text, primary_key=True),
    Column("starts", UTCDateTime, nullable=False),
    Column("ends", UTCDateTime, nullable=False),
    Column("extend_hours", Float, nullable=False),
    Column("ship_from_regions", Text),  # JSON list or NULL (every region)
    Column("ship_to_regions", Text),
    Column("categories", Text),
    Column("digest", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    # A withdrawn announcement extends nothing any more; its row stays, as posted.
    Column("withdrawn_at", UTCDateTime),
    Column("withdrawn_by", Text),
)

# Bearer tokens: only a hash of the secret is kept.
tokens = Table(
    "tokens", metadata,
    Column("id", Text, primary_key=True),
    Column("secret_hash", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),  # platform | merchant | buyer
    Column("shop_ids", Text, nullable=False),  # JSON list
    Column("buyer_id", Text),
    Column("label", Text, nullable=False, server_default=text("''")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

# Who decided what, when: every decision that moves money.
audit_log = Table(
    "audit_log", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("order_id", Text),
    Column("amount_cents", BigInteger),
    Column("details", Text, nullable=False),  # JSON
    Index("ix_audit_order", "order_id"),
)

# A SKU and its balance, derived from `stock_movements` and rewritten in the same transaction
# as each movement. The database itself refuses a sellable below zero.
skus = Table(
    "skus", metadata,
    Column("sku_id", Text, primary_key=True),
    Column("shop_id", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=text("''")),
    Column("category", Text),
    Column("price_cents", BigInteger),
    Column("on_hand", Integer, nullable=False, server_default=text("0")),
    Column("reserved", Integer, nullable=False, server_default=text("0")),
    Column("listing", Text, nullable=False),  # listed | delisted_auto | delisted_manual
    Column("safety_stock", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("reserved >= 0 AND on_hand >= reserved",
                    name="ck_skus_sellable_not_negative"),
    Index("ix_skus_shop", "shop_id", "sku_id"),
)

# The stock ledger, append-only. Order-driven movements carry an idempotency key
# (`ORDER/KIND`), so a replayed event never moves stock twice.
stock_movements = Table(
    "stock_movements", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku_id", Text, nullable=False),
    Column("kind", Text, nullable=False),  # receipt | reservation | release | shipment | ...
    Column("quantity", Integer, nullable=False),  # signed only for an adjustment
    Column("at", UTCDateTime, nullable=False),
    Column("order_id", Text),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("idempotency_key", Text, unique=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Index("ix_stock_movements_sku", "sku_id", "id"),
    Index("ix_stock_movements_order", "order_id"),
)

# A confirmed order whose reservation was refused (not enough sellable): the event is kept,
# the order flagged; `resolved_at` is set once a later try reserves its units.
stock_shortfalls = Table(
    "stock_shortfalls", metadata,
    Column("order_id", Text, primary_key=True),
    Column("sku_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("sellable", Integer, nullable=False),
    Column("refused_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Index("ix_stock_shortfalls_shop", "shop_id", "order_id"),
)

# The buyer's remedy after a stockout verdict: the offer (until when, the default), the merchant's
# proposed restock date, the choice and the promised ship-by; `due_at` is when the worker must
# look again (the end of the choice window, or a promised date).
remedies = Table(
    "remedies", metadata,
    Column("order_id", Text, primary_key=True),
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text),
    Column("sku_id", Text),
    Column("quantity", Integer, nullable=False),
    Column("paid_cents", BigInteger, nullable=False),
    Column("pack_id", Text, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("choose_by", UTCDateTime, nullable=False),
    Column("default_remedy", Text, nullable=False),
    # domain.remedies.RemedyState: offered | wait | substitute | presale | refund | fulfilled |
    # missed | closed | withdrawn
    Column("state", Text, nullable=False),
    Column("remedy", Text),
    Column("chosen_at", UTCDateTime),
    Column("chosen_by", Text),  # buyer | default
    Column("proposed_until", UTCDateTime),
    Column("proposed_at", UTCDateTime),
    Column("until", UTCDateTime),  # the promised ship-by of a wait or presale
    Column("substitute_sku_id", Text),
    Column("refund_cents", BigInteger, nullable=False, server_default=text("0")),
    Column("due_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Index("ix_remedies_due", "due_at",
          sqlite_where=text("due_at IS NOT NULL"), postgresql_where=text("due_at IS NOT NULL")),
    Index("ix_remedies_shop", "shop_id", "order_id"),
    Index("ix_remedies_buyer", "buyer_id"),
)

# What a SKU can ship a day (Asia/Shanghai), for the listing cap and the orders at risk.
sku_capacity = Table(
    "sku_capacity", metadata,
    Column("sku_id", Text, primary_key=True),
    Column("daily_capacity", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", Text, nullable=False),
    CheckConstraint("daily_capacity > 0", name="ck_sku_capacity_positive"),
)

# Goods the merchant expects in: `quantity` units of a SKU on `day` (YYYY-MM-DD, Asia/Shanghai).
expected_receipts = Table(
    "expected_receipts", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku_id", Text, nullable=False),
    Column("day", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    CheckConstraint("quantity > 0", name="ck_expected_receipts_positive"),
    Index("ix_expected_receipts_sku", "sku_id", "day"),
)

# Appeals (申诉) of verdicts: one per verdict; pending ones form the platform's review queue,
# oldest first, each with its service-level due time.
appeals = Table(
    "appeals", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("verdict_id", BigInteger, ForeignKey("verdicts.id"), nullable=False, unique=True),
    Column("order_id", Text, nullable=False),
    Column("violation", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("ground", Text, nullable=False),  # force_majeure | buyer_requested_delay | ...
    Column("statement", Text, nullable=False, server_default=text("''")),
    Column("state", Text, nullable=False),  # domain.appeals.AppealState: pending | approved |
    # rejected | moot
    Column("filed_at", UTCDateTime, nullable=False),
    Column("filed_by", Text, nullable=False),
    Column("review_due_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decided_by", Text),
    Column("decision_reason", Text),
    Column("announcement_id", Text),  # the announcement that approved it automatically
    Index("ix_appeals_queue", "state", "filed_at", "id"),
    Index("ix_appeals_shop", "shop_id", "filed_at", "id"),
    Index("ix_appeals_order", "order_id", "violation"),
)

# An appeal's evidence files, kept in the database under a random name; the uploaded name is
# kept as information only and the type is the one sniffed from the content.
appeal_evidence = Table(
    "appeal_evidence", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("appeal_id", BigInteger, ForeignKey("appeals.id"), nullable=False),
    Column("stored_name", Text, nullable=False, unique=True),
    Column("original_name", Text, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Index("ix_appeal_evidence_appeal", "appeal_id", "id"),
)

# Measures against repeat offenders: one row per threshold crossing, with the orders that
# caused it; `state` (domain.measures.MeasureState) active | ended (its time passed) | lifted
# (its cause removed: an appeal approved, a verdict voided).
measures = Table(
    "measures", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("rule_id", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("sku_id", Text),
    Column("violation", Text, nullable=False),
    Column("kinds", Text, nullable=False),  # JSON list of measure kinds
    Column("offences", Integer, nullable=False),
    Column("base", Integer, nullable=False),
    Column("order_ids", Text, nullable=False),  # JSON list: the orders that caused it
    Column("starts", UTCDateTime, nullable=False),
    Column("ends", UTCDateTime, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime),
    Column("change_reason", Text),
    Index("ix_measures_shop", "shop_id", "starts", "id"),
    Index("ix_measures_state_ends", "state", "ends"),
)

# Where each outside source's sync stands: the end of its last complete window (the open
# platform's increments are read window by window; a window is stored with its events).
sync_cursors = Table(
    "sync_cursors", metadata,
    Column("source", Text, primary_key=True),
    Column("position", UTCDateTime, nullable=False),
    Column("windows", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The latest trace of every waybill a carrier pushed (JSON list of scans), kept so that a push
# that arrives before the order's upload is synced is matched once the upload is in.
carrier_traces = Table(
    "carrier_traces", metadata,
    Column("source", Text, primary_key=True),
    Column("tracking_no", Text, primary_key=True),
    Column("carrier", Text, nullable=False),
    Column("scans", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_carrier_traces_tracking", "tracking_no"),
)

# After-sales cases (refunds, returns, claims) as the worker and the platform's queue need them:
# each case's state is a function of the order's timeline (domain.aftersales); this row mirrors
# it, with `action_due_at` the time the worker steps in (a merchant's silence), and `due_at`
# the time the next step is due (the platform's decision, a reply, a parcel sent back).
aftersale_cases = Table(
    "aftersale_cases", metadata,
    Column("case_id", Text, primary_key=True),  # the event id of the request
    Column("order_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text),
    Column("kind", Text, nullable=False),  # refund | return | claim
    Column("state", Text, nullable=False),  # domain.aftersales.CaseState
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime),
    Column("action_due_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_aftersale_cases_action", "action_due_at",
          sqlite_where=text("action_due_at IS NOT NULL"),
          postgresql_where=text("action_due_at IS NOT NULL")),
    Index("ix_aftersale_cases_queue", "state", "due_at", "case_id"),
    Index("ix_aftersale_cases_order", "order_id"),
)

# Complaints to the platform's customer service: the order, the buyer's words and the time an
# answer is due (the pack's `[contact] ticket_response_hours`); open -> answered -> closed, and
# open again when the buyer reopens it. `history` is the JSON list of every step.
tickets = Table(
    "tickets", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("state", Text, nullable=False),  # open | answered | closed
    Column("opened_at", UTCDateTime, nullable=False),
    Column("respond_by", UTCDateTime, nullable=False),
    Column("answer", Text),
    Column("answered_at", UTCDateTime),
    Column("answered_by", Text),
    Column("closed_at", UTCDateTime),
    Column("reopened", Integer, nullable=False, server_default=text("0")),
    Column("history", Text, nullable=False),
    Index("ix_tickets_queue", "state", "respond_by", "id"),
    Index("ix_tickets_order", "order_id"),
    Index("ix_tickets_buyer", "buyer_id", "id"),
)

# Product feedback (留言反馈) left on a SKU's page, which its merchant sees and answers.
feedback = Table(
    "feedback", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku_id", Text, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("buyer_id", Text, nullable=False),
    Column("order_id", Text),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("reply_by", UTCDateTime, nullable=False),
    Column("reply", Text),
    Column("replied_at", UTCDateTime),
    Column("replied_by", Text),
    Index("ix_feedback_shop", "shop_id", "id"),
    Index("ix_feedback_sku", "sku_id", "id"),
    Index("ix_feedback_buyer", "buyer_id", "id"),
)
