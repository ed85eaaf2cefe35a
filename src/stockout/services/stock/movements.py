"""Use cases of stock: receive, adjust (with a reason), reserve, release, ship, list or delist
by hand. Each appends one movement to the ledger and rewrites the SKU's balance and listing in
the same transaction, by the domain's `Balance.after` and `listing_after`.

Every movement of one SKU first locks the SKU's row (`StockRepo.lock`), so concurrent
reservations are applied one after the other and the last unit is sold once. An idempotency
key (`ORDER/KIND` for order-driven movements) makes a repeated movement a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockout.domain.errors import InvalidInput, StockoutError
from stockout.domain.inventory import Balance, ListingState, Movement, MovementKind, listing_after
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.store.uow import UnitOfWork


class UnknownSku(StockoutError, LookupError):
    """No SKU with this id is tracked by the store."""

    family = "unknown-sku"

    def __init__(self, sku_id: str) -> None:
        super().__init__(f"SKU {sku_id!r} is not tracked")
        self.sku_id = sku_id


@dataclass(frozen=True, slots=True)
class StockState:
    sku_id: str
    shop_id: str
    balance: Balance
    listing: ListingState
    safety_stock: int
    applied: bool = True  # False: the idempotency key was already in the ledger


def order_key(order_id: str, kind: MovementKind, substitute_sku: str | None = None) -> str:
    """An order-driven movement's idempotency key: `ORDER/KIND` on the SKU the order was
    placed for, `ORDER/SKU/KIND` on a substitute the buyer took instead."""
    if substitute_sku is not None:
        return f"{order_id}/{substitute_sku}/{kind.value}"
    return f"{order_id}/{kind.value}"


def register_sku(uow: UnitOfWork, clock: Clock, sku_id: str, shop_id: str, *,
                 safety_stock: int = 0, title: str = "", category: str | None = None,
                 price_cents: int | None = None) -> bool:
    """Start tracking a SKU (nothing in stock, delisted until a receipt); False if known."""
    if safety_stock < 0:
        raise InvalidInput("safety_stock", "cannot be negative")

    def work(uow: UnitOfWork) -> bool:
        now = clock.now()
        listing = listing_after(ListingState.LISTED, Balance(), safety_stock)
        return uow.stock.add_sku({
            "sku_id": sku_id, "shop_id": shop_id, "title": title, "category": category,
            "price_cents": price_cents, "on_hand": 0, "reserved": 0, "listing": listing.value,
            "safety_stock": safety_stock, "created_at": now, "updated_at": now})

    return in_transaction(uow, work)


def apply_movement(uow: UnitOfWork, movement: Movement, now: datetime, actor: str,
                   key: str | None = None) -> StockState:
    """Inside `uow`'s transaction: lock the SKU, append `movement` unless `key` is already in
    the ledger, and rewrite balance and listing. Raises the domain's `LedgerError`s
    (`InsufficientStock`), and `UnknownSku`."""
    row = uow.stock.lock(movement.sku_id)
    if row is None:
        raise UnknownSku(movement.sku_id)
    balance = Balance(row["on_hand"], row["reserved"])
    listing = ListingState(row["listing"])
    if key is not None and uow.stock.has_key(key):
        return _state(row, balance, listing, applied=False)
    after = balance.after(movement)
    listing = listing_after(listing, after, row["safety_stock"])
    uow.stock.append(movement, key, now, actor)
    uow.stock.save_balance(movement.sku_id, after.on_hand, after.reserved, listing.value, now)
    return _state(row, after, listing)


def _state(row: dict[str, Any], balance: Balance, listing: ListingState,
           applied: bool = True) -> StockState:
    return StockState(str(row["sku_id"]), str(row["shop_id"]), balance, listing,
                      int(row["safety_stock"]), applied)


def _move(uow: UnitOfWork, clock: Clock, sku_id: str,
          kind: MovementKind, quantity: int, actor: str, order_id: str | None = None,
          reason: str = "", key: str | None = None) -> StockState:
    def work(uow: UnitOfWork) -> StockState:
        now = clock.now()
        m = Movement(sku_id, kind, quantity, now, order_id, reason)
        return apply_movement(uow, m, now, actor, key)

    return in_transaction(uow, work)


def receive(uow: UnitOfWork, clock: Clock, sku_id: str, quantity: int, actor: str = "system",
            reason: str = "", key: str | None = None) -> StockState:
    """Goods in: on hand grows; an automatically delisted SKU is listed again; orders whose
    reservation was refused for want of it fall due, so the worker tries them again now."""
    def work(uow: UnitOfWork) -> StockState:
        now = clock.now()
        m = Movement(sku_id, MovementKind.RECEIPT, quantity, now, reason=reason)
        state = apply_movement(uow, m, now, actor, key)
        waiting = [r["order_id"] for r in uow.stock.shortfalls(sku_id=sku_id)]
        if waiting:
            uow.orders.mark_due(waiting, now)
        return state

    return in_transaction(uow, work)


def adjust(uow: UnitOfWork, clock: Clock, sku_id: str, delta: int, reason: str,
           actor: str = "system") -> StockState:
    """A counted correction of on hand (signed), which must say why."""
    return _move(uow, clock, sku_id, MovementKind.ADJUSTMENT, delta, actor, reason=reason)


def reserve(uow: UnitOfWork, clock: Clock, sku_id: str, quantity: int, order_id: str,
            actor: str = "system") -> StockState:
    """Hold units for an order; refused (`InsufficientStock`) beyond what is sellable."""
    return _move(uow, clock, sku_id, MovementKind.RESERVATION, quantity, actor,
                 order_id, key=order_key(order_id, MovementKind.RESERVATION))


def release(uow: UnitOfWork, clock: Clock, sku_id: str, quantity: int, order_id: str,
            actor: str = "system") -> StockState:
    """Give back an order's held units (it closed without shipping)."""
    return _move(uow, clock, sku_id, MovementKind.RELEASE, quantity, actor, order_id,
                 key=order_key(order_id, MovementKind.RELEASE))


