"""Rules that span orders stay right whatever order events arrive in: an upload on one order can
make another order's later upload a reuse, and a report changes later reports' ranks (both
stores)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.helpers import Order
from tests.online import Bench

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def confirmed(order_id: str, **kw: object) -> Order:
    o = Order(order_id, T - H, **kw)  # type: ignore[arg-type]
    o.confirm(T)
    return o


def test_an_earlier_upload_posted_later_makes_the_other_orders_upload_a_reuse(bench: Bench
                                                                              ) -> None:
    x = confirmed("X", buyer_id="bx", tracking_no="ZT9")
    y = confirmed("Y", buyer_id="by", tracking_no="ZT9")
    y_upload = y.upload(T + 3 * H)
    x_upload = x.upload(T + H)
    bench.at(T + 5 * H).post(y)
    assert bench.verdicts() == []
    result = bench.post(x)
    assert result.outcome.rounds == 2  # X's round, then Y's as a related order
    assert [(v["order_id"], v["trigger"], v["evidence"]) for v in bench.verdicts()] == [
        ("Y", "tracking_reused", [y_upload, x_upload])]
    cause = bench.rows("SELECT cause FROM verdicts")[0]["cause"]
    assert cause.startswith("related:events:")


def test_the_same_buyer_may_share_a_tracking_number_across_orders(bench: Bench) -> None:
    x = confirmed("X", buyer_id="b1", tracking_no="ZT9")
    y = confirmed("Y", buyer_id="b1", tracking_no="ZT9")
    y.upload(T + 3 * H)
    x.upload(T + H)
    bench.at(T + 5 * H).post(y)
    bench.post(x)
    assert bench.verdicts() == []


def _reports(bench: Bench, n: int) -> list[Order]:
    orders = []
    for i in range(1, n + 1):
        o = confirmed(f"R{i:02d}", shop_id="s1")
        o.report(T + i * H)
        orders.append(o)
    return orders


def test_a_report_posted_late_pushes_the_tenth_report_of_the_day_over_the_limit(bench: Bench
                                                                               ) -> None:
    bench.at(T + 12 * H)
    for o in _reports(bench, 10):
        bench.post(o)
    assert [v["order_id"] for v in bench.verdicts()] == [f"R{i:02d}" for i in range(1, 11)]
    early = confirmed("R00", shop_id="s1")
    early.report(T + H / 2)
    result = bench.post(early)
    assert "R10" in result.outcome.voided_orders
    ids = [v["order_id"] for v in bench.verdicts()]
    assert ids == ["R00"] + [f"R{i:02d}" for i in range(1, 10)]


def test_a_report_refused_later_frees_a_place_for_the_next_one(bench: Bench) -> None:
    bench.at(T + 12 * H)
    orders = _reports(bench, 11)
    for o in orders:
        bench.post(o)
    assert "R11" not in {v["order_id"] for v in bench.verdicts()}
    first = orders[0]
    # A pickup before the first report arrives late: that report is refused after all.
    pickup = first.scan(T + H / 2, "pickup")
    bench.post([e for e in first.events if e["event_id"] == pickup])
    ids = {v["order_id"] for v in bench.verdicts() if v["violation"] == "stockout"}
    assert "R01" not in ids and "R11" in ids
