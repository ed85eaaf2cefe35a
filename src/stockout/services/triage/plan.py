"""A shop's shortage triage as a use case: read its open orders, stock, capacity, receipts,
substitutes, remedies and today's reports into the domain's `Shortage`, and plan it (the
optimiser, with first come first served and earliest deadline first beside it). For the shop's
merchant and the platform; anyone else gets a 404."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from stockout.domain.errors import InvalidInput
from stockout.domain.events import EventType
from stockout.domain.inventory import Receipt, reservations_by_order
from stockout.domain.money import MAX_CENTS
from stockout.domain.rulebook import RulePack
from stockout.domain.times import format_time, shanghai_day
from stockout.domain.triage import (
    Decision,
    Option,
    Plan,
    Shortage,
    ShortOrder,
    SkuSupply,
    Standing,
    all_options,
    edf,
    fcfs,
)
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.triage.solver import TIME_LIMIT_SECONDS, solve
from stockout.store.uow import UnitOfWork

MAX_HORIZON_DAYS = 30
PROMISED = ("wait", "presale", "substitute")


def load_shortage(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, shop_id: str,
                  horizon_days: int, margin_percent: int = 0) -> Shortage:
    """The shop's open orders not shipped yet (no pickup, no waybill uploaded) that hold (or
    wait for) units of its SKUs, with everything the triage model weighs. An order whose
    waybill is uploaded is on its way: it is not planned, and the units it holds are not
    stock for the others. `NotFound` for a shop that is not the caller's."""
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInput("horizon_days", f"must be 1 to {MAX_HORIZON_DAYS}, got {horizon_days}")
    if not 0 <= margin_percent <= 100:
        raise InvalidInput("margin_percent", f"must be 0 to 100, got {margin_percent}")
    if not who.sees_shop(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    now = clock.now()
    today = shanghai_day(now)
    skus: dict[str, SkuSupply] = {}
    held: dict[str, tuple[str, int]] = {}  # order -> (SKU, units)
    reserved: set[str] = set()  # the orders whose units are on hand, reserved for them
    for row in uow.stock.all(shop_id):
        sku = row["sku_id"]
        skus[sku] = SkuSupply(
            sku, row["on_hand"], uow.capacity.daily(sku),
            tuple(Receipt(date.fromisoformat(r["day"]), r["quantity"])
                  for r in uow.capacity.receipts(sku, today.isoformat())),
            row["category"], row["title"] or "", row["price_cents"], row["listing"] == "listed")
        for order_id, q in reservations_by_order(uow.stock.movements(sku)).items():
            if q > 0:
                held[order_id] = (sku, q)
                reserved.add(order_id)
    for s in uow.stock.shortfalls(shop_id):
        if s["sku_id"] in skus:
            held.setdefault(s["order_id"], (s["sku_id"], s["quantity"]))
    if not skus and not uow.orders.shop_known(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    found = uow.orders.get_many(held)
    for order_id, r in found.items():
        sku, q = held[order_id]
        if (r["state"] == "open" and r["picked_up_at"] is None and r["first_upload_at"]
                is not None and order_id in reserved and sku in skus):
            skus[sku] = replace(skus[sku], on_hand=max(skus[sku].on_hand - q, 0))
    rows = {o: r for o, r in found.items()
            if r["state"] == "open" and r["picked_up_at"] is None
            and r["first_upload_at"] is None
            and r["deadline_at"] is not None and r["shop_id"] == shop_id}
    verdicts = uow.verdicts.active_for(rows)
    remedies = {o: uow.remedies.get(o) for o in uow.remedies.known(rows)}
    campaign = {o: any(e.type is EventType.ORDER_PLACED and bool(e.campaign) for _, e in evs)
                for o, evs in uow.events.for_orders(rows).items()}
    packs: dict[str, RulePack] = {}
    orders: list[ShortOrder] = []
    for order_id, r in sorted(rows.items()):
        pack = packs.setdefault(r["pack_id"], pack_by_id(rules, r["pack_id"]))
        remedy = remedies.get(order_id)
        state = remedy.state if remedy is not None else None
        sku, q = held[order_id]
        common: dict[str, Any] = {
            "order_id": order_id, "sku_id": sku, "quantity": q,
            "paid_cents": min(r["paid_cents"] or 0, MAX_CENTS), "pack_id": pack.id,
            "confirmed_at": r["confirmed_at"] or r["placed_at"] or r["deadline_at"],
            "deadline": r["deadline_at"], "campaign": campaign.get(order_id, False),
            "late_owed": "late_shipment" in verdicts.get(order_id, {})}
        if remedy is not None and state == "offered":
            orders.append(ShortOrder(**common, standing=Standing.OFFERED,
                                     offer_opened_at=remedy.opened_at,
                                     choose_by=remedy.choose_by))
        elif remedy is not None and state in PROMISED and remedy.until is not None:
            orders.append(ShortOrder(**common, standing=Standing.PROMISED,
                                     promised=remedy.until))
        elif state is None or state == "withdrawn":
            orders.append(ShortOrder(**common))
    now_pack = rules.book.pack_at(now)
    used = len(uow.reports.for_shop_days([(shop_id, today.isoformat())]))
    packs.setdefault(now_pack.id, now_pack)
    return Shortage(shop_id, now, horizon_days, tuple(orders), skus, packs,
                    max(now_pack.self_report.daily_limit - used, 0), margin_percent)


def triage(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, shop_id: str,
           horizon_days: int = 7, margin_percent: int = 0,
           time_limit: float = TIME_LIMIT_SECONDS) -> dict[str, Any]:
    """The shop's plan: one decision per order with why, its cost, and what first come first
    served and earliest deadline first would cost."""
    with uow.reader() as r:
        shortage = load_shortage(r, rules, clock, who, shop_id, horizon_days, margin_percent)
    plan = solve(shortage, time_limit)
    opts = all_options(shortage)
    return plan_body(shortage, plan, {"fcfs": fcfs(shortage, opts).cost_cents,
                                      "edf": edf(shortage, opts).cost_cents})


def option_body(x: Option) -> dict[str, Any]:
    return {"action": x.action.value, "day": x.day.isoformat() if x.day else None,
            "sku_id": x.sku_id, "report": x.report, "cost_cents": x.cost_cents}


def _decision(d: Decision) -> dict[str, Any]:
    alt = d.alternative
    return {"order_id": d.order_id, **option_body(d.option),
            "alternative": option_body(alt) if alt is not None else None,
            "saves_cents": alt.cost_cents - d.option.cost_cents if alt is not None else None,
            "why": d.why.value, "cost_basis": d.basis.value,
            "gave_up": option_body(d.gave_up) if d.gave_up is not None else None,
            "receipt_day": d.receipt_day.isoformat() if d.receipt_day else None,
            "taken_by": list(d.taken_by)}


def plan_body(shortage: Shortage, plan: Plan, baselines: dict[str, int]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for d in plan.decisions:
        counts[d.option.action.value] = counts.get(d.option.action.value, 0) + 1
    return {"shop_id": shortage.shop_id, "at": format_time(shortage.now),
            "horizon_days": shortage.horizon_days, "margin_percent": shortage.margin_percent,
            "method": plan.method, "note": plan.note, "cost_cents": plan.cost_cents,
            "baselines": baselines,
            "savings_vs_edf_cents": baselines["edf"] - plan.cost_cents,
            "reports_left": shortage.reports_left, "actions": counts,
            "decisions": [_decision(d) for d in plan.decisions]}