def ship(uow: UnitOfWork, clock: Clock, sku_id: str, quantity: int, order_id: str,
         actor: str = "system") -> StockState:
    """Consume an order's held units: they leave on hand at the carrier's first scan."""
    return _move(uow, clock, sku_id, MovementKind.SHIPMENT, quantity, actor, order_id,
                 key=order_key(order_id, MovementKind.SHIPMENT))


def set_listing(uow: UnitOfWork, clock: Clock, sku_id: str, listed: bool) -> StockState:
    """Delist by hand (only a hand relists it), or relist: listed unless sellable is at the
    safety stock, in which case it stays delisted automatically until a receipt."""
    return in_transaction(uow, lambda u: listing_in(u, sku_id, listed, clock.now()))


def listing_in(uow: UnitOfWork, sku_id: str, listed: bool, now: datetime) -> StockState:
    """`set_listing` inside the caller's transaction (an out-of-stock report delists)."""
    row = uow.stock.lock(sku_id)
    if row is None:
        raise UnknownSku(sku_id)
    balance = Balance(row["on_hand"], row["reserved"])
    listing = (listing_after(ListingState.LISTED, balance, row["safety_stock"]) if listed
               else ListingState.DELISTED_MANUAL)
    uow.stock.save_balance(sku_id, balance.on_hand, balance.reserved, listing.value, now)
    return _state(row, balance, listing)


def visible_sku(uow: UnitOfWork, who: Principal, sku_id: str) -> dict[str, Any]:
    """The SKU's row for the platform or its own shop's merchant; `NotFound` otherwise."""
    with uow.reader() as r:
        row = r.stock.get(sku_id)
    if row is None or not who.sees_shop(row["shop_id"]):
        raise NotFound(f"SKU {sku_id!r} not found")
    return row


def stock_of(uow: UnitOfWork, sku_id: str) -> StockState:
    """The SKU's balance and listing as stored."""
    with uow.reader() as r:
        row = r.stock.get(sku_id)
    if row is None:
        raise UnknownSku(sku_id)
    return _state(row, Balance(row["on_hand"], row["reserved"]), ListingState(row["listing"]))


def visible_stock(uow: UnitOfWork, who: Principal, sku_id: str) -> StockState:
    """The SKU's stock for the platform or its own shop's merchant; `NotFound` otherwise
    (never saying which)."""
    try:
        state = stock_of(uow, sku_id)
    except UnknownSku:
        raise NotFound(f"SKU {sku_id!r} not found") from None
    if not who.sees_shop(state.shop_id):
        raise NotFound(f"SKU {sku_id!r} not found")
    return state


def record_movement(uow: UnitOfWork, clock: Clock, who: Principal, sku_id: str,
                    kind: MovementKind, quantity: int, reason: str = "") -> StockState:
    """A receipt or an adjustment posted by the platform or the SKU's merchant."""
    visible_stock(uow, who, sku_id)
    if kind is MovementKind.RECEIPT:
        return receive(uow, clock, sku_id, quantity, who.actor, reason)
    if kind is MovementKind.ADJUSTMENT:
        return adjust(uow, clock, sku_id, quantity, reason, who.actor)
    raise InvalidInput("kind", "only receipts and adjustments are posted by hand; orders move "
                              "the rest")
