"""The merchant's side: the at-risk queue with what can be done now for each order, today's
remaining out-of-stock reports, the shop's SKUs, a tracking upload, and the message check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockout.domain.remedies import RemedyState
from stockout.domain.times import format_time, shanghai_day
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.judging.ingest import IngestResult, ingest_events
from stockout.services.judging.queries import at_risk
from stockout.services.judging.rules import Rules
from stockout.services.remedies.choices import remedy_view
from stockout.services.stock.self_report import RULE_SECTION
from stockout.store.uow import UnitOfWork

QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Quota:
    """Out-of-stock reports the shop may still file today (Asia/Shanghai day)."""

    day: str
    limit: int
    used: int
    rule: str

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def report_quota(uow: UnitOfWork, rules: Rules, who: Principal, shop_id: str, now: datetime
                 ) -> Quota:
    if not who.sees_shop(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    pack = rules.book.pack_at(now)
    day = shanghai_day(now).isoformat()
    with uow.reader() as r:
        used = len(r.reports.for_shop_days([(shop_id, day)]))
    return Quota(day, pack.self_report.daily_limit, used,
                 pack.rule_id(RULE_SECTION, "daily_limit"))


def work_queue(uow: UnitOfWork, rules: Rules, who: Principal, shop_id: str, now: datetime
               ) -> list[dict[str, Any]]:
    """The at-risk orders (soonest deadline first), each with its remedy offer when a stockout
    verdict opened one: the merchant may then propose a restock date, and sees the substitutes
    the buyer is offered."""
    with uow.reader() as r:
        items, _ = at_risk(r, rules, who, shop_id, now, within=None, after=None,
                           limit=QUEUE_LIMIT)
        held = {o: r.remedies.get(o) for o in (i["order_id"] for i in items)}
        judged = r.verdicts.active_for([i["order_id"] for i in items]) if items else {}
    for item in items:
        # What a miss would still cost: a violation already judged is owed, not avoidable.
        owed = judged.get(item["order_id"], {})
        costs = {"late_shipment": item["if_missed"]["late_shipment_cents"],
                 "stockout": item["if_missed"]["stockout_cents"]}
        item["owed"] = [{"violation": v, "cents": row["compensation_cents"]}
                        for v, row in sorted(owed.items())]
        item["still_avoidable"] = [{"violation": v, "cents": c} for v, c in costs.items()
                                   if v not in owed]
        row = held.get(item["order_id"])
        item["remedy"] = (remedy_view(uow, rules, who, item["order_id"])
                          if row is not None and row.state is not RemedyState.WITHDRAWN else None)
        item["may_propose"] = row is not None and row.state is RemedyState.OFFERED
    return items


def upload_tracking(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                    carrier: str, tracking_no: str) -> IngestResult:
    """Ship: the merchant uploads the carrier and tracking number (a `shipment_uploaded`
    event, checked and judged like any posted event)."""
    with uow.reader() as r:
        row = r.orders.get(order_id)
    if row is None or not who.may_post_for(row["shop_id"]):
        raise NotFound(f"order {order_id!r} not found")
    event = {"event_id": f"{order_id}.shipment.{uuid.uuid4().hex[:12]}", "order_id": order_id,
             "type": "shipment_uploaded", "at": format_time(clock.now()),
             "carrier": carrier.strip(), "tracking_no": tracking_no.strip()}
    return ingest_events(uow, rules, clock, [event], who)


def shop_skus(uow: UnitOfWork, who: Principal, shop_id: str) -> list[dict[str, Any]]:
    """The shop's SKUs with balance and listing (what `GET /v1/skus/{id}` shows, for each)."""
    if not who.sees_shop(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    with uow.reader() as r:
        rows = r.stock.all(shop_id)
    return [{"sku_id": s["sku_id"], "title": s["title"], "category": s["category"],
             "price_cents": s["price_cents"], "on_hand": s["on_hand"], "reserved": s["reserved"],
             "sellable": s["on_hand"] - s["reserved"], "listing": s["listing"],
             "safety_stock": s["safety_stock"]} for s in rows]


@dataclass(frozen=True, slots=True)
class MessageCheck:
    """What the judge would read in a merchant's chat message under the pack in force."""

    pack: str
    admission: str | None  # the stockout phrase found (normalised), if any
    admission_rule: str
    induce: str | None  # the phrase asking the buyer to refund, if any
    induce_rule: str

    @property
    def clean(self) -> bool:
        return self.admission is None and self.induce is None


def check_message(rules: Rules, now: datetime, text: str) -> MessageCheck:
    """The same phrase matchers the judge uses for `merchant_chat` and `induced_refund`."""
    pack = rules.book.pack_at(now)
    so = pack.stockout
    return MessageCheck(pack.id, so.says_stockout.find(text),
                        pack.rule_id("stockout", "merchant_chat"), so.asks_to_refund.find(text),
                        pack.rule_id("stockout", "induced_refund"))
