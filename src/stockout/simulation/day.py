"""A scripted few days of one shop, through the same services the API and the worker call: a
T-shirt runs out, the merchant reports it, buyers choose each remedy (a wait the merchant then
misses, a presale, a substitute, a refund, one says nothing and gets the 48 h default), stock
comes back. `run_day` returns the walkthrough and the end state; `examples/scripted_day.py`
prints it, `tests/e2e/test_scripted_day.py` asserts it on both stores."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from stockout.domain.events import Remedy
from stockout.domain.inventory import MovementKind
from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import Principal, Role
from stockout.services.common.clock import ManualClock
from stockout.services.judging.ingest import ingest_events
from stockout.services.judging.rules import Rules
from stockout.services.notifications.delivery import MemoryNotifier
from stockout.services.remedies import choices as remedies
from stockout.services.stock import capacity
from stockout.services.stock import movements as stock
from stockout.services.stock.self_report import report_sku
from stockout.services.worker.sweep import deliver_outbox, sweep_due
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork

CST = timezone(timedelta(hours=8))
DAY = datetime(2025, 6, 2, tzinfo=CST)  # a Monday
SHOP = "s1"
MERCHANT = Principal(Role.MERCHANT, "scripted-merchant", frozenset({SHOP}), name="merchant:s1")
# The marketplace's feed: orders, confirmations, shipments and carrier scans as the platform
# states them (a merchant may not state placements or scans, nor date events in the past).
FEED = Principal(Role.PLATFORM, "scripted-feed", name="marketplace")
PAID = 5000


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is 2 June 2025; times are Beijing time."""
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


def buyer(order_id: str) -> Principal:
    b = "b" + order_id[1:]
    return Principal(Role.BUYER, f"scripted-{b}", buyer_id=b, name=f"buyer:{b}")


@dataclass
class Step:
    at: datetime
    who: str
    what: tuple[str, str]  # (zh, en)
    outcome: str


@dataclass
class DayResult:
    steps: list[Step] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    coupons: list[dict[str, Any]] = field(default_factory=list)
    notifications: Counter[tuple[str, str]] = field(default_factory=Counter)
    delivered: int = 0


def _event(order_id: str, label: str, type_: str, when: datetime, **fields: Any
           ) -> dict[str, Any]:
    return {"event_id": f"{order_id}.{label}", "order_id": order_id, "type": type_,
            "at": when.isoformat(), **fields}


def _order(order_id: str, confirmed: datetime, campaign: bool = False) -> list[dict[str, Any]]:
    placed = {"shop_id": SHOP, "buyer_id": buyer(order_id).buyer_id, "sku_id": "K1",
              "quantity": 1, "paid_cents": PAID, "category": "服装"}
    if campaign:
        placed["campaign"] = True
    return [_event(order_id, "placed", "order_placed", confirmed - timedelta(minutes=2),
                   **placed),
            _event(order_id, "confirmed", "order_confirmed", confirmed)]


def _shipped(order_id: str, upload: datetime) -> list[dict[str, Any]]:
    """Upload, the carrier's pickup an hour later, delivered 20 h after that."""
    scan = {"carrier": "YTO", "tracking_no": f"YT{order_id}"}
    return [_event(order_id, "upload", "shipment_uploaded", upload, **scan),
            _event(order_id, "pickup", "carrier_scan", upload + timedelta(hours=1),
                   status="pickup", **scan),
            _event(order_id, "delivered", "carrier_scan", upload + timedelta(hours=21),
                   status="delivered", **scan)]


