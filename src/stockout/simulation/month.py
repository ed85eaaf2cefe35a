"""A scripted month on a real store: four shops through March 2025, driven through the same
services the API and the worker call, with a hand-moved clock. It shows an appeal approved at
once by a rainstorm announcement, a rejected one, an approval after the buyer had used the
coupon (the buyer keeps it, the merchant stops bearing it), a fake-shipment spike whose measures
apply and later end, and shop scores that fall and recover. `examples/scripted_month.py` prints
it; `tests/integration/test_scripted_month.py` asserts its end states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import CLI, Principal, Role
from stockout.services.appeals.workflow import (
    EvidenceFile,
    decide_appeal,
    file_appeal,
    list_appeals,
)
from stockout.services.common.clock import ManualClock
from stockout.services.coupons.redemption import redeem_coupon
from stockout.services.judging.announcements import post_announcement
from stockout.services.judging.ingest import ingest_events
from stockout.services.judging.rules import Rules
from stockout.services.notifications.delivery import MemoryNotifier
from stockout.services.reputation.score import shop_measures, shop_reputation
from stockout.services.worker.sweep import deliver_outbox, sweep_due
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
SHOPS = ("s-good", "s-weather", "s-late", "s-fake")
SPIKE = 31  # fake shipments of one product in a day: over the pack's "more than 30"
CHECKPOINTS = ("03-02", "03-04", "03-11", "03-31")


def day(d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, 3, d, hour, minute, tzinfo=CST)


def merchant(shop: str) -> Principal:
    return Principal(Role.MERCHANT, f"m-{shop}", frozenset({shop}), name=f"merchant:{shop}")


def buyer(buyer_id: str) -> Principal:
    return Principal(Role.BUYER, f"b-{buyer_id}", buyer_id=buyer_id, name=f"buyer:{buyer_id}")


class _Order:
    """One order's events, written as the event contract says (ids `ORDER.label`)."""

    def __init__(self, order_id: str, shop: str, placed: datetime, *, sku: str | None = None,
                 paid_cents: int = 5000, **extra: Any) -> None:
        self.order_id = order_id
        self.events: list[dict[str, Any]] = []
        self.add("order_placed", placed, "placed", shop_id=shop, buyer_id=f"buyer-{order_id}",
                 sku_id=sku or f"sku-{order_id}", quantity=1, paid_cents=paid_cents, **extra)

    @property
    def buyer_id(self) -> str:
        return f"buyer-{self.order_id}"

    def add(self, kind: str, at: datetime, label: str, **fields: Any) -> _Order:
        self.events.append({"event_id": f"{self.order_id}.{label}", "order_id": self.order_id,
                            "type": kind, "at": at.isoformat(), **fields})
        return self

    def scan(self, at: datetime, status: str) -> _Order:
        return self.add("carrier_scan", at, status, carrier="YTO",
                        tracking_no=f"YT{self.order_id}", status=status)

    def upload(self, at: datetime) -> _Order:
        return self.add("shipment_uploaded", at, "upload", carrier="YTO",
                        tracking_no=f"YT{self.order_id}")

    def shipped(self, at: datetime) -> _Order:
        """An honest shipment: tracking uploaded, picked up an hour later, delivered next day."""
        return self.upload(at).scan(at + H, "pickup").scan(at + 22 * H, "delivered")


@dataclass
class Step:
    at: datetime
    shop: str
    what: str  # an i18n-free short key of what happened (the example prints it translated)
    result: str


@dataclass
class MonthReport:
    steps: list[Step] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # shop -> checkpoint
    appeals: list[dict[str, Any]] = field(default_factory=list)
    measures: dict[str, Any] = field(default_factory=dict)  # s-fake's, at the end
    measures_mid: dict[str, Any] = field(default_factory=dict)  # s-fake's, on Mar 12
    reputations: dict[str, dict[str, Any]] = field(default_factory=dict)  # at the end
    used_coupon: dict[str, Any] = field(default_factory=dict)
    notices: list[dict[str, Any]] = field(default_factory=list)


