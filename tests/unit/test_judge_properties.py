"""Properties of the pure judge that must hold for any marketplace (Hypothesis)."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockout.domain.announcements import Announcement
from stockout.domain.events import Event
from stockout.domain.judge import judge_timelines
from stockout.domain.timeline import Timeline
from stockout.domain.verdicts import Verdict, Violation
from stockout.rulepacks import resolve_rules
from tests.strategies import T0, announcements, marketplaces

BOOK = resolve_rules("pdd")
PACK = BOOK.packs[-1]
LATER = T0 + timedelta(days=30)
FAST = settings(max_examples=int(os.environ.get("STOCKOUT_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def judge(events: Sequence[Event], now: datetime,
          notices: Sequence[Announcement] = ()) -> list[Verdict]:
    by_order: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_order[e.order_id].append(e)
    timelines = [Timeline.of(o, evs) for o, evs in sorted(by_order.items())]
    judgements = judge_timelines(timelines, lambda t: PACK, now, notices)
    return sorted((v for j in judgements for v in j.verdicts), key=lambda v: v.sort_key)


@FAST
@given(marketplaces(), announcements, st.randoms(use_true_random=False))
def test_permuting_arrival_and_duplicating_events_changes_no_verdict(
        events: list[Event], notices: list[Announcement], rnd: random.Random) -> None:
    shuffled = events + [rnd.choice(events) for _ in range(3)]
    rnd.shuffle(shuffled)
    assert judge(shuffled, LATER, notices) == judge(events, LATER, notices)


@FAST
@given(marketplaces(), announcements, st.integers(0, 400), st.integers(0, 400))
def test_a_later_evaluation_time_never_removes_or_changes_a_verdict(
        events: list[Event], notices: list[Announcement], h1: int, h2: int) -> None:
    early, late = sorted((T0 + timedelta(hours=h1), T0 + timedelta(hours=h2)))
    before = judge(events, early, notices)
    after = judge(events, late, notices)
    # The verdict stands as it was; only its `deadline` field may become known later (an order
    # reported out of stock before its group formed gets a deadline once it is confirmed).
    assert {_decided(v) for v in before} <= {_decided(v) for v in after}
    assert all(v.detected_at <= early for v in before)


def _decided(v: Verdict) -> tuple[object, ...]:
    return (v.order_id, v.violation, v.trigger, v.detected_at, v.compensation_cents, v.evidence,
            v.rule, v.detail)


@FAST
@given(marketplaces(), announcements)
def test_compensation_stays_within_the_packs_bounds(
        events: list[Event], notices: list[Announcement]) -> None:
    scales = {
        Violation.LATE_SHIPMENT: PACK.late_shipment.compensation,
        Violation.STOCKOUT: PACK.stockout.compensation,
        Violation.FAKE_SHIPMENT: PACK.fake_shipment.compensation,
        Violation.FRAUDULENT_SHIPMENT: PACK.fraudulent_shipment.compensation,
    }
    for v in judge(events, LATER, notices):
        scale = scales[v.violation]
        assert v.compensation_cents >= scale.lowest
        assert scale.highest is None or v.compensation_cents <= scale.highest
        assert v.compensation_cents % 100 == 0  # whole yuan


@FAST
@given(marketplaces(), announcements)
def test_every_evidence_id_exists_and_at_most_one_verdict_per_violation(
        events: list[Event], notices: list[Announcement]) -> None:
    ids = {e.event_id for e in events}
    seen: set[tuple[str, Violation]] = set()
    for v in judge(events, LATER, notices):
        assert v.evidence and set(v.evidence) <= ids
        assert (v.order_id, v.violation) not in seen
        seen.add((v.order_id, v.violation))


@FAST
@given(marketplaces(), announcements)
def test_no_verdict_but_fraud_is_detected_after_the_order_closed(
        events: list[Event], notices: list[Announcement]) -> None:
    closed: dict[str, datetime] = {}
    by_order: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_order[e.order_id].append(e)
    for oid, evs in by_order.items():
        closing = [e.at for e in Timeline.of(oid, evs).events
                   if e.type.value in ("group_failed", "order_cancelled", "refund_completed")]
        if closing:
            closed[oid] = closing[0]
    for v in judge(events, LATER, notices):
        if v.violation is not Violation.FRAUDULENT_SHIPMENT and v.order_id in closed:
            assert v.detected_at <= closed[v.order_id]


@FAST
@given(marketplaces(max_orders=1), st.integers(0, 300))
def test_no_verdict_appears_between_now_and_the_next_check_without_a_new_event(
        events: list[Event], hours: int) -> None:
    """A worker that sleeps until `next_check_at` misses nothing: without new events, judging at
    any time before that check gives the verdicts judged now."""
    from stockout.domain.judge import judge_order, next_check_at

    now = T0 + timedelta(hours=hours)
    visible = [e for e in events if e.at <= now]
    timeline = Timeline.of(events[0].order_id, visible)
    judged_now = judge_order(timeline, PACK, now)
    wake = next_check_at(judged_now, PACK, now)
    just_before = (wake - timedelta(seconds=1)) if wake is not None else now + timedelta(days=60)
    later = judge_order(timeline, PACK, max(just_before, now))
    assert {_decided(v) for v in later.verdicts} == {_decided(v) for v in judged_now.verdicts}
    if wake is not None:
        assert wake > now
