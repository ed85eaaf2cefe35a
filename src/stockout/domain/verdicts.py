"""Violations, triggers and the verdict: what was decided about an order, and on what grounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockout.domain.times import format_time


class Violation(StrEnum):
    __hash__ = str.__hash__  # hash like the value: fast, and equal to its string in dicts

    LATE_SHIPMENT = "late_shipment"
    STOCKOUT = "stockout"
    FAKE_SHIPMENT = "fake_shipment"
    FRAUDULENT_SHIPMENT = "fraudulent_shipment"


class Trigger(StrEnum):
    """Each is declared with its violation, judge function, timer and texts in
    `domain/triggers.py`, in this order (which breaks ties)."""

    __hash__ = str.__hash__  # hash like the value: fast, and equal to its string in dicts

    NO_PICKUP_BY_DEADLINE = "no_pickup_by_deadline"
    SELF_REPORT = "self_report"
    MERCHANT_CHAT = "merchant_chat"
    MERCHANT_REFUND = "merchant_refund"
    INDUCED_REFUND = "induced_refund"
    UNSHIPPED_AFTER_DEADLINE = "unshipped_after_deadline"
    UPLOAD_WITHOUT_PICKUP = "upload_without_pickup"
    NO_SCAN_AFTER_UPLOAD = "no_scan_after_upload"
    TRACKING_REUSED = "tracking_reused"
    STALLED_AFTER_PICKUP = "stalled_after_pickup"
    ROUTE_MISMATCH = "route_mismatch"
    CLAIM_UPHELD = "claim_upheld"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One violation of one order. `evidence` are the event ids that decided it."""

    order_id: str
    violation: Violation
    trigger: Trigger
    detected_at: datetime
    deadline: datetime | None
    compensation_cents: int
    rule: str
    evidence: tuple[str, ...]
    shop_id: str
    paid_cents: int
    detail: str = ""
    legal_claim_cents: int | None = None

    @property
    def sort_key(self) -> tuple[str, datetime, str]:
        return (self.order_id, self.detected_at, self.violation.value)

    def to_record(self) -> dict[str, object]:
        """The verdict as the `stockout judge --json` contract prints it (DESIGN.md)."""
        return {
            "order_id": self.order_id,
            "violation": self.violation.value,
            "trigger": self.trigger.value,
            "detected_at": format_time(self.detected_at),
            "deadline": format_time(self.deadline) if self.deadline else None,
            "compensation_cents": self.compensation_cents,
            "rule": self.rule,
            "evidence": list(self.evidence),
        }
