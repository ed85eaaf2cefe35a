"""Orders drive stock through ingestion: a confirmation reserves, a closing without shipping
releases, the first carrier scan ships; replays move nothing twice; a refused reservation keeps
the event and flags the order (both stores)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from stockout.domain.inventory import ListingState
from stockout.services.stock import movements as stock
from tests.helpers import Order
from tests.online import Bench

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def order(order_id: str, sku: str = "K1", quantity: int = 1) -> Order:
    o = Order(order_id, T - H, shop_id="s1")
    o.events[0].update(sku_id=sku, quantity=quantity)
    o.confirm(T)
    return o


def stocked(bench: Bench, on_hand: int, sku: str = "K1") -> None:
    stock.register_sku(bench.uow(), bench.clock, sku, "s1")
    if on_hand:
        stock.receive(bench.uow(), bench.clock, sku, on_hand)


def kinds(bench: Bench, order_id: str) -> list[str]:
    return [r["kind"] for r in bench.rows(
        "SELECT kind FROM stock_movements WHERE order_id = :o ORDER BY id", o=order_id)]


def test_confirmed_order_reserves_its_quantity_of_its_sku(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 5)
    bench.at(T + H).post(order("A", quantity=2))
    state = stock.stock_of(bench.uow(), "K1")
    assert (state.balance.on_hand, state.balance.reserved) == (5, 2)
    assert kinds(bench, "A") == ["reservation"]


def test_order_placed_but_not_confirmed_reserves_nothing(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 5)
    bench.at(T + H).post(Order("A", T - H, shop_id="s1").events)
    assert kinds(bench, "A") == []


def test_replayed_and_rejudged_orders_reserve_once(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 5)
    o = order("A")
    bench.at(T + H).post(o)
    bench.post(o)
    bench.at(T + 60 * H).sweep()  # the deadline passes: the order is judged again
    assert kinds(bench, "A") == ["reservation"]
    assert stock.stock_of(bench.uow(), "K1").balance.reserved == 1


def test_order_closed_without_shipping_releases_what_it_held(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 1)
    o = order("A")
    bench.at(T + H).post(o)
    assert stock.stock_of(bench.uow(), "K1").listing is ListingState.DELISTED_AUTO
    o.cancel(T + 2 * H, by="buyer")
    bench.at(T + 3 * H).post(o)
    state = stock.stock_of(bench.uow(), "K1")
    assert state.balance.sellable == 1 and state.listing is ListingState.LISTED
    assert kinds(bench, "A") == ["reservation", "release"]


def test_first_carrier_scan_ships_the_reserved_units_once(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 3)
    o = order("A", quantity=2)
    o.ship(T + 2 * H)
    bench.at(T + 30 * H).post(o)
    state = stock.stock_of(bench.uow(), "K1")
    assert (state.balance.on_hand, state.balance.reserved) == (1, 0)
    assert kinds(bench, "A") == ["reservation", "shipment"]


def test_orders_of_an_untracked_sku_move_no_stock(bench: Bench) -> None:
    result = bench.at(T + H).post(order("A", sku="unknown"))
    assert result.accepted == ["A.placed", "A.confirmed"]
    assert bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"] == 0


def test_refused_reservation_keeps_the_event_flags_the_order_and_tells_the_merchant(
        bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 1)
    bench.at(T + H).post(order("A"))
    result = bench.post(order("B"))
    assert result.accepted == ["B.placed", "B.confirmed"]
    assert kinds(bench, "B") == []
    with bench.uow().reader() as r:
        flagged = r.stock.shortfalls("s1")
        at_risk = r.orders.at_risk("s1", None, None, 10)
    assert [(f["order_id"], f["quantity"], f["sellable"]) for f in flagged] == [("B", 1, 0)]
    assert "B" in {o["order_id"] for o in at_risk}
    notes = bench.rows("SELECT payload FROM outbox WHERE topic = 'stock_shortfall'")
    assert [json.loads(n["payload"])["order_id"] for n in notes] == ["B"]


def test_refused_order_reserves_on_its_next_judging_once_stock_arrived(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 0)
    bench.at(T + H).post(order("A"))
    stock.receive(bench.uow(), bench.clock, "K1", 2)
    bench.at(T + 60 * H).sweep()
    assert kinds(bench, "A") == ["reservation"]
    with bench.uow().reader() as r:
        assert r.stock.shortfalls("s1") == []


def test_receipt_makes_orders_refused_for_want_of_it_due_now(bench: Bench) -> None:
    stocked(bench.at(T - 2 * H), 0)
    bench.at(T + H).post(order("A"))
    stock.receive(bench.at(T + 2 * H).uow(), bench.clock, "K1", 1)
    bench.sweep()  # the clock has not moved on: only what is due now is judged
    assert kinds(bench, "A") == ["reservation"]


def test_at_risk_list_flags_the_orders_refused_for_want_of_stock(bench: Bench) -> None:
    from stockout.services.judging.queries import at_risk
    from tests.online import merchant

    stocked(bench.at(T - 2 * H), 1)
    bench.at(T + H).post([*order("A").events, *order("B").events])
    with bench.uow().reader() as r:
        items, _ = at_risk(r, bench.rules, merchant("s1"), "s1", bench.clock.now(),
                           within=None, after=None, limit=10)
    assert {i["order_id"]: i["stock_shortfall"] for i in items} == {"A": False, "B": True}
