"""Facts about other orders that some rules need (reused tracking numbers, the daily quota of
out-of-stock reports), gathered once so that judging one order stays a pure function."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from stockout.domain.events import Event
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts
from stockout.domain.times import shanghai_day


@dataclass(frozen=True, slots=True)
class Upload:
    """A tracking number uploaded on some order."""

    at: datetime
    event_id: str
    order_id: str
    buyer_id: str | None


TrackingKey = tuple[str, str]


class ReportRefusal(StrEnum):
    CAMPAIGN = "campaign"
    AFTER_PICKUP = "after_pickup"
    CLOSED = "closed"
    DAILY_LIMIT = "daily_limit"


def report_refusal(report: Event, facts: OrderFacts, pack: RulePack) -> ReportRefusal | None:
    """Why the platform refuses a merchant's out-of-stock report, leaving the daily quota aside."""
    if facts.placed is not None and facts.placed.campaign and not pack.self_report.allow_campaign:
        return ReportRefusal.CAMPAIGN
    if not facts.before_pickup(report.at):
        return ReportRefusal.AFTER_PICKUP
    if not facts.open_at(report.at):
        return ReportRefusal.CLOSED
    return None


@dataclass(frozen=True, slots=True)
class JudgeContext:
    uploads: Mapping[TrackingKey, tuple[Upload, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    report_rank: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def earlier_upload_to_other_buyer(self, upload: Event, buyer_id: str | None,
                                      window: timedelta) -> Upload | None:
        """The latest upload of the same carrier and number on another buyer's order within
        `window` before `upload`. Uploads are ordered by (at, event_id), like events: of two
        uploads at the same instant, the one of the larger event id is the reuse."""
        if upload.carrier is None or upload.tracking_no is None:
            return None
        found: Upload | None = None
        for other in self.uploads.get((upload.carrier, upload.tracking_no), ()):
            if (other.at, other.event_id) >= (upload.at, upload.event_id):
                break
            if (other.order_id != upload.order_id and other.at >= upload.at - window
                    and other.buyer_id is not None and other.buyer_id != buyer_id):
                found = other
        return found

    def rank_of(self, report: Event) -> int:
        """The report's place among its shop's admissible reports that day (1 when unknown)."""
        return self.report_rank.get(report.event_id, 1)


EMPTY_CONTEXT = JudgeContext()


def build_context(orders: Iterable[tuple[OrderFacts, RulePack]]) -> JudgeContext:
    """Index every order's uploads by tracking number and rank each shop's reports per day."""
    uploads: dict[TrackingKey, list[Upload]] = defaultdict(list)
    reports: dict[tuple[str, object], list[Event]] = defaultdict(list)
    for facts, pack in orders:
        buyer = facts.placed.buyer_id if facts.placed is not None else None
        for u in facts.uploads:
            if u.carrier is not None and u.tracking_no is not None:
                uploads[(u.carrier, u.tracking_no)].append(Upload(u.at, u.event_id, u.order_id, buyer))
        if facts.reports and facts.placed is not None and facts.placed.shop_id is not None:
            for r in facts.reports:
                if report_refusal(r, facts, pack) is None:
                    reports[(facts.placed.shop_id, shanghai_day(r.at))].append(r)
    ranks: dict[str, int] = {}
    for day_reports in reports.values():
        day_reports.sort(key=lambda e: (e.at, e.event_id))
        for i, r in enumerate(day_reports, start=1):
            ranks[r.event_id] = i
    index = {k: tuple(sorted(v, key=lambda u: (u.at, u.event_id))) for k, v in uploads.items()}
    return JudgeContext(index, ranks)
