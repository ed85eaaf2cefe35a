"""The judge: an order's facts, its rule pack, the announcements and `now` in; verdicts out.

Each trigger of DESIGN.md's table is a small function returning a candidate (when it would be
detected, on which events). Per violation the earliest candidate that is not after `now` and not
after the order closed wins (a fraud finding stands whenever it is decided).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from stockout.domain.announcements import Announcement
from stockout.domain.context import (
    EMPTY_CONTEXT,
    JudgeContext,
    ReportRefusal,
    build_context,
    report_refusal,
)
from stockout.domain.deadline import Deadline, ship_deadline
from stockout.domain.events import Event, ScanStatus
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts, Timeline, fold
from stockout.domain.verdicts import TRIGGER_RANK, VIOLATION_OF, Trigger, Verdict, Violation

_DELIVERED = ScanStatus.DELIVERED
_CLAIM_UPHELD = Trigger.CLAIM_UPHELD


class Candidate(NamedTuple):
    """A trigger that would fire at `at`, on the events in `evidence`."""

    trigger: Trigger
    at: datetime
    evidence: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RefusedReport:
    event_id: str
    reason: ReportRefusal


class Judgement(NamedTuple):
    """Everything decided about one order as of `now` (a NamedTuple: one per order, built often)."""

    order_id: str
    pack_id: str
    facts: OrderFacts
    deadline: Deadline | None
    verdicts: tuple[Verdict, ...]
    refused_reports: tuple[RefusedReport, ...] = ()

    @property
    def judged(self) -> bool:
        """False when the order has no `order_placed` event: nothing can be decided."""
        return self.facts.placed is not None


def judge_order(timeline: Timeline, pack: RulePack, now: datetime,
                announcements: Sequence[Announcement] = (),
                context: JudgeContext = EMPTY_CONTEXT) -> Judgement:
    """Judge one order. `context` carries what other orders tell (see `build_context`)."""
    return judge_facts(timeline.order_id, fold(timeline, now), pack, now, announcements, context)


def judge_timelines(timelines: Iterable[Timeline], rules: Callable[[Timeline], RulePack],
                    now: datetime, announcements: Sequence[Announcement] = ()
                    ) -> Iterator[Judgement]:
    """Judge many orders together, so that rules spanning orders see all of them."""
    folded = []
    for timeline in timelines:
        folded.append((timeline.order_id, fold(timeline, now), rules(timeline)))
    context = build_context((facts, pack) for _, facts, pack in folded)
    for order_id, facts, pack in folded:
        yield judge_facts(order_id, facts, pack, now, announcements, context)


def judge_facts(order_id: str, facts: OrderFacts, pack: RulePack, now: datetime,
                announcements: Sequence[Announcement], context: JudgeContext) -> Judgement:
    placed = facts.placed
    if placed is None:
        return Judgement(order_id, pack.id, facts, None, ())
    deadline = ship_deadline(placed, facts.confirmed, pack, announcements)
    valid_report, refused = (_first_valid_report(facts, pack, context) if facts.reports
                             else (None, ()))
    # Each trigger is evaluated only when the facts it reads are there: most orders ship on time.
    candidates: list[Candidate | None] = []
    if deadline is not None:
        candidates += (_no_pickup_by_deadline(facts, deadline, valid_report),
                       _unshipped_after_deadline(facts, deadline, pack))
    if valid_report is not None:
        candidates.append(Candidate(Trigger.SELF_REPORT, valid_report.at,
                                    (valid_report.event_id,)))
    if facts.merchant_chats:
        candidates.append(_merchant_chat(facts, pack))
    if facts.merchant_refunds:
        candidates.append(_merchant_refund(facts))
    if facts.buyer_refunds:
        candidates.append(_induced_refund(facts, pack))
    if facts.uploads:
        candidates += (_upload_without_pickup(facts, pack), _no_scan_after_upload(facts, pack),
                       _tracking_reused(facts, pack, context))
    if facts.pickup is not None:
        candidates.append(_stalled_after_pickup(facts, pack))
        if facts.deliveries:
            candidates.append(_route_mismatch(facts))
    if facts.decisions:
        candidates.append(_claim_upheld(facts, pack))
    closed_at = facts.closed_at
    best: dict[Violation, Candidate] = {}
    for cand in candidates:
        if cand is None or cand.at > now:
            continue
        if closed_at is not None and cand.at > closed_at and cand.trigger is not _CLAIM_UPHELD:
            continue
        violation = VIOLATION_OF[cand.trigger]
        held = best.get(violation)
        if held is None or (cand.at, TRIGGER_RANK[cand.trigger]) < (held.at,
                                                                    TRIGGER_RANK[held.trigger]):
            best[violation] = cand
    if not best:
        return Judgement(order_id, pack.id, facts, deadline, (), refused)
    verdicts = [_verdict(order_id, v, c, placed, pack, deadline) for v, c in best.items()]
    if len(verdicts) > 1:
        verdicts.sort(key=lambda x: x.sort_key)
    return Judgement(order_id, pack.id, facts, deadline, tuple(verdicts), refused)


def _verdict(order_id: str, violation: Violation, cand: Candidate, placed: Event,
             pack: RulePack, deadline: Deadline | None) -> Verdict:
    paid = placed.paid_cents or 0
    legal: int | None = None
    if violation is Violation.LATE_SHIPMENT:
        scale = pack.late_shipment.compensation
    elif violation is Violation.STOCKOUT:
        scale = pack.stockout.compensation
    elif violation is Violation.FAKE_SHIPMENT:
        scale = pack.fake_shipment.compensation
    else:
        scale = pack.fraudulent_shipment.compensation
        legal = pack.fraudulent_shipment.legal_claim_cents(paid)
    return Verdict(order_id, violation, cand.trigger, cand.at,
                   deadline.at if deadline else None, scale.for_paid(paid),
                   pack.rule_id(violation.value, cand.trigger.value), cand.evidence,
                   placed.shop_id or "", paid, cand.detail, legal)


def _first_valid_report(facts: OrderFacts, pack: RulePack, context: JudgeContext
                        ) -> tuple[Event | None, tuple[RefusedReport, ...]]:
    refused: list[RefusedReport] = []
    for report in facts.reports:
        reason = report_refusal(report, facts, pack)
        if reason is None and context.rank_of(report) > pack.self_report.daily_limit:
            reason = ReportRefusal.DAILY_LIMIT
        if reason is None:
            return report, tuple(refused)
        refused.append(RefusedReport(report.event_id, reason))
    return None, tuple(refused)


def _no_pickup_by_deadline(f: OrderFacts, deadline: Deadline | None,
                           report: Event | None) -> Candidate | None:
    if deadline is None or f.confirmed is None or f.placed is None:
        return None
    if f.picked_up_by(deadline.at) or (report is not None and report.at < deadline.at):
        return None
    return Candidate(Trigger.NO_PICKUP_BY_DEADLINE, deadline.at,
                     deadline.evidence(f.placed, f.confirmed))


def _merchant_chat(f: OrderFacts, pack: RulePack) -> Candidate | None:
    if not f.merchant_chats:
        return None
    find = pack.stockout.says_stockout.find
    for msg in f.merchant_chats:
        if f.before_pickup(msg.at):
            phrase = find(msg.text)
            if phrase is not None:
                return Candidate(Trigger.MERCHANT_CHAT, msg.at, (msg.event_id,), phrase)
    return None


def _merchant_refund(f: OrderFacts) -> Candidate | None:
    for e in f.merchant_refunds:
        if f.before_pickup(e.at):
            return Candidate(Trigger.MERCHANT_REFUND, e.at, (e.event_id,), e.type.value)
    return None


def _induced_refund(f: OrderFacts, pack: RulePack) -> Candidate | None:
    if not f.buyer_refunds:
        return None
    window = pack.stockout.induced_refund_window
    induce = pack.stockout.asks_to_refund.find
    asks = [(m, p) for m in f.merchant_chats if (p := induce(m.text)) is not None]
    says_stockout = pack.stockout.says_stockout.find
    for req in f.buyer_refunds:
        if not f.before_pickup(req.at):
            continue
        for msg, phrase in reversed(asks):
            if msg.at <= req.at <= msg.at + window:
                return Candidate(Trigger.INDUCED_REFUND, req.at, (msg.event_id, req.event_id),
                                 phrase)
        stated = says_stockout(req.reason)
        if stated is not None:
            return Candidate(Trigger.INDUCED_REFUND, req.at, (req.event_id,), stated)
    return None


def _unshipped_after_deadline(f: OrderFacts, deadline: Deadline | None,
                              pack: RulePack) -> Candidate | None:
    if deadline is None or f.confirmed is None or f.placed is None:
        return None
    at = deadline.at + pack.stockout.unshipped_after_deadline
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.UNSHIPPED_AFTER_DEADLINE, at,
                     deadline.evidence(f.placed, f.confirmed))


def _upload_without_pickup(f: OrderFacts, pack: RulePack) -> Candidate | None:
    if not f.uploads:
        return None
    first = f.uploads[0]
    at = first.at + pack.stockout.upload_without_pickup
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.UPLOAD_WITHOUT_PICKUP, at, (first.event_id,))


def _no_scan_after_upload(f: OrderFacts, pack: RulePack) -> Candidate | None:
    if not f.uploads:
        return None
    first = f.uploads[0]
    at = first.at + pack.fake_shipment.no_scan_after_upload
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.NO_SCAN_AFTER_UPLOAD, at, (first.event_id,))


def _tracking_reused(f: OrderFacts, pack: RulePack, ctx: JudgeContext) -> Candidate | None:
    if not f.uploads or f.placed is None:
        return None
    window = pack.fake_shipment.tracking_reuse_window
    for upload in f.uploads:
        other = ctx.earlier_upload_to_other_buyer(upload, f.placed.buyer_id, window)
        if other is not None:
            return Candidate(Trigger.TRACKING_REUSED, upload.at,
                             (upload.event_id, other.event_id), other.order_id)
    return None


def _stalled_after_pickup(f: OrderFacts, pack: RulePack) -> Candidate | None:
    pickup = f.pickup
    if pickup is None or pickup.status is _DELIVERED:
        return None
    at = pickup.at + pack.fake_shipment.stalled_after_pickup
    if len(f.scans) > 1 and f.scans[1].at <= at:
        return None
    return Candidate(Trigger.STALLED_AFTER_PICKUP, at, (pickup.event_id,))


def _route_mismatch(f: OrderFacts) -> Candidate | None:
    want = f.placed.ship_to_region if f.placed is not None else None
    if want is None:
        return None
    for scan in f.deliveries:
        if scan.region is not None and scan.region != want:
            return Candidate(Trigger.ROUTE_MISMATCH, scan.at, (scan.event_id,), scan.region)
    return None


def _claim_upheld(f: OrderFacts, pack: RulePack) -> Candidate | None:
    kinds = pack.fraudulent_shipment.claim_kinds
    for decision in f.decisions:
        claim = f.claims.get(decision.claim_id or "")
        if decision.upheld and claim is not None and claim.kind in kinds:
            return Candidate(Trigger.CLAIM_UPHELD, decision.at,
                             (claim.event_id, decision.event_id), claim.kind.value if claim.kind else "")
    return None


def next_check_at(judgement: Judgement, pack: RulePack, now: datetime) -> datetime | None:
    """The earliest time after `now` at which a timeout of this order could still fire, so that
    a worker wakes it then; None when no timer is left (closed, or every timer has passed)."""
    f = judgement.facts
    if f.placed is None or f.closed is not None:
        return None
    times: list[datetime] = []
    deadline = judgement.deadline
    if deadline is not None and f.pickup is None:
        times += (deadline.at, deadline.at + pack.stockout.unshipped_after_deadline)
    if f.uploads and f.pickup is None:
        first = f.uploads[0].at
        times += (first + pack.fake_shipment.no_scan_after_upload,
                  first + pack.stockout.upload_without_pickup)
    if f.pickup is not None and len(f.scans) == 1:
        times.append(f.pickup.at + pack.fake_shipment.stalled_after_pickup)
    future = [t for t in times if t > now]
    return min(future) if future else None
