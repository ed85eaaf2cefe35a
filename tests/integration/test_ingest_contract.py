"""Ingestion loses nothing and counts nothing twice; a verdict is issued once and voided with a
reason -- never deleted -- when a later event or announcement removes its grounds (both stores)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from stockout.services.access.principals import CLI
from stockout.services.common.tx import in_transaction
from stockout.services.judging.announcements import AnnouncementConflict, post_announcement
from stockout.services.judging.ingest import EventsRefused, append_events
from stockout.store.uow import UnitOfWork
from tests.helpers import Order
from tests.online import Bench

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)  # confirmation; the deadline is T + 48 h


def confirmed(order_id: str, **kw: object) -> Order:
    o = Order(order_id, T - H, **kw)  # type: ignore[arg-type]
    o.confirm(T)
    return o


def only(events: list[dict[str, object]], event_id: str) -> list[dict[str, object]]:
    return [e for e in events if e["event_id"] == event_id]


def test_same_event_id_with_the_same_body_is_accepted_once(bench: Bench) -> None:
    o = confirmed("A")
    first = bench.at(T + H).post(o)
    again = bench.post(o)
    assert first.accepted == ["A.placed", "A.confirmed"] and first.duplicates == []
    assert again.accepted == [] and again.duplicates == ["A.placed", "A.confirmed"]
    assert bench.rows("SELECT count(*) AS n FROM events")[0]["n"] == 2


def test_same_event_id_with_another_body_is_a_conflict_and_the_first_is_kept(bench: Bench
                                                                            ) -> None:
    o = confirmed("A")
    bench.at(T + H).post(o)
    changed = dict(o.events[1], at=(T + 2 * H).isoformat())
    result = bench.post([changed])
    assert [(r.index, r.event_id, r.status) for r in result.rejected] == [(0, "A.confirmed", 409)]
    stored = bench.rows("SELECT raw FROM events WHERE event_id = 'A.confirmed'")
    assert json.loads(stored[0]["raw"])["at"] == T.isoformat()


def test_repeats_inside_one_post_are_a_duplicate_or_a_conflict(bench: Bench) -> None:
    o = confirmed("A")
    placed, conf = o.events
    result = bench.at(T + H).post([placed, placed, conf, dict(conf, at=(T + H).isoformat())])
    assert result.accepted == ["A.placed", "A.confirmed"]
    assert result.duplicates == ["A.placed"]
    assert [(r.index, r.status) for r in result.rejected] == [(3, 409)]


def test_invalid_events_are_rejected_with_index_and_reason_and_the_rest_kept(bench: Bench
                                                                            ) -> None:
    o = confirmed("A")
    bad = dict(o.events[1], at="2025-03-03T10:00:00")  # no offset
    result = bench.at(T + H).post([o.events[0], bad, "nope", {"type": "what"}])
    assert result.accepted == ["A.placed"]
    assert [(r.index, r.status) for r in result.rejected] == [(1, 422), (2, 422), (3, 422)]
    assert "time without offset" in result.rejected[0].reason
    assert result.rejected[1].reason == "not a JSON object"


def test_the_event_is_kept_exactly_as_posted(bench: Bench) -> None:
    o = confirmed("A", category="定制")
    o.events[0]["extra_field"] = "kept"
    bench.at(T + H).post(o)
    raw = bench.rows("SELECT raw FROM events WHERE event_id = 'A.placed'")[0]["raw"]
    assert json.loads(raw) == o.events[0]


def test_a_verdict_records_its_pack_its_evidence_and_is_issued_once(bench: Bench) -> None:
    o = confirmed("A")
    bench.at(T + 50 * H).post(o)
    bench.post([dict(o.events[0])])  # a repeat judges nothing new
    bench.sweep()
    rows = bench.rows("SELECT * FROM verdicts")
    assert len(rows) == 1
    v = rows[0]
    assert (v["violation"], v["status"], v["generation"], v["pack_id"]) == (
        "late_shipment", "active", 1, "pdd-2025")
    assert json.loads(v["evidence"]) == ["A.confirmed"] and v["judged_seq"] == 2
    coupons = bench.rows("SELECT * FROM coupons")
    assert [(c["idempotency_key"], c["amount_cents"], c["state"]) for c in coupons] == [
        ("A/late_shipment/1", 300, "issued")]


def test_a_verdicts_cause_names_only_its_own_orders_events_in_a_post_of_several_orders(
        bench: Bench) -> None:
    a, b = confirmed("A"), confirmed("B")
    bench.at(T + 50 * H).post([*a.events, *b.events])
    causes = {r["order_id"]: r["cause"] for r in bench.rows(
        "SELECT order_id, cause FROM verdicts")}
    assert causes == {"A": "events:A.placed,A.confirmed", "B": "events:B.placed,B.confirmed"}
    audit = {r["order_id"]: json.loads(r["details"])["cause"] for r in bench.rows(
        "SELECT order_id, details FROM audit_log WHERE action = 'verdict.issued'")}
    assert audit == causes
    pickups = [a.scan(T + 47 * H, "pickup"), b.scan(T + 47 * H, "pickup")]
    bench.post([*only(a.events, pickups[0]), *only(b.events, pickups[1])])
    voided = {r["order_id"]: r["void_cause"] for r in bench.rows(
        "SELECT order_id, void_cause FROM verdicts")}
    assert voided == {"A": f"events:{pickups[0]}", "B": f"events:{pickups[1]}"}


def test_a_pickup_arriving_late_voids_the_late_verdict_and_its_coupon(bench: Bench) -> None:
    o = confirmed("A")
    bench.at(T + 50 * H).post(o)
    pickup = o.scan(T + 47 * H, "pickup")
    bench.post(only(o.events, pickup))
    v = bench.rows("SELECT * FROM verdicts")
    assert [(r["status"], r["void_reason"], r["void_cause"]) for r in v] == [
        ("voided", "grounds_removed", f"events:{pickup}")]
    assert bench.verdicts() == []
    c = bench.rows("SELECT state, change_reason FROM coupons")
    assert c == [{"state": "voided", "change_reason": "grounds_removed"}]
    assert bench.rows("SELECT state FROM outbox WHERE topic = 'compensation'") == [
        {"state": "cancelled"}]


def test_a_coupon_the_buyer_was_told_about_is_clawed_back_with_a_polite_notice(bench: Bench
                                                                              ) -> None:
    o = confirmed("A")
    bench.at(T + 50 * H).post(o)
    assert bench.deliver() == 2  # the buyer's coupon, the merchant's verdict
    bench.post(only(o.events, o.scan(T + 47 * H, "pickup")))
    assert bench.rows("SELECT state FROM coupons") == [{"state": "clawed_back"}]
    notices = bench.rows("SELECT recipient_role, topic, payload FROM outbox WHERE state = "
                         "'pending' ORDER BY id")
    assert [(n["recipient_role"], n["topic"]) for n in notices] == [
        ("merchant", "verdict_voided"), ("buyer", "compensation_withdrawn")]
    texts = json.loads(notices[1]["payload"])["texts"]
    assert "很抱歉" in texts["zh"]["body"] and "Sorry" in texts["en"]["body"]
    audit = [r["action"] for r in bench.rows("SELECT action FROM audit_log ORDER BY id")]
    assert audit == ["verdict.issued", "coupon.issued", "verdict.voided", "coupon.clawed_back"]


def test_changed_grounds_void_the_verdict_and_issue_its_successor(bench: Bench) -> None:
    o = confirmed("A")
    o.chat(T + 5 * H, "亲，没货了")
    bench.at(T + 10 * H).post(o)
    earlier = o.chat(T + 2 * H, "库存不足发不了货")
    bench.post(only(o.events, earlier))
    rows = bench.rows("SELECT id, status, generation, void_reason, replaced_by, detected_at "
                      "FROM verdicts ORDER BY id")
    assert [(r["status"], r["generation"], r["void_reason"]) for r in rows] == [
        ("voided", 1, "replaced"), ("active", 2, None)]
    assert rows[0]["replaced_by"] == rows[1]["id"]
    assert [v["evidence"] for v in bench.verdicts()] == [[earlier]]
    coupons = bench.rows("SELECT idempotency_key, state FROM coupons ORDER BY id")
    assert coupons == [{"idempotency_key": "A/stockout/1", "state": "voided"},
                       {"idempotency_key": "A/stockout/2", "state": "issued"}]


def test_an_announcement_voids_the_late_verdict_it_excuses_and_names_itself(bench: Bench
                                                                           ) -> None:
    o = confirmed("A", ship_to_region="新疆")
    bench.at(T + 50 * H).post(o)
    notice = {"id": "ANN-SNOW", "starts": (T + 40 * H).isoformat(),
              "ends": (T + 60 * H).isoformat(), "extend_hours": 72, "ship_to_regions": ["新疆"]}
    posted = post_announcement(bench.uow(), bench.rules, bench.clock, notice, CLI)
    assert (posted.created, posted.orders, posted.voided) == (True, 1, 1)
    row = bench.rows("SELECT status, void_cause FROM verdicts")
    assert row == [{"status": "voided", "void_cause": "announcement:ANN-SNOW"}]
    order = bench.rows("SELECT deadline_at, deadline_announcement_id FROM orders")[0]
    assert order["deadline_announcement_id"] == "ANN-SNOW"
    again = post_announcement(bench.uow(), bench.rules, bench.clock, notice, CLI)
    assert again.created is False
    try:
        post_announcement(bench.uow(), bench.rules, bench.clock, dict(notice, extend_hours=1), CLI)
    except AnnouncementConflict:
        pass
    else:
        raise AssertionError("another body under the same id must be a conflict")


def test_an_announcement_moving_only_the_stated_deadline_keeps_the_verdict_and_its_coupon(
        bench: Bench) -> None:
    o = confirmed("A", ship_to_region="新疆")
    o.report(T + 2 * H)
    bench.at(T + 3 * H).post(o)
    bench.deliver()  # the buyer was told of the coupon
    [before] = bench.rows("SELECT id, trigger, deadline FROM verdicts")
    notice = {"id": "ANN-SNOW", "starts": T.isoformat(), "ends": (T + 60 * H).isoformat(),
              "extend_hours": 72, "ship_to_regions": ["新疆"]}
    post_announcement(bench.uow(), bench.rules, bench.clock, notice, CLI)
    [after] = bench.rows("SELECT id, status, deadline FROM verdicts")
    assert (after["id"], after["status"]) == (before["id"], "active")  # not replaced
    def when(x: object) -> datetime:  # the raw column: a string on SQLite
        return x if isinstance(x, datetime) else datetime.fromisoformat(str(x))

    assert when(after["deadline"]) - when(before["deadline"]) == timedelta(hours=72)
    assert bench.rows("SELECT state FROM coupons") == [{"state": "issued"}]
    assert bench.rows("SELECT count(*) AS n FROM outbox WHERE topic = "
                      "'compensation_withdrawn'")[0]["n"] == 0
    moved = bench.rows("SELECT details FROM audit_log WHERE action = 'verdict.deadline_changed'")
    assert json.loads(moved[0]["details"])["cause"] == "announcement:ANN-SNOW"


def test_an_announcement_posted_after_the_order_closed_still_voids_what_it_excuses(
        bench: Bench) -> None:
    o = confirmed("A", ship_to_region="新疆")
    o.scan(T + 50 * H)  # picked up two hours late
    o.refund_completed(T + 60 * H)  # and closed
    bench.at(T + 61 * H).post(o)
    assert [r["status"] for r in bench.rows("SELECT status FROM verdicts")] == ["active"]
    notice = {"id": "ANN-LATE", "starts": (T + 40 * H).isoformat(),
              "ends": (T + 60 * H).isoformat(), "extend_hours": 24, "ship_to_regions": ["新疆"]}
    posted = post_announcement(bench.uow(), bench.rules, bench.clock, notice, CLI)
    assert (posted.orders, posted.voided) == (1, 1)
    assert bench.rows("SELECT status, void_cause FROM verdicts") == [
        {"status": "voided", "void_cause": "announcement:ANN-LATE"}]


def test_a_services_own_refused_event_rolls_its_whole_call_back(bench: Bench) -> None:
    """append_events (a report, a remedy) raises instead of reporting success, so the caller's
    transaction, and whatever else it wrote, is rolled back."""
    o = confirmed("A")
    bench.at(T + H).post(o)
    other = dict(o.events[1], at=(T + 2 * H).isoformat())  # same id, another body

    def work(uow: UnitOfWork) -> None:
        uow.audit.append([{"at": bench.clock.now(), "actor": "t", "action": "x", "subject": "y",
                           "order_id": "A", "amount_cents": None, "details": "{}"}])
        append_events(uow, bench.rules, bench.clock.now(), CLI, [other])

    with pytest.raises(EventsRefused) as refused:
        in_transaction(bench.uow(), work)
    assert [(r.event_id, r.status) for r in refused.value.rejected] == [("A.confirmed", 409)]
    assert bench.rows("SELECT count(*) AS n FROM audit_log WHERE action = 'x'")[0]["n"] == 0
