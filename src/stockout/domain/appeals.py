"""Appeals (申诉): a merchant asks to lift a verdict within the pack's window, on a ground, with
evidence. A force-majeure ground matching a registered announcement is approved automatically;
the rest wait for a platform reviewer, oldest first, within a service-level time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from stockout.domain.announcements import Announcement
from stockout.domain.events import Event
from stockout.domain.verdicts import Verdict


class AppealGround(StrEnum):
    __hash__ = str.__hash__

    FORCE_MAJEURE = "force_majeure"  # weather, epidemic control, carrier suspension in a region
    BUYER_REQUESTED_DELAY = "buyer_requested_delay"  # the buyer asked to wait (chat evidence)
    CARRIER_FAULT = "carrier_fault"  # carrier proof
    PLATFORM_FAULT = "platform_fault"


class AppealState(StrEnum):
    """A filed appeal is `pending` until the platform (or an announcement that proves its
    ground) decides it (`appeal_decision`), or the judge voids the verdict first (`moot`)."""

    __hash__ = str.__hash__

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    MOOT = "moot"  # the judge voided the verdict before anyone decided: nothing left to appeal


@dataclass(frozen=True, slots=True)
class AppealRules:
    window: timedelta = field(metadata={"toml": "window_days", "unit": "days"})
    review_sla: timedelta = field(metadata={"toml": "review_sla_hours", "unit": "hours"})
    auto_approve_grounds: frozenset[AppealGround]
    evidence_max_bytes: int
    evidence_types: frozenset[str]


class AppealRefusal(StrEnum):
    __hash__ = str.__hash__

    WINDOW_CLOSED = "window_closed"
    ALREADY_APPEALED = "already_appealed"
    VERDICT_VOID = "verdict_void"
    ALREADY_DECIDED = "already_decided"


def appeal_refusal(verdict: Verdict, now: datetime, rules: AppealRules, *,
                   already_appealed: bool = False, voided: bool = False) -> AppealRefusal | None:
    """Why an appeal of `verdict` cannot be filed now, or None."""
    if voided:
        return AppealRefusal.VERDICT_VOID
    if already_appealed:
        return AppealRefusal.ALREADY_APPEALED
    if now > verdict.detected_at + rules.window:
        return AppealRefusal.WINDOW_CLOSED
    return None


def appeal_decision(state: AppealState, *, approve: bool, verdict_active: bool = True
                    ) -> AppealState | AppealRefusal:
    """The state a decision takes an appeal to: only a pending appeal is decided, and approving
    one whose verdict is no longer the active one leaves nothing to lift (`moot`)."""
    if state is not AppealState.PENDING:
        return AppealRefusal.ALREADY_DECIDED
    if not approve:
        return AppealState.REJECTED
    return AppealState.APPROVED if verdict_active else AppealState.MOOT


def matching_announcement(ground: AppealGround, verdict: Verdict, placed: Event,
                          announcements: Iterable[Announcement],
                          rules: AppealRules) -> Announcement | None:
    """The announcement that proves a ground which is approved automatically: one covering the
    order's regions and category at its deadline or when the violation was found."""
    if ground not in rules.auto_approve_grounds:
        return None
    moments = [t for t in (verdict.deadline, verdict.detected_at) if t is not None]
    for ann in sorted(announcements, key=lambda a: a.id):
        for t in moments:
            if ann.covers(t, placed.ship_from_region, placed.ship_to_region, placed.category):
                return ann
    return None


def review_due(filed_at: datetime, rules: AppealRules) -> datetime:
    return filed_at + rules.review_sla


class EvidenceRefusal(StrEnum):
    __hash__ = str.__hash__

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TYPE_NOT_ALLOWED = "type_not_allowed"


# What a file's first bytes say it is; the uploaded name and declared type are never trusted.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)


def sniff_type(head: bytes) -> str | None:
    """The media type of a file by its content, for the types evidence may have."""
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head and _is_plain_text(head):
        return "text/plain"
    return None


def _is_plain_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")):
        return False  # markup is never accepted, so it can never be served as a page
    return all(c.isprintable() or c in "\r\n\t" for c in text)


def check_evidence(size: int, head: bytes, rules: AppealRules) -> tuple[str | None,
                                                                        EvidenceRefusal | None]:
    """(media type by content, refusal or None) of an evidence file."""
    if size <= 0:
        return None, EvidenceRefusal.EMPTY
    if size > rules.evidence_max_bytes:
        return None, EvidenceRefusal.TOO_LARGE
    media_type = sniff_type(head)
    if media_type is None or media_type not in rules.evidence_types:
        return media_type, EvidenceRefusal.TYPE_NOT_ALLOWED
    return media_type, None