class _Day:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = ManualClock(at(0, 8))
        self.rules = Rules(resolve_rules("pdd"))
        self.notifier = MemoryNotifier()
        self.result = DayResult()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.store)

    def step(self, when: datetime, who: str, zh: str, en: str,
             action: Callable[[], str]) -> None:
        self.clock.set(when)
        self.result.steps.append(Step(when, who, (zh, en), action()))

    def post(self, events: list[dict[str, Any]]) -> str:
        r = ingest_events(self.uow(), self.rules, self.clock, events, FEED)
        assert not r.rejected, r.rejected
        return f"{len(r.accepted)} events; verdicts +{r.outcome.issued}"

    def sku(self, sku_id: str) -> str:
        s = stock.stock_of(self.uow(), sku_id)
        return (f"{sku_id}: on hand {s.balance.on_hand}, reserved {s.balance.reserved}, "
                f"{s.listing.value}")

    def sweep(self) -> str:
        r = sweep_due(self.uow(), self.rules, self.clock)
        self.result.delivered += deliver_outbox(self.uow(), self.clock, self.notifier)
        return (f"judged {r.due}, verdicts +{r.issued}, remedies settled {r.remedies}; "
                + self.sku("K1"))

    def choose(self, order_id: str, remedy: Remedy, **kw: Any) -> str:
        got = remedies.choose(self.uow(), self.rules, self.clock, buyer(order_id), order_id,
                              remedy, **kw)
        extra = f", until {got['until']}" if got["until"] else ""
        return f"{order_id}: {got['state']}{extra}, refund ¥{got['refund_cents'] / 100:.2f}"


def run_day(store: Store) -> DayResult:
    d = _Day(store)
    u = d.uow

    def set_up() -> str:
        for sku_id, title, category, price, units in (
                ("K1", "纯棉短袖T恤 白色 L码", "服装", 5000, 3),
                ("K2", "纯棉短袖T恤 黑色 L码", "服装", 4500, 5),
                ("K3", "陶瓷马克杯", "家居", 3000, 10)):
            capacity.register(u(), d.rules, d.clock, MERCHANT, sku_id, SHOP, title, category,
                              price, None)
            stock.record_movement(u(), d.clock, MERCHANT, sku_id,
                                  MovementKind.RECEIPT, units, "opening stock")
        capacity.set_capacity(u(), d.clock, MERCHANT, "K1", 2)
        return "K1 ×3, K2 ×5, K3 ×10; K1 ships 2 a day"

    d.step(at(0, 8), "merchant", "登记商品、入库、设定每日发货能力",
           "register SKUs, receive stock, set daily capacity", set_up)
    ids = [f"O{i}" for i in range(1, 8)]
    d.step(at(0, 9, 35), "buyers", "7 个订单购买 K1（O7 为活动订单）",
           "7 orders of K1 (O7 a campaign order)",
           lambda: d.post([e for i, o in enumerate(ids)
                           for e in _order(o, at(0, 9, 5 * i), campaign=o == "O7")])
           + "; " + d.sku("K1"))

    def plan() -> str:
        p = capacity.capacity_plan(u(), d.rules, d.clock, MERCHANT, "K1")
        return f"listing cap {p['listing_cap']}; at risk {', '.join(p['at_risk'])}"

    d.step(at(0, 10), "merchant", "查看 K1 发货计划", "K1's shipping plan", plan)
    d.step(at(0, 10, 55), "merchant", "O1 发货并揽收", "O1 shipped and picked up",
           lambda: d.post(_shipped("O1", at(0, 9, 50))) + "; " + d.sku("K1"))

    def report() -> str:
        r = report_sku(u(), d.rules, d.clock, MERCHANT, "K1", "供应商断货")
        refused = ", ".join(f"{x.order_id} ({x.rule})" for x in r.refused)
        return (f"reported {', '.join(x.order_id for x in r.reported)}; refused {refused}; "
                f"K1 {r.listing}")

    d.step(at(0, 11), "merchant", "K1 整体报备缺货（下架）", "report K1 out of stock (delists)",
           report)

    def propose() -> str:
        got = remedies.propose_restock(u(), d.rules, d.clock, MERCHANT, "O4", at(2, 18))
        return f"O4: restock by {got['proposed_until']}"

    d.step(at(0, 11, 30), "merchant", "为 O4 提出补货日期", "propose a restock date for O4",
           propose)
    d.step(at(0, 12), "buyer b4", "接受等待补货", "accepts to wait",
           lambda: d.choose("O4", Remedy.WAIT))
    d.step(at(0, 12, 10), "buyer b6", "改为预售", "switches to presale",
           lambda: d.choose("O6", Remedy.PRESALE, until=at(5, 18)))
    d.step(at(0, 12, 20), "buyer b3", "换成 K2（黑色，便宜 ¥5）", "takes K2 (black, ¥5 less)",
           lambda: d.choose("O3", Remedy.SUBSTITUTE, substitute_sku_id="K2")
           + "; " + d.sku("K2"))
    d.step(at(0, 12, 30), "buyer b2", "立即退款", "refund now",
           lambda: d.choose("O2", Remedy.REFUND) + "; " + d.sku("K1"))
    d.step(at(0, 13), "worker", "投递通知", "deliver notifications", d.sweep)
    d.step(at(1, 10), "merchant", "O3 改发的 K2 发货", "O3's substitute K2 shipped",
           lambda: d.post(_shipped("O3", at(1, 9))) + "; " + d.sku("K2"))
    d.step(at(2, 11, 5), "worker", "O5 48 小时未选择：默认退款；O7 超时",
           "O5 chose nothing in 48 h: default refund; O7 late", d.sweep)
    d.step(at(2, 18, 30), "worker", "O4 补货日期已过仍未揽收", "O4's restock date passed unshipped",
           d.sweep)

    def restock() -> str:
        stock.record_movement(u(), d.clock, MERCHANT, "K1", MovementKind.RECEIPT, 10,
                              "supplier PO-88")
        stock.set_listing(u(), d.clock, "K1", True)
        return d.sweep()

    d.step(at(3, 9), "merchant", "K1 到货 10 件，重新上架", "K1 ×10 arrives; relisted", restock)
    d.step(at(3, 15), "merchant", "O6、O7 发货", "O6, O7 shipped",
           lambda: d.post([e for o in ("O6", "O7") for e in _shipped(o, at(3, 14))]))
    d.step(at(6, 10), "worker", "最后一次检查", "the worker's last look", d.sweep)
    _end_state(d, ids)
    return d.result


