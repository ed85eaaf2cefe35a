"""Deadlines fall due on their own: the sweep re-judges exactly the orders that are due, and the
outbox delivers every notice at least once with a dedupe key (both stores)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.helpers import Order
from tests.online import Bench

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def confirmed(order_id: str) -> Order:
    o = Order(order_id, T - H)
    o.confirm(T)
    return o


def test_the_sweep_judges_exactly_the_orders_whose_deadline_fell_due(bench: Bench) -> None:
    shipped = []
    for i in range(30):
        o = confirmed(f"S{i:02d}")
        o.ship(T + 2 * H)
        shipped.append(o)
    late = [confirmed("L1"), confirmed("L2")]
    bench.at(T + 30 * H)
    for o in [*shipped, *late]:
        bench.post(o)
    assert bench.verdicts() == []
    assert bench.at(T + 47 * H).sweep().due == 2  # the at-risk warnings (12 h before)
    report = bench.at(T + 49 * H).sweep()
    assert (report.due, report.issued) == (2, 2)
    assert [(v["order_id"], v["violation"]) for v in bench.verdicts()] == [
        ("L1", "late_shipment"), ("L2", "late_shipment")]
    assert bench.sweep().due == 0


def test_a_sweep_with_nothing_due_reads_no_order(bench: Bench) -> None:
    o = confirmed("A")
    o.ship(T + H)
    bench.at(T + 30 * H).post(o)
    assert bench.at(T + 300 * H).sweep().due == 0


def test_events_from_the_future_are_judged_when_their_time_comes(bench: Bench) -> None:
    o = confirmed("A")
    o.chat(T + 20 * H, "没货了，发不了")
    bench.at(T + H).post(o)
    assert bench.verdicts() == []
    bench.at(T + 21 * H).sweep()
    assert [v["trigger"] for v in bench.verdicts()] == ["merchant_chat"]


def test_merchant_is_warned_once_before_a_deadline_it_is_about_to_miss(bench: Bench) -> None:
    o = confirmed("A")
    bench.at(T + H).post(o)
    bench.at(T + 37 * H).sweep()
    chat = o.chat(T + 38 * H, "好的", "buyer")
    bench.post([e for e in o.events if e["event_id"] == chat])
    bench.at(T + 39 * H).sweep()
    warnings = bench.rows("SELECT recipient_id, dedupe_key, payload FROM outbox "
                          "WHERE topic = 'at_risk'")
    assert len(warnings) == 1 and warnings[0]["recipient_id"] == "shop-A"


class CrashingNotifier:
    """Delivers, then dies before the outbox hears of it (a crash between the two)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.crashed = False

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("lost the connection after sending")


def test_a_notice_is_sent_again_after_a_crash_and_receivers_dedupe_it(bench: Bench) -> None:
    o = confirmed("A")
    bench.at(T + 50 * H).post(o)
    bench.notifier = CrashingNotifier()  # type: ignore[assignment]
    assert bench.deliver() == 1  # one of two went through; the other failed after sending
    assert bench.deliver() == 0  # the failed one waits for its retry time
    bench.at(T + 51 * H)
    assert bench.deliver() == 1
    keys = [m["dedupe_key"] for m in bench.notifier.sent]
    assert len(keys) == 3 and len(set(keys)) == 2
    assert {m["recipient"]["role"] for m in bench.notifier.sent} == {"buyer", "merchant"}
    assert bench.rows("SELECT count(*) AS n FROM outbox WHERE state = 'pending'")[0]["n"] == 0
