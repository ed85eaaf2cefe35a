"""Merchants' out-of-stock reports (缺货报备), checked against the pack before anything is
written: at most `daily_limit` a shop a day (Asia/Shanghai), never a campaign order, only before
pickup and on an open order. A report the pack admits delists the SKU (by hand: only a hand
relists it) and becomes a `stockout_reported` event ingested in the same transaction, so the
judge, the ledger and the notifications follow. A refused report writes nothing.

A whole-SKU report covers the SKU's open orders without a pickup (those holding a reservation
of it, or waiting for one), soonest deadline first. Each order's report counts against the
daily limit on its own; those beyond it are refused and listed, with the other refusals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from stockout.domain.context import ReportRefusal, report_refusal
from stockout.domain.errors import StockoutError
from stockout.domain.events import Event, EventType
from stockout.domain.inventory import reservations_by_order
from stockout.domain.provenance import Via
from stockout.domain.timeline import Timeline, fold
from stockout.domain.times import format_time, shanghai_day
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.ingest import append_events
from stockout.services.judging.rules import Rules
from stockout.services.stock.movements import listing_in
from stockout.store.uow import UnitOfWork

RULE_SECTION = "self_report"


class ReportRefused(StockoutError):
    """The pack refuses this report; `code` (the `refusal`) and `rule` say which rule."""

    family = "report-refused"

    def __init__(self, order_id: str, code: ReportRefusal, rule: str, detail: str) -> None:
        super().__init__(f"order {order_id!r}: {detail}", code=code, rule=rule)
        self.order_id = order_id
        self.refusal = code
        self.rule: str = rule
        self.detail = detail

    def to_dict(self) -> dict[str, str]:
        return {"order_id": self.order_id, "code": self.refusal.value, "rule": self.rule,
                "detail": self.detail}

    def problem_detail(self) -> str:
        return self.detail

    def problem_fields(self) -> dict[str, Any]:
        return {"rule": self.rule, "order_id": self.order_id}


@dataclass(frozen=True, slots=True)
class Reported:
    order_id: str
    event_id: str
    at: datetime
    already: bool = False  # the order had been reported before: nothing new was written
    sku_id: str | None = None  # the order's SKU, delisted by the report (None: no SKU known)
    listing: str | None = None  # that SKU's listing state after the report

    def to_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "event_id": self.event_id, "at": format_time(self.at),
                "already_reported": self.already, "sku_id": self.sku_id,
                "listing": self.listing}


@dataclass(slots=True)
class SkuReport:
    sku_id: str
    listing: str
    reported: list[Reported] = field(default_factory=list)
    refused: list[ReportRefused] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sku_id": self.sku_id, "listing": self.listing,
                "reported": [r.to_dict() for r in self.reported],
                "refused": [r.to_dict() for r in self.refused]}


_DETAIL = {
    ReportRefusal.CAMPAIGN: "campaign orders cannot be reported out of stock",
    ReportRefusal.AFTER_PICKUP: "the carrier already picked the order up",
    ReportRefusal.CLOSED: "the order is already closed",
    ReportRefusal.DAILY_LIMIT: "the shop reached its daily limit of {limit} reports "
                               "(Asia/Shanghai day {day})",
}


def report_order(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                 reason: str) -> Reported:
    """Report one order out of stock; raises `ReportRefused` (nothing written) or `NotFound`.
    The answer names the order's SKU and its listing state (delisted by the report)."""
    def work(uow: UnitOfWork) -> Reported:
        now = clock.now()
        done = _report(uow, rules, who, [order_id], reason, now, delist=True)
        if done.refused:
            raise done.refused[0]
        sku = done.skus.get(order_id)
        row = uow.stock.get(sku) if sku else None
        shop = (uow.orders.get(order_id) or {}).get("shop_id")
        listing = row["listing"] if row is not None and row["shop_id"] == shop else None
        return replace(done.reported[0], sku_id=sku, listing=listing)

    return in_transaction(uow, work)