class ScriptedMonth:
    def __init__(self, store: Store, rules: Rules | None = None) -> None:
        self.store = store
        self.clock = ManualClock(day(1))
        self.rules = rules or Rules(resolve_rules("pdd"))
        self.notifier = MemoryNotifier()
        self.report = MonthReport()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.store)

    def at(self, when: datetime) -> ScriptedMonth:
        self.clock.set(when)
        return self

    def post(self, *orders: _Order, who: Principal = CLI) -> None:
        events = [e for o in orders for e in o.events]
        for start in range(0, len(events), 1000):
            result = ingest_events(self.uow(), self.rules, self.clock,
                                   events[start:start + 1000], who)
            assert not result.rejected, result.rejected

    def sweep(self) -> None:
        sweep_due(self.uow(), self.rules, self.clock)
        deliver_outbox(self.uow(), self.clock, self.notifier)

    def step(self, shop: str, what: str, result: str) -> None:
        self.report.steps.append(Step(self.clock.now().astimezone(CST), shop, what, result))

    def verdict_id(self, order_id: str, violation: str) -> int:
        from sqlalchemy import select

        from stockout.store.tables import verdicts

        with self.store.engine.connect() as conn:
            return int(conn.execute(select(verdicts.c.id).where(
                verdicts.c.order_id == order_id, verdicts.c.violation == violation)
                .order_by(verdicts.c.id.desc())).scalars().first())  # type: ignore[arg-type]

    def scores(self, checkpoint: str) -> None:
        with self.uow().reader() as uow:
            for shop in SHOPS:
                rep = shop_reputation(uow, self.rules, CLI, shop, self.clock.now())
                self.report.scores.setdefault(shop, {})[checkpoint] = rep["score"]

    # --- the month ---------------------------------------------------------------------------

    def run(self) -> MonthReport:
        self.honest_start()
        self.rainstorm()
        self.late_and_rejected()
        self.used_coupon_then_approved()
        self.fake_spike()
        self.month_end()
        return self.report

    def honest_start(self) -> None:
        orders = []
        for shop, n in (("s-good", 6), ("s-weather", 3), ("s-late", 4), ("s-fake", 10)):
            for i in range(n):
                o = _Order(f"{shop}-h{i}", shop, day(1, 9), sku=f"{shop}-sku")
                o.add("order_confirmed", day(1, 9, 5), "confirmed").shipped(day(1, 15))
                orders.append(o)
        self.at(day(2, 12)).post(*orders)
        self.sweep()
        self.step("*", "honest", f"{len(orders)}")
        self.scores(CHECKPOINTS[0])

    def rainstorm(self) -> None:
        o = _Order("W1", "s-weather", day(3, 8), ship_from_region="湖北")
        o.add("order_confirmed", day(3, 8, 5), "confirmed")
        o.add("chat_message", day(3, 15), "chat", sender="merchant",
              text="亲，暴雨封路，仓库发不了货了，没货了")
        o.add("order_cancelled", day(3, 16), "cancelled", by="merchant", reason="暴雨无法发货")
        self.at(day(3, 18)).post(o)
        self.step("s-weather", "verdict", "W1 stockout")
        post_announcement(self.uow(), self.rules, self.clock, {
            "id": "hubei-rainstorm-0303", "starts": day(3).isoformat(),
            "ends": day(5).isoformat(), "extend_hours": 24, "ship_from_regions": ["湖北"]}, CLI)
        self.step("*", "announcement", "hubei-rainstorm-0303")
        self.at(day(4, 8)).scores(CHECKPOINTS[1])
        appeal = file_appeal(self.uow(), self.rules, self.at(day(4, 9)).clock,
                             merchant("s-weather"), self.verdict_id("W1", "stockout"),
                             "force_majeure", "3 月 3 日湖北暴雨，快递停运")
        self.step("s-weather", "appeal_force_majeure", appeal["state"])

    def late_and_rejected(self) -> None:
        o = _Order("L1", "s-late", day(5, 9))
        o.add("order_confirmed", day(5, 10), "confirmed")
        self.at(day(5, 10, 30)).post(o)
        self.at(day(7, 10, 5)).sweep()  # the deadline (Mar 7 10:00) passed without a pickup
        self.step("s-late", "verdict", "L1 late_shipment")
        o.upload(day(7, 19)).scan(day(7, 20), "pickup").scan(day(8, 18), "delivered")
        self.at(day(8, 19)).post(o)
        appeal = file_appeal(self.uow(), self.rules, self.at(day(8, 20)).clock,
                             merchant("s-late"), self.verdict_id("L1", "late_shipment"),
                             "carrier_fault", "快递员说车坏了",
                             [EvidenceFile("快递说明.txt", "快递员：车坏了，晚上才来揽收。".encode())])
        done = decide_appeal(self.uow(), self.rules, self.at(day(9, 11)).clock, CLI,
                             int(appeal["id"]), approve=False,
                             reason="揽收记录显示快递 3 月 7 日 20:00 才首次上门，商家未在时限前交寄")
        self.step("s-late", "appeal_carrier_fault", done["state"])

    def used_coupon_then_approved(self) -> None:
        o = _Order("L2", "s-late", day(6, 9), paid_cents=12900)
        o.add("order_confirmed", day(6, 10), "confirmed")
        o.add("chat_message", day(6, 12), "chat", sender="merchant", text="亲，这款缺货了，抱歉")
        o.add("order_cancelled", day(6, 13), "cancelled", by="merchant", reason="库存显示有货但实际没货")
        self.at(day(6, 14)).post(o)
        self.sweep()  # delivers the buyer's coupon notice
        coupon = self._coupon("L2")
        redeem_coupon(self.uow(), self.at(day(7, 9)).clock, buyer(o.buyer_id), coupon["id"])
        self.step("s-late", "coupon_used", f"L2 ¥{coupon['amount_cents'] / 100:g}")
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256  # a screenshot of the stock sync error
        appeal = file_appeal(self.uow(), self.rules, self.at(day(8, 9)).clock,
                             merchant("s-late"), self.verdict_id("L2", "stockout"),
                             "platform_fault", "平台库存同步故障，显示有货实际已售罄",
                             [EvidenceFile("screenshot.png", png)])
        done = decide_appeal(self.uow(), self.rules, self.at(day(10, 10)).clock, CLI,
                             int(appeal["id"]), approve=True, reason="平台库存同步故障已核实")
        self.report.used_coupon = self._coupon("L2")
        self.step("s-late", "appeal_platform_fault", done["state"])

    def _coupon(self, order_id: str) -> dict[str, Any]:
        from stockout.services.coupons.redemption import coupon_view

        with self.uow().reader() as uow:
            return coupon_view(uow.coupons.of_order(order_id)[0])

    def fake_spike(self) -> None:
        orders = []
        for i in range(SPIKE):
            o = _Order(f"F{i:02d}", "s-fake", day(10, 8), sku="s-fake-hot")
            o.add("order_confirmed", day(10, 9), "confirmed")
            o.upload(day(10, 10))  # a number no carrier scans for 30 hours
            o.scan(day(11, 16), "pickup").scan(day(12, 9), "delivered")
            orders.append(o)
        self.at(day(10, 11)).post(*orders)
        self.at(day(11, 10, 30)).sweep()
        self.step("s-fake", "fake_spike", f"{SPIKE}")
        self.at(day(11, 12)).scores(CHECKPOINTS[2])
        with self.at(day(12, 12)).uow().reader() as uow:
            self.report.measures_mid = shop_measures(uow, CLI, "s-fake", self.clock.now())
        self.step("s-fake", "measure_applied", self.report.measures_mid["current"][0]["state"])
        self.at(day(19, 0, 5)).sweep()  # the measures' seven days are over
        with self.uow().reader() as uow:
            ended = shop_measures(uow, CLI, "s-fake", self.clock.now())
        self.step("s-fake", "measure_ended", ended["past"][0]["state"])

    def month_end(self) -> None:
        self.at(day(31, 23)).sweep()
        self.scores(CHECKPOINTS[3])
        with self.uow().reader() as uow:
            self.report.appeals = list_appeals(uow, CLI, self.clock.now(), state=None,
                                               shop_id=None, after=None, limit=100)[0]
            self.report.measures = shop_measures(uow, CLI, "s-fake", self.clock.now())
            for shop in SHOPS:
                self.report.reputations[shop] = shop_reputation(uow, self.rules, CLI, shop,
                                                                self.clock.now())
        self.report.notices = self.notifier.sent


def run_month(store: Store) -> MonthReport:
    return ScriptedMonth(store).run()
