"""Listings that follow what can really ship: a SKU's daily shipping capacity and expected
receipts with their days, planned by the domain's `plan_capacity` against the SKU's open orders
(each by its ship-by deadline, or the date promised to a buyer who chose to wait): the listing
cap (units a new order could still get in time) and the orders at risk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from stockout.domain.errors import InvalidInput, StockoutError
from stockout.domain.inventory import Commitment, Receipt, plan_capacity, reservations_by_order
from stockout.domain.times import format_time, shanghai_day
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.rules import Rules
from stockout.services.stock.movements import register_sku, visible_sku
from stockout.store.uow import UnitOfWork


class CapacityNotSet(StockoutError, LookupError):
    family = "capacity-not-set"

    def __init__(self, sku_id: str) -> None:
        super().__init__(f"SKU {sku_id!r} has no daily shipping capacity yet; set it first "
                         "(PUT /v1/skus/{id}/capacity)")
        self.sku_id = sku_id


def set_capacity(uow: UnitOfWork, clock: Clock, who: Principal, sku_id: str, daily: int
                 ) -> None:
    if daily <= 0:
        raise InvalidInput("daily_capacity", f"must be a positive number of units, got {daily}")
    visible_sku(uow, who, sku_id)
    in_transaction(uow, lambda u: u.capacity.set_daily(sku_id, daily, clock.now(), who.actor))


def expect_receipt(uow: UnitOfWork, clock: Clock, who: Principal, sku_id: str, day: date,
                   quantity: int) -> None:
    if quantity <= 0:
        raise InvalidInput("quantity", f"must be a positive number of units, got {quantity}")
    now = clock.now()
    if day < shanghai_day(now):
        raise InvalidInput("day", f"{day.isoformat()} is already past (Asia/Shanghai)")
    visible_sku(uow, who, sku_id)
    in_transaction(uow, lambda u: u.capacity.add_receipt(sku_id, day.isoformat(), quantity, now,
                                                         who.actor))


def capacity_plan(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, sku_id: str
                  ) -> dict[str, Any]:
    row = visible_sku(uow, who, sku_id)
    now = clock.now()
    with uow.reader() as r:
        daily = r.capacity.daily(sku_id)
        if daily is None:
            raise CapacityNotSet(sku_id)
        today = shanghai_day(now)
        receipts = [Receipt(date.fromisoformat(x["day"]), x["quantity"])
                    for x in r.capacity.receipts(sku_id, today.isoformat())]
        held = {o: q for o, q in reservations_by_order(r.stock.movements(sku_id)).items()
                if q > 0}
        for s in r.stock.shortfalls(sku_id=sku_id):
            held.setdefault(s["order_id"], s["quantity"])
        orders = r.orders.get_many(held)
        promised = r.remedies.promised(held)
    commitments: list[Commitment] = []
    for order_id, q in sorted(held.items()):
        o = orders.get(order_id)
        if o is None or o["state"] != "open" or o["picked_up_at"] is not None:
            continue
        deadline: datetime | None = promised.get(order_id, o["deadline_at"])
        if deadline is not None:
            commitments.append(Commitment(order_id, q, deadline))
    pack = rules.book.pack_at(now)
    plan = plan_capacity(now, row["on_hand"], daily, receipts, commitments,
                         pack.deadline.limit(row["category"]))
    return {"sku_id": sku_id, "shop_id": row["shop_id"], "daily_capacity": daily,
            "on_hand": row["on_hand"], "sellable": row["on_hand"] - row["reserved"],
            "listing": row["listing"], "listing_cap": plan.listing_cap,
            "receipts": [{"day": x.day.isoformat(), "quantity": x.quantity} for x in receipts],
            "orders": [{"order_id": c.order_id, "quantity": c.quantity,
                        "deadline": format_time(c.deadline),
                        "promised": c.order_id in promised,
                        "ship_day": plan.ship_day[c.order_id].isoformat()
                        if c.order_id in plan.ship_day else None,
                        "at_risk": c.order_id in plan.at_risk}
                       for c in sorted(commitments, key=lambda c: (c.deadline, c.order_id))],
            "at_risk": list(plan.at_risk)}


def register(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, sku_id: str,
             shop_id: str, title: str, category: str | None, price_cents: int,
             safety_stock: int | None) -> bool:
    """Register a SKU for the platform or the shop's merchant; the safety stock defaults to the
    pack's [inventory] figure. False when the SKU is already registered."""
    if not who.may_post_for(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    if price_cents < 0:
        raise InvalidInput("price_cents", f"must not be negative, got {price_cents}")
    if safety_stock is None:
        safety_stock = rules.book.pack_at(clock.now()).inventory.safety_stock
    return register_sku(uow, clock, sku_id, shop_id, safety_stock=safety_stock, title=title,
                        category=category, price_cents=price_cents)