def report_sku(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, sku_id: str,
               reason: str) -> SkuReport:
    """Delist the SKU and report each of its open, not picked-up orders (see the module).
    Locks as every re-judging does: the orders (and shop-days) first, then the SKU row."""
    def work(uow: UnitOfWork) -> SkuReport:
        now = clock.now()
        row = uow.stock.get(sku_id)
        if row is None or not who.may_post_for(row["shop_id"]):
            raise NotFound(f"SKU {sku_id!r} not found")
        held = reservations_by_order(uow.stock.movements(sku_id))
        waiting = {r["order_id"] for r in uow.stock.shortfalls(sku_id=sku_id)}
        candidates = {o for o, q in held.items() if q > 0} | waiting
        rows = uow.orders.get_many(candidates)
        open_ids = sorted((o for o, r in rows.items()
                           if r["state"] in ("open", "placed") and r["picked_up_at"] is None),
                          key=lambda o: (rows[o]["deadline_at"] or now, o))
        done = _report(uow, rules, who, open_ids, reason, now, delist=False)
        state = listing_in(uow, sku_id, False, now)
        reported = [replace(r, sku_id=sku_id, listing=state.listing.value)
                    for r in done.reported]
        return SkuReport(sku_id, state.listing.value, reported, done.refused)

    return in_transaction(uow, work)


def report_within(uow: UnitOfWork, rules: Rules, who: Principal, order_ids: list[str],
                  reason: str, now: datetime) -> tuple[list[Reported], list[ReportRefused]]:
    """`report_order` for several orders inside the caller's transaction (each delists its
    SKU): the reports admitted and those the pack refused, the daily limit counted across."""
    done = _report(uow, rules, who, order_ids, reason, now, delist=True)
    return done.reported, done.refused


@dataclass(slots=True)
class _Done:
    reported: list[Reported] = field(default_factory=list)
    refused: list[ReportRefused] = field(default_factory=list)
    skus: dict[str, str] = field(default_factory=dict)  # order → its SKU, when known


def _report(uow: UnitOfWork, rules: Rules, who: Principal, order_ids: list[str], reason: str,
            now: datetime, delist: bool) -> _Done:
    events = {o: _event(o, reason, now) for o in order_ids}
    lock_orders(uow, order_ids, events.values())  # the orders and their shop's day
    stored = uow.events.for_orders(order_ids)
    orders = uow.orders.get_many(order_ids)
    done = _Done()
    admitted = {r["order_id"]: r for r in uow.reports.for_orders(order_ids)}
    used: dict[tuple[str, str], int] = {}
    fresh: list[Event] = []
    skus: set[tuple[str, str]] = set()  # (SKU, the order's shop)
    for order_id in order_ids:
        row = orders.get(order_id)
        if row is None or not stored.get(order_id) or not who.may_post_for(row["shop_id"]):
            raise NotFound(f"order {order_id!r} not found")
        placed = next((e for _, e in stored[order_id] if e.type is EventType.ORDER_PLACED),
                      None)
        if placed is not None and placed.sku_id:
            done.skus[order_id] = placed.sku_id
        if order_id in admitted:
            old = admitted[order_id]
            done.reported.append(Reported(order_id, old["event_id"], old["at"], already=True))
            continue
        report = events[order_id]
        timeline = Timeline.of(order_id, [*(e for _, e in stored[order_id]), report])
        facts = fold(timeline, now)
        pack = rules.pack_for(timeline, now)
        code = report_refusal(report, facts, pack)
        shop, day = row["shop_id"], shanghai_day(now).isoformat()
        if code is None:
            if (shop, day) not in used:
                used[(shop, day)] = len(uow.reports.for_shop_days([(shop, day)]))
            if used[(shop, day)] >= pack.self_report.daily_limit:
                code = ReportRefusal.DAILY_LIMIT
        if code is not None:
            detail = _DETAIL[code].format(limit=pack.self_report.daily_limit, day=day)
            done.refused.append(ReportRefused(order_id, code,
                                              pack.rule_id(RULE_SECTION, code.value), detail))
            continue
        used[(shop, day)] += 1
        fresh.append(report)
        if facts.placed is not None and facts.placed.sku_id:
            skus.add((facts.placed.sku_id, shop))
        done.reported.append(Reported(order_id, report.event_id, now))
    if fresh:
        if delist:
            owners = uow.stock.shops_of(s for s, _ in skus)
            for sku, shop in sorted(skus):
                if owners.get(sku) == shop:  # never another shop's listing
                    listing_in(uow, sku, False, now)
        append_events(uow, rules, now, who, [_raw(e) for e in fresh], via=Via.REPORT)
    return done


def _event(order_id: str, reason: str, now: datetime) -> Event:
    return Event(f"{order_id}.stockout_report.{uuid.uuid4().hex[:12]}", order_id,
                 EventType.STOCKOUT_REPORTED, now, reason=reason)


def _raw(e: Event) -> dict[str, Any]:
    return {"event_id": e.event_id, "order_id": e.order_id, "type": e.type.value,
            "at": format_time(e.at), "reason": e.reason or ""}
