"""Appeals, measures against repeat offenders and reputation (pure rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from stockout.domain.announcements import Announcement
from stockout.domain.appeals import (
    AppealGround,
    AppealRefusal,
    EvidenceRefusal,
    appeal_refusal,
    check_evidence,
    matching_announcement,
    review_due,
)
from stockout.domain.events import Event, EventType
from stockout.domain.measures import MeasureKind, Offence, shop_crossing, sku_day_crossings
from stockout.domain.reputation import reputation
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.rulepacks import resolve_rules

PACK = resolve_rules("pdd-2025").packs[0]
CST = timezone(timedelta(hours=8))
T = datetime(2025, 6, 10, 12, 0, tzinfo=CST)
PLACED = Event("p1", "o1", EventType.ORDER_PLACED, T - timedelta(days=3), shop_id="s1",
               buyer_id="b1", sku_id="k1", quantity=1, paid_cents=5000, category="食品",
               ship_from_region="浙江", ship_to_region="新疆")


def verdict(violation: Violation = Violation.LATE_SHIPMENT, trigger: Trigger =
            Trigger.NO_PICKUP_BY_DEADLINE, at: datetime = T, order: str = "o1",
            shop: str = "s1") -> Verdict:
    return Verdict(order, violation, trigger, at, at, 300, "r", ("e",), shop, 5000)


def test_an_appeal_is_open_for_seven_days_from_the_verdict_and_only_once() -> None:
    rules = PACK.appeals
    assert appeal_refusal(verdict(), T + timedelta(days=7), rules) is None
    assert appeal_refusal(verdict(), T + timedelta(days=7, seconds=1), rules) \
        is AppealRefusal.WINDOW_CLOSED
    assert appeal_refusal(verdict(), T, rules, already_appealed=True) \
        is AppealRefusal.ALREADY_APPEALED
    assert appeal_refusal(verdict(), T, rules, voided=True) is AppealRefusal.VERDICT_VOID
    assert review_due(T, rules) == T + timedelta(hours=72)


def test_force_majeure_matching_an_announcement_for_the_region_and_time_is_auto_approved() -> None:
    snow = Announcement("snow", T - timedelta(hours=1), T + timedelta(days=1), 48,
                        ship_from_regions=frozenset({"浙江"}))
    elsewhere = Announcement("flood", T - timedelta(hours=1), T + timedelta(days=1), 48,
                             ship_from_regions=frozenset({"广东"}))
    earlier = Announcement("old", T - timedelta(days=9), T - timedelta(days=8), 48)
    rules = PACK.appeals
    found = matching_announcement(AppealGround.FORCE_MAJEURE, verdict(), PLACED,
                                  [elsewhere, earlier, snow], rules)
    assert found is snow
    assert matching_announcement(AppealGround.FORCE_MAJEURE, verdict(), PLACED,
                                 [elsewhere, earlier], rules) is None
    # Other grounds go to a person even when an announcement matches.
    assert matching_announcement(AppealGround.CARRIER_FAULT, verdict(), PLACED, [snow],
                                 rules) is None


@pytest.mark.parametrize("head, size, refusal, media_type", [
    (b"\x89PNG\r\n\x1a\n....", 100, None, "image/png"),
    (b"%PDF-1.7", 100, None, "application/pdf"),
    ("快递停运通知".encode(), 100, None, "text/plain"),
    (b"<html><script>alert(1)</script>", 100, EvidenceRefusal.TYPE_NOT_ALLOWED, None),
    (b"<svg onload=alert(1)>", 100, EvidenceRefusal.TYPE_NOT_ALLOWED, None),
    (b"MZ\x90\x00", 100, EvidenceRefusal.TYPE_NOT_ALLOWED, None),
    (b"\x89PNG\r\n\x1a\n", 6 * 1024 * 1024, EvidenceRefusal.TOO_LARGE, None),
    (b"", 0, EvidenceRefusal.EMPTY, None),
])
def test_evidence_is_judged_by_its_content_and_size_never_its_name(
        head: bytes, size: int, refusal: EvidenceRefusal | None, media_type: str | None) -> None:
    found_type, found_refusal = check_evidence(size, head, PACK.appeals)
    assert found_refusal is refusal
    if refusal is None:
        assert found_type == media_type


def offence(i: int, day: int, violation: Violation = Violation.FAKE_SHIPMENT,
            sku: str = "k1") -> Offence:
    return Offence(f"o{i}", "s1", sku, violation,
                   datetime(2025, 6, day, 10, 0, tzinfo=CST) + timedelta(minutes=i))


def test_more_than_30_fake_shipments_that_are_over_30_percent_of_a_days_shipments_applies_measures(
        ) -> None:
    rule = next(r for r in PACK.measures if r.id == "fake_shipment_spike")
    offences = [offence(i, 3) for i in range(31)] + [offence(100 + i, 4) for i in range(30)]
    shipments = {("k1", date(2025, 6, 3)): 100, ("k1", date(2025, 6, 4)): 60}
    crossings = sku_day_crossings(rule, offences, shipments)
    assert len(crossings) == 1  # the 4th: exactly 30 is not more than 30
    c = crossings[0]
    assert (c.sku_id, c.count, c.base) == ("k1", 31, 100)
    assert MeasureKind.WITHDRAWAL_HOLD in c.measures
    assert c.starts == datetime(2025, 6, 4, tzinfo=CST) and c.ends - c.starts == timedelta(days=7)
    assert c.active(datetime(2025, 6, 10, 23, 59, tzinfo=CST))
    assert not c.active(datetime(2025, 6, 11, tzinfo=CST))  # lifted when the window passes
    assert len(c.order_ids) == 31


def test_a_low_rate_does_not_cross_even_with_many_offences() -> None:
    rule = next(r for r in PACK.measures if r.id == "fake_shipment_spike")
    offences = [offence(i, 3) for i in range(31)]
    assert sku_day_crossings(rule, offences, {("k1", date(2025, 6, 3)): 200}) == []


def test_a_fake_shipment_counts_on_the_day_its_order_was_shipped_not_the_day_it_was_found(
        ) -> None:
    rule = next(r for r in PACK.measures if r.id == "fake_shipment_spike")
    shipped = datetime(2025, 6, 3, 10, 0, tzinfo=CST)
    # Uploaded on the 3rd, found without a scan 24 h later (the 4th).
    offences = [Offence(f"o{i}", "s1", "k1", Violation.FAKE_SHIPMENT,
                        shipped + timedelta(hours=24, minutes=i), shipped + timedelta(minutes=i))
                for i in range(40)]
    honest_on_the_4th = {("k1", date(2025, 6, 3)): 40, ("k1", date(2025, 6, 4)): 240}
    [c] = sku_day_crossings(rule, offences, honest_on_the_4th)
    assert (c.day, c.count, c.base, c.rate) == (date(2025, 6, 3), 40, 40, 1.0)
    assert c.starts == datetime(2025, 6, 5, tzinfo=CST)  # the day after they were found
    many_on_the_3rd = {("k1", date(2025, 6, 3)): 200}
    assert sku_day_crossings(rule, offences, many_on_the_3rd) == []


def test_removing_the_cause_by_appeal_lifts_a_shop_measure() -> None:
    rule = next(r for r in PACK.measures if r.id == "stockout_repeat")
    offences = [offence(i, 5, Violation.STOCKOUT) for i in range(21)]
    now = datetime(2025, 6, 6, tzinfo=CST)
    crossing = shop_crossing(rule, "s1", offences, orders=400, now=now)
    assert crossing is not None and crossing.count == 21
    assert shop_crossing(rule, "s1", offences[1:], orders=400, now=now) is None


def test_reputation_weighs_fraud_worst_and_a_self_report_lightest_and_fades_with_age() -> None:
    rules = PACK.reputation
    now = T
    fraud = verdict(Violation.FRAUDULENT_SHIPMENT, Trigger.CLAIM_UPHELD, order="o1")
    reported = verdict(Violation.STOCKOUT, Trigger.SELF_REPORT, order="o2")
    hidden = verdict(Violation.STOCKOUT, Trigger.MERCHANT_CHAT, order="o3")
    old = verdict(Violation.STOCKOUT, Trigger.MERCHANT_CHAT, at=T - timedelta(days=30),
                  order="o4")
    ancient = verdict(Violation.FRAUDULENT_SHIPMENT, Trigger.CLAIM_UPHELD,
                      at=T - timedelta(days=91), order="o5")
    other_shop = verdict(order="o6", shop="s2")
    rep = reputation("s1", [fraud, reported, hidden, old, ancient, other_shop], now, rules)
    cost = {c.order_id: c.points for c in rep.costs}
    assert list(cost) == ["o1", "o3", "o4", "o2"]  # largest first; o5 too old, o6 not ours
    assert cost["o1"] == 20 and cost["o2"] == 0.5 and cost["o3"] == 2
    assert cost["o4"] == pytest.approx(1.0)  # halved after one half-life
    assert rep.score == pytest.approx(100 - 23.5)
    assert reputation("s1", [fraud, reported], now, rules).score < \
        reputation("s1", [reported], now, rules).score
