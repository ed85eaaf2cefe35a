"""A small, living shop for the web console: a tea shop whose orders fall due in the next hours
(one is already late), a SKU running short, merchants' chats that admitted a stockout (their
buyers have a remedy to choose, the demo buyer among them), a delivered order of the demo buyer, two appeals waiting (one overdue), an announcement, and a month of
shipped orders behind the scores; plus another shop the merchant must never see. Loaded
through the same services the API calls, with a clock moved by hand up to `now`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stockout.services.access.principals import CLI, Principal, Role
from stockout.services.access.tokens import create_token
from stockout.services.appeals.workflow import EvidenceFile, file_appeal
from stockout.services.common.clock import ManualClock
from stockout.services.judging.announcements import post_announcement
from stockout.services.judging.ingest import ingest_events
from stockout.services.judging.rules import Rules
from stockout.services.stock import capacity
from stockout.services.stock.movements import receive
from stockout.store.uow import UnitOfWork

H = timedelta(hours=1)
SHOP, OTHER_SHOP = "s-tea", "s-other"
BUYER, OTHER_BUYER = "b-li", "b-zhao"


@dataclass(frozen=True, slots=True)
class DemoTokens:
    """The sign-in of each role (secrets: shown once)."""

    platform: str
    merchant: str
    other_merchant: str
    buyer: str
    other_buyer: str

    def as_dict(self) -> dict[str, str]:
        return {"platform": self.platform, "merchant": self.merchant,
                "other_merchant": self.other_merchant, "buyer": self.buyer,
                "other_buyer": self.other_buyer}


class _Events:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def order(self, order_id: str, shop: str, buyer: str, sku: str, paid: int, at: datetime,
              confirmed: bool = True, **extra: Any) -> None:
        self.add(order_id, "placed", "order_placed", at, shop_id=shop, buyer_id=buyer,
                 sku_id=sku, quantity=1, paid_cents=paid, category="tea"
                 if sku.startswith("sku-tea") else "cups", **extra)
        if confirmed:
            self.add(order_id, "confirmed", "order_confirmed", at + timedelta(minutes=1))

    def add(self, order_id: str, label: str, kind: str, at: datetime, **fields: Any) -> None:
        self.items.append({"event_id": f"{order_id}.{label}", "order_id": order_id,
                           "type": kind, "at": at.isoformat(), **fields})


def load_demo(uow_factory: Callable[[], UnitOfWork], rules: Rules, now: datetime) -> DemoTokens:
    """Write the demo into an empty store; the store's clock afterwards is the real one."""
    now = now.replace(microsecond=0)
    clock = ManualClock(now - timedelta(days=30))
    merchant = Principal(Role.MERCHANT, "demo", frozenset({SHOP}), name=f"merchant:{SHOP}")

    uow = uow_factory
    for sku, title, category, price, shop in (
            ("sku-tea-lj", "明前龙井 250g", "tea", 8800, SHOP),
            ("sku-tea-blc", "碧螺春 250g", "tea", 8500, SHOP),
            ("sku-cup", "双层玻璃茶杯", "cups", 2900, SHOP),
            ("sku-other", "普洱茶饼", "tea", 12000, OTHER_SHOP)):
        capacity.register(uow(), rules, clock, CLI, sku, shop, title, category, price, None)
    for sku, units in (("sku-tea-lj", 60), ("sku-tea-blc", 20), ("sku-other", 5)):
        receive(uow(), clock, sku, units, "demo", "opening stock")

    past = _Events()  # a month of orders shipped on time, and a few late ones
    for i in range(40):
        at = now - timedelta(days=29) + i * 17 * H
        oid = f"o-{100 + i}"
        past.order(oid, SHOP, f"b-{i % 7}", "sku-tea-lj", 8800, at)
        if i % 9 == 4:  # never picked up: late, then the buyer gave up and was refunded
            past.add(oid, "refund", "refund_requested", at + 60 * H, initiator="buyer",
                     reason="等太久了")
            past.add(oid, "refunded", "refund_completed", at + 61 * H, amount_cents=8800)
            continue
        ship = at + (30 * H if i % 10 else 52 * H)
        past.add(oid, "upload", "shipment_uploaded", ship, carrier="ZTO", tracking_no=f"ZT{i:06d}")
        past.add(oid, "pickup", "carrier_scan", ship + H, carrier="ZTO", tracking_no=f"ZT{i:06d}",
                 status="pickup")
        for label, status, after in (("transit", "in_transit", 12), ("arrive", "arrive", 30),
                                     ("delivered", "delivered", 40)):
            past.add(oid, label, "carrier_scan", ship + after * H, carrier="ZTO",
                     tracking_no=f"ZT{i:06d}", status=status)
    # Two late orders appealed: one five days ago (overdue by now), one today.
    late = _Events()
    late.order("o-0901", SHOP, "b-chen", "sku-tea-lj", 8800, now - timedelta(days=8))
    late.order("o-0902", SHOP, "b-wu", "sku-tea-blc", 8500, now - 60 * H)
    clock.set(now - timedelta(days=5))
    ingest_events(uow(), rules, clock, late.items[:2], CLI)
    clock.set(now - timedelta(days=5) + H)
    first = _verdict(uow(), "o-0901")
    file_appeal(uow(), rules, clock, merchant, first, "carrier_fault",
                "快递网点爆仓，包裹 3 天未揽收，附网点通知。",
                [EvidenceFile("网点通知.txt", "中通杭州西湖网点：11 月 25 日起暂停揽收。".encode())])

    late.add("o-0901", "upload", "shipment_uploaded", now - 4 * 24 * H, carrier="ZTO",
             tracking_no="ZT900901")
    late.add("o-0901", "pickup", "carrier_scan", now - 4 * 24 * H + H, carrier="ZTO",
             tracking_no="ZT900901", status="pickup")
    clock.set(now - 2 * H)
    ingest_events(uow(), rules, clock, past.items, CLI)
    ingest_events(uow(), rules, clock, late.items[2:], CLI)
    file_appeal(uow(), rules, clock, merchant, _verdict(uow(), "o-0902"),
                "buyer_requested_delay", "买家在聊天中要求推迟到周末发货。",
                [EvidenceFile("聊天记录.txt", "买家：周末再发吧，我不在家。".encode())])

    live = _Events()  # open orders, soonest deadline first in the queue
    live.order("o-1001", SHOP, BUYER, "sku-tea-lj", 8800, now - 44 * H)
    live.order("o-1002", SHOP, "b-wang", "sku-tea-lj", 8800, now - 30 * H)
    live.order("o-1003", SHOP, "b-zhou", "sku-cup", 2900, now - 47 * H + 20 * timedelta(minutes=1))
    live.order("o-1004", SHOP, OTHER_BUYER, "sku-tea-lj", 8800, now - 20 * H)
    live.add("o-1004", "chat", "chat_message", now - 3 * H, sender="merchant",
             text="亲，这款龙井暂时没货了，不好意思")
    live.order("o-1005", SHOP, "b-qian", "sku-tea-blc", 8500, now - 50 * H)
    live.order("o-2001", OTHER_SHOP, "b-sun", "sku-other", 12000, now - 10 * H)
    # The demo buyer's own: a cup the merchant admitted in chat it has not got (a remedy to
    # choose), and a tea delivered two days ago (a return or a claim is open to them).
    live.order("o-1006", SHOP, BUYER, "sku-cup", 2900, now - 6 * H)
    live.add("o-1006", "chat", "chat_message", now - 2 * H, sender="merchant",
             text="亲，杯子暂时没货了，到货后第一时间给您发")
    live.order("o-0903", SHOP, BUYER, "sku-tea-blc", 8500, now - 5 * 24 * H)
    live.add("o-0903", "upload", "shipment_uploaded", now - 4 * 24 * H, carrier="ZTO",
             tracking_no="ZT900903")
    for label, status, after in (("pickup", "pickup", 1), ("transit", "in_transit", 12),
                                 ("delivered", "delivered", 46)):
        live.add("o-0903", label, "carrier_scan", now - 4 * 24 * H + after * H, carrier="ZTO",
                 tracking_no="ZT900903", status=status)
    clock.set(now - H)
    ingest_events(uow(), rules, clock, live.items, CLI)
    capacity.set_capacity(uow(), clock, CLI, "sku-tea-lj", 10)
    capacity.expect_receipt(uow(), clock, CLI, "sku-tea-lj", (now + timedelta(days=3)).date(), 50)
    post_announcement(uow(), rules, clock, {
        "id": "rainstorm-zj", "starts": (now + timedelta(days=1)).isoformat(),
        "ends": (now + timedelta(days=3)).isoformat(), "extend_hours": 24,
        "ship_from_regions": ["浙江"]}, CLI)

    clock.set(now)
    made = [create_token(uow(), clock, role, shops, buyer, label=f"demo {label}").secret
            for role, shops, buyer, label in (
                (Role.PLATFORM, (), None, "platform"), (Role.MERCHANT, (SHOP,), None, SHOP),
                (Role.MERCHANT, (OTHER_SHOP,), None, OTHER_SHOP),
                (Role.BUYER, (), BUYER, BUYER), (Role.BUYER, (), OTHER_BUYER, OTHER_BUYER))]
    return DemoTokens(*made)


def store_is_empty(uow: UnitOfWork) -> bool:
    """The demo writes only into a store without orders (never into real data)."""
    with uow.reader() as r:
        return r.orders.get_many(["o-1001", "o-2001"]) == {} and not r.stock.all()


def _verdict(uow: UnitOfWork, order_id: str) -> int:
    with uow.reader() as r:
        rows = [v for v in r.verdicts.of_order(order_id) if v["status"] == "active"]
    return int(rows[0]["id"])
