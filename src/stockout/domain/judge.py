"""The judge: an order's facts, its rule pack, the announcements and `now` in; verdicts out.

Each trigger of DESIGN.md's table is declared in `triggers.TRIGGERS` with a small function
returning a candidate (when it would be detected, on which events). Per violation the earliest
candidate that is not after `now` and not after the order closed wins (a fraud finding stands
whenever it is decided).
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
from stockout.domain.events import Event
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts, Timeline, fold
from stockout.domain.triggers import (
    JUDGED_BY_READS,
    TIMERS,
    TRIGGER_RANK,
    VIOLATION_OF,
    Candidate,
    JudgeInput,
)
from stockout.domain.verdicts import Trigger, Verdict, Violation

_CLAIM_UPHELD = Trigger.CLAIM_UPHELD


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
    given = JudgeInput(facts, deadline, pack, context, valid_report)
    candidates = [judge(given) for reads, judges in JUDGED_BY_READS if reads(given)
                  for judge in judges]
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


def next_check_at(judgement: Judgement, pack: RulePack, now: datetime) -> datetime | None:
    """The earliest time after `now` at which a timeout of this order could still fire, so that
    a worker wakes it then; None when no timer is left (closed, or every timer has passed).
    Each trigger with a timer says its time (`TriggerRule.wake_up`)."""
    f = judgement.facts
    if f.placed is None or f.closed is not None:
        return None
    deadline = judgement.deadline
    times = [t for wake_up in TIMERS if (t := wake_up(f, deadline, pack)) is not None]
    future = [t for t in times if t > now]
    return min(future) if future else None