def _end_state(d: _Day, ids: list[str]) -> None:
    with d.uow().reader() as r:
        d.result.stock = [{"sku_id": s["sku_id"], "on_hand": s["on_hand"],
                           "reserved": s["reserved"], "listing": s["listing"]}
                          for s in r.stock.all()]
        for order_id in ids:
            rem = r.remedies.get(order_id)
            d.result.orders.append({
                "order_id": order_id, "state": (r.orders.get(order_id) or {}).get("state"),
                "verdicts": sorted(f"{v['violation']}/{v['trigger']}"
                                   for v in r.verdicts.of_order(order_id)
                                   if v["status"] == "active"),
                "remedy": rem.state.value if rem else None,
                "chosen_by": rem.chosen_by if rem else None})
            d.result.coupons += [{"key": c["idempotency_key"], "amount_cents": c["amount_cents"],
                                  "state": c["state"]} for c in r.coupons.of_order(order_id)]
        for n in r.outbox.for_recipient(None, None, None, 10_000):
            d.result.notifications[(n["recipient_id"], n["topic"])] += 1


def buyer_message(store: Store, buyer_id: str, topic: str, lang: str = "zh") -> str:
    """The text one buyer was sent on one topic (the latest)."""
    with UnitOfWork(store, readonly=True) as r:
        rows = [n for n in r.outbox.for_recipient("buyer", [buyer_id], None, 1000)
                if n["topic"] == topic]
    texts = json.loads(rows[-1]["payload"])["texts"][lang]
    return f"{texts['title']}：{texts['body']}" if lang == "zh" else \
        f"{texts['title']}: {texts['body']}"

