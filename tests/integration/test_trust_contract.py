"""Ledger times never go backwards, and every stored event records who stated it (both
stores)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from stockout.services.judging.ingest import append_events
from stockout.services.sync.sources import PDD, carrier
from tests.helpers import Order
from tests.online import Bench, merchant

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def test_a_clock_behind_the_ledger_never_voids_a_verdict_before_it_was_issued(
        bench: Bench) -> None:
    """Finding 7: a worker run with a later `--at`, then a post at the real time, voided a
    verdict with `voided_at` earlier than its `issued_at`."""
    o = Order("A", T - H, shop_id="s1", buyer_id="b1")
    o.confirm(T)
    bench.at(T + H).post(o)
    assert bench.at(T + 100 * H).sweep().issued == 1  # the worker, run with a later clock
    pickup = Order("A", T - H, shop_id="s1", buyer_id="b1")
    pickup.events.clear()
    pickup.upload(T + 10 * H)
    pickup.scan(T + 11 * H)
    pickup.scan(T + 30 * H, "delivered")
    done = bench.at(T + 50 * H).post(pickup)  # the real time, earlier than the ledger
    assert done.outcome.voided == 1
    [row] = bench.rows("SELECT issued_at, voided_at, status FROM verdicts WHERE order_id = 'A'")
    assert row["status"] == "voided"
    assert row["voided_at"] >= row["issued_at"]
    [coupon] = bench.rows("SELECT issued_at, changed_at FROM coupons WHERE order_id = 'A'")
    assert coupon["changed_at"] >= coupon["issued_at"]
    assert done.outcome.clock_behind == T + 50 * H
    assert done.outcome.ledger_at == T + 100 * H
    said = bench.rows("SELECT details FROM audit_log WHERE action = 'ledger.clock_behind'")
    assert len(said) == 1 and "A" in said[0]["details"]
    # A clock in step with the ledger says nothing.
    bench.at(T + 101 * H).sweep()
    assert len(bench.rows("SELECT id FROM audit_log WHERE action = 'ledger.clock_behind'")) == 1


def test_every_stored_event_records_its_source(bench: Bench) -> None:
    o = Order("A", T - H, shop_id="s1", buyer_id="b1")
    o.confirm(T)
    bench.at(T + H).post(o)
    uow = bench.uow()
    with uow:
        append_events(uow, bench.rules, T + 2 * H, PDD, [{
            "event_id": "pdd:A:shipped:T1", "order_id": "A", "type": "shipment_uploaded",
            "at": (T + H).isoformat(), "carrier": "YTO", "tracking_no": "T1"}])
        done = append_events(uow, bench.rules, T + 2 * H, carrier("kuaidi100"), [{
            "event_id": "k:A:1", "order_id": "A", "type": "carrier_scan",
            "at": (T + H).isoformat(), "carrier": "YTO", "tracking_no": "T1",
            "status": "pickup"}, {
            "event_id": "k:A:2", "order_id": "A", "type": "refund_completed",
            "at": (T + H).isoformat(), "amount_cents": 5000}], strict=False)
        uow.commit()
    assert [(r.event_id, r.status, r.rule) for r in done.rejected] == [
        ("k:A:2", 403, "provenance/refund_completed")]
    chat = {"event_id": "A.chat", "order_id": "A", "type": "chat_message",
            "at": (T + 3 * H).isoformat(), "sender": "merchant", "text": "已发货"}
    assert bench.at(T + 3 * H).post([chat], who=merchant("s1")).accepted == ["A.chat"]
    rows = bench.rows("SELECT event_id, source FROM events ORDER BY seq")
    assert [(r["event_id"], r["source"]) for r in rows] == [
        ("A.placed", "platform"), ("A.confirmed", "platform"),
        ("pdd:A:shipped:T1", "sync:pdd"), ("k:A:1", "carrier:kuaidi100"),
        ("A.chat", "merchant:s1")]
