"""The stock auditor recomputes balances from the ledger and the orders, reports every finding,
and repairs only when asked -- each repair an entry that says why (both stores)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from stockout.services.judging.adjudicate import rejudge
from stockout.services.stock import movements as stock
from stockout.services.stock.audit import audit_stock
from tests.helpers import Order
from tests.online import Bench

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def order(order_id: str, quantity: int = 1) -> Order:
    o = Order(order_id, T - H, shop_id="s1")
    o.events[0].update(sku_id="K1", quantity=quantity)
    o.confirm(T)
    return o


def damaged(bench: Bench) -> None:
    """K1: 5 received; A open holding 2; B cancelled holding 1 (its release was lost); C open
    holding nothing (its reservation was lost); the stored balance drifted from the ledger."""
    stock.register_sku(bench.at(T - 2 * H).uow(), bench.clock, "K1", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 5)
    b = order("B")
    bench.at(T + H).post([*order("A", 2).events, *b.events, *order("C").events])
    b.cancel(T + 2 * H, by="buyer")
    bench.at(T + 3 * H).post(b)
    with bench.store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM stock_movements WHERE order_id IN ('B', 'C') "
                             "AND kind IN ('release', 'reservation') AND NOT "
                             "(order_id = 'B' AND kind = 'reservation')")
        conn.exec_driver_sql("UPDATE skus SET on_hand = 9 WHERE sku_id = 'K1'")


def test_a_consistent_ledger_has_no_findings(bench: Bench) -> None:
    stock.register_sku(bench.at(T - 2 * H).uow(), bench.clock, "K1", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 5)
    bench.at(T + H).post(order("A"))
    assert audit_stock(bench.uow(), bench.clock) == []


def test_audit_finds_drift_closed_orders_holding_and_open_orders_unreserved(bench: Bench
                                                                          ) -> None:
    damaged(bench)
    found = audit_stock(bench.uow(), bench.clock)
    assert sorted((f.kind, f.order_id) for f in found) == [
        ("balance_mismatch", None), ("closed_order_holds", "B"), ("open_order_unreserved", "C")]
    assert all(f.repair == "" for f in found)
    assert stock.stock_of(bench.uow(), "K1").balance.on_hand == 9  # nothing fixed silently


def test_repair_writes_entries_that_say_why_and_leaves_nothing_to_find(bench: Bench) -> None:
    damaged(bench)
    before = bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"]
    fixed = audit_stock(bench.uow(), bench.clock, repair=True)
    assert all(f.repair and not f.repair.startswith("not") for f in fixed)
    added = bench.rows("SELECT kind, quantity, order_id, reason FROM stock_movements "
                       "ORDER BY id")[before:]
    assert [(r["kind"], r["quantity"], r["order_id"]) for r in added] == [
        ("release", 1, "B"), ("reservation", 1, "C")]
    assert all(r["reason"].startswith("audit:") for r in added)
    log = bench.rows("SELECT details FROM audit_log WHERE action = 'stock_rebalanced'")
    assert json.loads(log[0]["details"])["after"] == [5, 3]
    state = stock.stock_of(bench.uow(), "K1").balance
    assert (state.on_hand, state.reserved) == (5, 3)
    assert audit_stock(bench.uow(), bench.clock) == []
    count = bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"]
    with bench.at(T + 60 * H).uow() as u:  # judging again moves nothing the audit moved
        rejudge(u, bench.rules, ["A", "B", "C"], bench.clock.now(), "test", "test")
        u.commit()
    assert bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"] == count
    state = stock.stock_of(bench.uow(), "K1").balance
    assert (state.on_hand, state.reserved) == (5, 3)


def test_repairing_a_substitute_uses_the_substitutes_key_so_judging_again_moves_nothing(
        bench: Bench) -> None:
    stock.register_sku(bench.at(T - 2 * H).uow(), bench.clock, "K1", "s1")
    stock.register_sku(bench.uow(), bench.clock, "K2", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 1)
    stock.receive(bench.uow(), bench.clock, "K2", 3)
    a = order("A")
    a.add("remedy_chosen", T + H, "remedy", remedy="substitute", substitute_sku_id="K2")
    bench.at(T + H).post(a)
    a.cancel(T + 2 * H, by="buyer")
    bench.at(T + 3 * H).post(a)
    with bench.store.engine.begin() as conn:  # the substitute's release was lost
        conn.exec_driver_sql("DELETE FROM stock_movements WHERE idempotency_key = 'A/K2/release'")
        conn.exec_driver_sql("UPDATE skus SET reserved = 1 WHERE sku_id = 'K2'")
    fixed = audit_stock(bench.uow(), bench.clock, repair=True)
    assert [(f.kind, f.sku_id, f.order_id) for f in fixed] == [
        ("closed_order_holds", "K2", "A")]
    count = bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"]
    with bench.at(T + 60 * H).uow() as u:
        rejudge(u, bench.rules, ["A"], bench.clock.now(), "test", "test")
        u.commit()
    assert bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"] == count
    assert [stock.stock_of(bench.uow(), k).balance.reserved for k in ("K1", "K2")] == [0, 0]
