"""Out-of-stock reports (缺货报备) against the pack, on both stores: an admitted report delists
the SKU and is a self-report verdict with its coupon; a refused one names its rule and writes
nothing; at most ten a shop an Asia/Shanghai day; a whole-SKU report covers the open orders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from stockout.domain.context import ReportRefusal
from stockout.domain.inventory import ListingState
from stockout.services.access.principals import CLI, NotFound
from stockout.services.stock import movements as stock
from stockout.services.stock.self_report import ReportRefused, report_order, report_sku
from tests.helpers import Order
from tests.online import Bench, merchant

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
S1 = merchant("s1")


def order(order_id: str, confirmed: datetime = T, **placed: object) -> Order:
    o = Order(order_id, confirmed - H, shop_id="s1", buyer_id="b1", **placed)
    o.events[0].update(sku_id="K1")
    o.confirm(confirmed)
    return o


def shop_with(bench: Bench, *orders: Order, on_hand: int = 50) -> None:
    stock.register_sku(bench.at(T - 2 * H).uow(), bench.clock, "K1", "s1", title="T恤",
                       price_cents=5000)
    stock.receive(bench.uow(), bench.clock, "K1", on_hand)
    bench.at(T).post([e for o in orders for e in o.events])


def report(bench: Bench, order_id: str, who=S1):  # type: ignore[no-untyped-def]
    return report_order(bench.uow(), bench.rules, bench.clock, who, order_id, "供应商断货")


def reports_of(bench: Bench) -> list[str]:
    return [r["order_id"] for r in bench.rows(
        "SELECT order_id FROM events WHERE type = 'stockout_reported' ORDER BY order_id")]


def test_admitted_report_delists_the_sku_and_becomes_a_self_report_verdict_with_coupon(
        bench: Bench) -> None:
    shop_with(bench, order("A"))
    done = report(bench.at(T + H), "A")
    assert done.order_id == "A" and not done.already
    assert stock.stock_of(bench.uow(), "K1").listing is ListingState.DELISTED_MANUAL
    [v] = bench.verdicts()
    assert (v["order_id"], v["violation"], v["trigger"]) == ("A", "stockout", "self_report")
    assert v["evidence"] == [done.event_id]
    coupons = bench.rows("SELECT buyer_id, amount_cents FROM coupons")
    assert coupons == [{"buyer_id": "b1", "amount_cents": 500}]
    bench.at(T + 60 * H).sweep()  # the deadline passes: a report before it shields the order
    assert [x["violation"] for x in bench.verdicts()] == ["stockout"]


def test_reporting_an_order_again_writes_nothing_new(bench: Bench) -> None:
    shop_with(bench, order("A"))
    first = report(bench.at(T + H), "A")
    again = report(bench.at(T + 2 * H), "A")
    assert again.already and again.event_id == first.event_id
    assert reports_of(bench) == ["A"]


@pytest.mark.parametrize("case", ["campaign", "after_pickup", "closed"])
def test_refused_report_names_its_rule_and_writes_nothing(bench: Bench, case: str) -> None:
    o = order("A", campaign=True) if case == "campaign" else order("A")
    if case == "after_pickup":
        o.ship(T + H)
    if case == "closed":
        o.cancel(T + H, by="buyer")
    shop_with(bench, o)
    bench.at(T + 3 * H).post(o)
    before = stock.stock_of(bench.uow(), "K1").listing
    with pytest.raises(ReportRefused) as refused:
        report(bench, "A")
    assert refused.value.code is ReportRefusal(case)
    assert refused.value.rule == f"pdd-2025/self_report/{case}"
    assert reports_of(bench) == []
    assert stock.stock_of(bench.uow(), "K1").listing is before


def test_eleventh_report_of_a_shop_day_is_refused_the_next_shanghai_day_is_not(
        bench: Bench) -> None:
    orders = [order(f"O{i:02d}") for i in range(12)]
    shop_with(bench, *orders)
    for o in orders[:10]:
        report(bench.at(T + H), o.order_id)
    with pytest.raises(ReportRefused) as refused:
        report(bench, "O10")
    assert refused.value.code is ReportRefusal.DAILY_LIMIT
    assert refused.value.rule == "pdd-2025/self_report/daily_limit"
    # 00:30 in Shanghai is still the previous day in UTC: the quota is the Shanghai day's.
    next_day = datetime(2025, 3, 4, 0, 30, tzinfo=CST)
    assert report(bench.at(next_day), "O10").order_id == "O10"
    assert len(reports_of(bench)) == 11
    assert {v["trigger"] for v in bench.verdicts() if v["order_id"] in ("O00", "O10")} == \
        {"self_report"}


def test_whole_sku_report_covers_open_orders_soonest_first_and_lists_refusals(
        bench: Bench) -> None:
    late = [order(f"L{i:02d}", T - (11 - i) * timedelta(minutes=1)) for i in range(11)]
    campaign = order("C", T - H, campaign=True)
    shipped = order("S")
    shipped.ship(T + H)
    shop_with(bench, *late, campaign, shipped)
    bench.at(T + 3 * H).sweep()  # the pickup is seen: its units shipped
    done = report_sku(bench.uow(), bench.rules, bench.clock, S1, "K1", "供应商断货")
    assert done.listing == "delisted_manual"
    assert [r.order_id for r in done.reported] == [f"L{i:02d}" for i in range(10)]
    assert [(r.order_id, r.code.value) for r in done.refused] == \
        [("C", "campaign"), ("L10", "daily_limit")]
    assert "S" not in reports_of(bench)
    assert len([v for v in bench.verdicts() if v["trigger"] == "self_report"]) == 10


def test_another_shops_merchant_cannot_report(bench: Bench) -> None:
    shop_with(bench, order("A"))
    with pytest.raises(NotFound):
        report(bench.at(T + H), "A", merchant("s2"))
    with pytest.raises(NotFound):
        report_sku(bench.uow(), bench.rules, bench.clock, merchant("s2"), "K1", "x")
    assert report(bench, "A", CLI).order_id == "A"


def test_concurrent_reports_of_one_shop_admit_exactly_the_daily_limit(bench: Bench) -> None:
    from concurrent.futures import ThreadPoolExecutor

    orders = [order(f"P{i:02d}") for i in range(12)]
    shop_with(bench, *orders)
    bench.at(T + H)

    def one(order_id: str) -> str:
        try:
            return report(bench, order_id).order_id
        except ReportRefused as exc:
            return exc.code.value

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(one, [o.order_id for o in orders]))
    assert sorted(outcomes).count("daily_limit") == 2
    assert len(reports_of(bench)) == 10


def test_a_sku_report_takes_locks_in_the_order_re_judging_does_so_neither_deadlocks(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-judging holds the order and then wants the SKU row; a whole-SKU report running at
    the same time must wait for the order first, not hold the SKU row (PostgreSQL would
    otherwise detect a deadlock and retry one of them)."""
    import threading

    from stockout.services.judging.adjudicate import lock_orders
    from stockout.store.uow import UnitOfWork

    shop_with(bench, order("A"))
    bench.at(T + H)
    retried: list[str] = []
    retryable = UnitOfWork.is_retryable

    def record(self: UnitOfWork, exc: BaseException) -> bool:
        retried.append(type(exc).__name__ + str(exc)[:80])
        return retryable(self, exc)

    monkeypatch.setattr(UnitOfWork, "is_retryable", record)
    outcome: dict[str, object] = {}
    rejudging = bench.uow()
    with rejudging:
        lock_orders(rejudging, ["A"])
        worker = threading.Thread(target=lambda: outcome.update(
            done=report_sku(bench.uow(), bench.rules, bench.clock, S1, "K1", "断货")))
        worker.start()
        worker.join(1.0)  # the report is now waiting (for the order, or for SQLite's writer)
        rejudging.stock.lock("K1")
        rejudging.commit()
    worker.join(30)
    assert not [r for r in retried if "eadlock" in r]
    done = outcome["done"]
    assert [r.order_id for r in done.reported] == ["A"]  # type: ignore[attr-defined]
