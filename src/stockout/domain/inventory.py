"""Stock as an append-only ledger of movements; balances, listings and capacity derive from it.

On hand − reserved = sellable. A reservation is made when an order is confirmed, released when it
closes without shipping, consumed by the shipment at pickup. Sellable never goes below zero: a
reservation larger than what is sellable is refused (`InsufficientStock`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from stockout.domain.errors import StockoutError
from stockout.domain.times import shanghai_day

# The most units one order, movement, receipt or day's capacity takes: more is a typing error.
MAX_UNITS = 1_000_000
# The most a SKU holds on hand (the store keeps balances in 32-bit columns).
MAX_ON_HAND = 1_000_000_000


class MovementKind(StrEnum):
    __hash__ = str.__hash__

    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"
    SHIPMENT = "shipment"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class Movement:
    """One line of a SKU's ledger. `quantity` is positive, except an adjustment's, which is
    signed (a count found short is negative) and must say why."""

    sku_id: str
    kind: MovementKind
    quantity: int
    at: datetime
    order_id: str | None = None
    reason: str = ""


class LedgerError(StockoutError, ValueError):
    """A movement the ledger cannot take; carries the SKU and what was asked."""

    family = "ledger-refused"

    def __init__(self, sku_id: str, message: str) -> None:
        super().__init__(f"{sku_id}: {message}")
        self.sku_id = sku_id


class InsufficientStock(LedgerError):
    def __init__(self, sku_id: str, requested: int, sellable: int) -> None:
        super().__init__(sku_id, f"{requested} requested, {sellable} sellable")
        self.requested = requested
        self.sellable = sellable


@dataclass(frozen=True, slots=True)
class Balance:
    on_hand: int = 0
    reserved: int = 0

    @property
    def sellable(self) -> int:
        return self.on_hand - self.reserved

    def after(self, m: Movement) -> Balance:
        """The balance once `m` is applied; raises `LedgerError` for what cannot happen."""
        q = m.quantity
        if m.kind is not MovementKind.ADJUSTMENT and q <= 0:
            raise LedgerError(m.sku_id, f"{m.kind.value} of {q}: quantity must be positive")
        if q > 0 and self.on_hand + q > MAX_ON_HAND and m.kind in (MovementKind.RECEIPT,
                                                                   MovementKind.ADJUSTMENT):
            raise LedgerError(m.sku_id, f"{m.kind.value} of {q} would take on hand past "
                                        f"{MAX_ON_HAND:,}")
        if m.kind is MovementKind.RECEIPT:
            return Balance(self.on_hand + q, self.reserved)
        if m.kind is MovementKind.RESERVATION:
            if q > self.sellable:
                raise InsufficientStock(m.sku_id, q, self.sellable)
            return Balance(self.on_hand, self.reserved + q)
        if m.kind is MovementKind.RELEASE:
            if q > self.reserved:
                raise LedgerError(m.sku_id, f"release of {q} but only {self.reserved} reserved")
            return Balance(self.on_hand, self.reserved - q)
        if m.kind is MovementKind.SHIPMENT:
            if q > self.reserved or q > self.on_hand:
                raise LedgerError(m.sku_id, f"shipment of {q} without a reservation to consume")
            return Balance(self.on_hand - q, self.reserved - q)
        if not m.reason.strip():
            raise LedgerError(m.sku_id, "an adjustment must say why")
        if q == 0:
            raise LedgerError(m.sku_id, "an adjustment of 0 changes nothing")
        if self.on_hand + q < self.reserved:
            raise LedgerError(m.sku_id, f"adjustment of {q} would leave on hand "
                                        f"{self.on_hand + q} below reserved {self.reserved}")
        return Balance(self.on_hand + q, self.reserved)


@dataclass(frozen=True, slots=True)
class Anomaly:
    """What the auditor found wrong at one movement of the ledger, or in the orders."""

    sku_id: str
    kind: str  # negative_stock | over_release | shipment_without_reservation | ...
    detail: str
    order_id: str | None = None


def replay(sku_id: str, movements: Iterable[Movement]) -> tuple[Balance, list[Anomaly]]:
    """Recompute a balance from its ledger without refusing anything: what `Balance.after`
    would refuse is counted as it happened and reported as an anomaly."""
    on_hand = reserved = 0
    anomalies: list[Anomaly] = []
    for m in sorted(movements, key=lambda x: x.at):
        q = m.quantity
        if m.kind is MovementKind.RECEIPT or m.kind is MovementKind.ADJUSTMENT:
            on_hand += q
        elif m.kind is MovementKind.RESERVATION:
            reserved += q
        elif m.kind is MovementKind.RELEASE:
            reserved -= q
        else:
            on_hand -= q
            reserved -= q
        if on_hand < 0 or reserved < 0 or on_hand < reserved:
            anomalies.append(Anomaly(sku_id, "negative_stock", f"after {m.kind.value} at "
                                     f"{m.at.isoformat()}: on hand {on_hand}, reserved {reserved}",
                                     m.order_id))
    return Balance(on_hand, reserved), anomalies


def reservations_by_order(movements: Iterable[Movement]) -> dict[str, int]:
    """Units each order still holds: reserved − released − shipped."""
    held: dict[str, int] = {}
    for m in movements:
        if m.order_id is None:
            continue
        if m.kind is MovementKind.RESERVATION:
            held[m.order_id] = held.get(m.order_id, 0) + m.quantity
        elif m.kind is MovementKind.RELEASE or m.kind is MovementKind.SHIPMENT:
            held[m.order_id] = held.get(m.order_id, 0) - m.quantity
    return {o: q for o, q in held.items() if q != 0}


class ListingState(StrEnum):
    __hash__ = str.__hash__

    LISTED = "listed"
    DELISTED_AUTO = "delisted_auto"  # by stockout, when sellable reached the safety stock
    DELISTED_MANUAL = "delisted_manual"  # by the merchant or the platform: only they relist


def listing_after(state: ListingState, balance: Balance, safety_stock: int) -> ListingState:
    """Delist automatically at the safety stock; relist automatically only what was delisted
    automatically."""
    if state is ListingState.DELISTED_MANUAL:
        return state
    return ListingState.DELISTED_AUTO if balance.sellable <= safety_stock else ListingState.LISTED


@dataclass(frozen=True, slots=True)
class Receipt:
    """Goods expected in: `quantity` units arrive on `day` (Asia/Shanghai)."""

    day: date
    quantity: int


@dataclass(frozen=True, slots=True)
class Commitment:
    """An open order that still has to ship: units and its ship-by deadline."""

    order_id: str
    quantity: int
    deadline: datetime


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    at_risk: tuple[str, ...]  # orders that cannot ship by their deadline, earliest first
    listing_cap: int  # more units that can still be sold and ship in time
    ship_day: dict[str, date]  # the planned shipping day of every order that can ship


def plan_capacity(now: datetime, on_hand: int, daily_capacity: int,
                  receipts: Sequence[Receipt], commitments: Sequence[Commitment],
                  new_order_limit: timedelta) -> CapacityPlan:
    """Earliest deadline first, day by day: each day ships at most `daily_capacity` units of
    what is in stock by then. An order whose planned day falls after its deadline's day is at
    risk. The listing cap is what a new order (deadline `now + new_order_limit`) could still get.
    """
    if daily_capacity <= 0:
        raise ValueError("daily capacity must be positive")
    today = shanghai_day(now)
    arriving: dict[date, int] = {}
    for r in receipts:
        arriving[max(r.day, today)] = arriving.get(max(r.day, today), 0) + r.quantity
    horizon = shanghai_day(now + new_order_limit)
    last = max([horizon, *(shanghai_day(c.deadline) for c in commitments), *arriving])
    stock, day, room = on_hand, today, daily_capacity
    stock += arriving.get(day, 0)
    plan: dict[str, date] = {}
    at_risk: list[str] = []
    queue = sorted(commitments, key=lambda c: (c.deadline, c.order_id))
    for c in queue:
        # An order larger than a day's capacity ships over several days; its day is the last.
        saved, need = (stock, day, room), c.quantity
        while day <= last:
            take = min(need, room, stock)
            need, room, stock = need - take, room - take, stock - take
            if need == 0:
                break
            day += timedelta(days=1)
            room = daily_capacity
            stock += arriving.get(day, 0)
        if need > 0:  # cannot ship in the plan's horizon: at risk, and holds nothing back
            stock, day, room = saved
            at_risk.append(c.order_id)
            continue
        plan[c.order_id] = day
        if day > shanghai_day(c.deadline):
            at_risk.append(c.order_id)
    # What is left for new orders up to the horizon: capacity and stock both bound it.
    cap_room = room if day <= horizon else 0
    cap_room += daily_capacity * max((horizon - day).days, 0)
    cap_stock = stock + sum(q for d, q in arriving.items() if day < d <= horizon)
    return CapacityPlan(tuple(at_risk), max(min(cap_room, cap_stock), 0), plan)
